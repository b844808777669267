"""docs/rollespill.md quotes the model, and only the model.

The role-play guide's figures come from ``tools/rollespill_tall.py`` (imported here, not run as a
subprocess). Checked:

- every figure the script computes appears in the guide exactly as formatted there, and the table
  of alternatives is the script's table, row for row;
- no other number with a unit (%, mill. kr, mrd. kr, årsverk, personer, plasser) is in the guide,
  so a stale or invented number fails the test;
- every statement in words the script checks (``claims``) holds;
- every app link in the guide opens in Krisekompasset without a problem and shows the numbers of
  the run the script used for it.

When this fails after a model change: run ``tools/rollespill_tall.py`` and copy the new numbers
into the guide (the message lists what is missing or unknown).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from planmodel.inputs.library import load_library
from planmodel.present.appstate import choices_from_query
from planmodel.present.keynumbers import key_numbers
from planmodel.present.signals import balance_verdict, crisis_signals

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "rollespill.md"
SCRIPT = ROOT / "tools" / "rollespill_tall.py"
#: A number (thousands with a space, decimal comma, optional sign) followed by a unit.
WITH_UNIT = re.compile(r"(?<![\w,])[+−-]?\d{1,3}(?: \d{3})*(?:,\d+)? ?(?:%|mill\. kr|mrd\. kr|årsverk|personer"
                       r"|sykehjemsplasser|heldøgns omsorgsboliger|plasser)")
#: An app link in the guide: a query string in backticks, alone or after the app's address.
LINK = re.compile(r"`(?:http://127\.0\.0\.1:8866/)?\?([^`\s]+)`")


@pytest.fixture(scope="module")
def tall():
    spec = importlib.util.spec_from_file_location("rollespill_tall", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def prose(text: str) -> str:
    """The guide as one line: block-quote marks and line breaks become single spaces, so a figure
    broken over two lines is still found."""
    return " ".join(re.sub(r"^\s*>\s?", "", line) for line in text.splitlines()).replace("  ", " ")


def quotes(text: str, number: str) -> bool:
    """Whether ``number`` (a figure, with its sign and unit) is in ``text`` as a whole number: "1,9 %"
    is not in "−1,9 %", "61 årsverk" not in "−161 årsverk", "2042" not in "20425"."""
    return re.search(r"(?<![\d,+−-])" + re.escape(number) + r"(?!,?\d)", text) is not None


def test_every_figure_appears_in_the_guide(tall, guide):
    text = " ".join(prose(guide).split())
    missing = {k: v for k, v in tall.figures().items() if not quotes(text, v)}
    assert not missing, "docs/rollespill.md does not quote these figures of tools/rollespill_tall.py:\n" + \
        "\n".join(f"  {k}: {v}" for k, v in missing.items())


def test_table_of_alternatives_is_the_scripts(tall, guide):
    lines = guide.splitlines()
    table = tall.alternatives_table()
    missing = [row for row in table if row not in lines]
    assert not missing, "the table of alternatives differs from tools/rollespill_tall.py; expected rows:\n" + \
        "\n".join(missing)
    start = lines.index(table[0])
    assert lines[start:start + len(table)] == table


def test_no_number_with_a_unit_that_the_script_does_not_compute(tall, guide):
    figures = list(tall.figures().values())
    text = " ".join(prose(guide).split())
    unknown = sorted({m.group(0) for m in WITH_UNIT.finditer(text) if not any(quotes(f, m.group(0)) for f in figures)})
    assert not unknown, "docs/rollespill.md quotes numbers that tools/rollespill_tall.py does not compute:\n  " + \
        "\n  ".join(unknown)


def test_unit_pattern_finds_the_forms_the_guide_uses():
    found = [m.group(0) for m in WITH_UNIT.finditer("6,0 % og −2,0 % og 632,8 mill. kr, 1 020 årsverk, "
                                                     "3,1 mrd. kr og 2 173 personer, men ikke 2027 eller 60/40")]
    assert found == ["6,0 %", "−2,0 %", "632,8 mill. kr", "1 020 årsverk", "3,1 mrd. kr", "2 173 personer"]


def test_quotes_takes_the_sign_and_the_whole_number():
    assert quotes("−1,9 %", "−1,9 %") and quotes("Frie inntekter −4 %", "−4 %")
    assert not quotes("−1,9 %", "1,9 %") and not quotes("−161 årsverk", "61 årsverk")
    assert not quotes("11,9 %", "1,9 %") and not quotes("20425", "2042") and not quotes("4,25", "4,2")


def test_the_statements_in_words_hold(tall):
    wrong = [text for text, ok in tall.claims().items() if not ok]
    assert not wrong, "the model no longer bears out what docs/rollespill.md says:\n  " + "\n  ".join(wrong)


def test_every_link_in_the_guide_is_one_the_script_checks(tall, guide):
    links = set(LINK.findall(guide))
    assert links == set(tall.LINKS), f"links in the guide {sorted(links)}; the script knows {sorted(tall.LINKS)}"
    measures = load_library().measures
    for query in links:
        _choices, problems, _given = choices_from_query(query, measures)
        assert not problems, f"?{query}: {problems}"


def test_the_app_shows_the_guides_numbers_for_each_link(tall):
    """Open each link in Krisekompasset (a fresh page, as a browser tab would) and compare what it
    shows with the run the script took the guide's figures from."""
    from planmodel.widgets.krisekompasset import Krisekompasset

    for query, make in tall.LINKS.items():
        app = Krisekompasset()
        app.apply_query_string(query)
        assert app.stale == "" and "ikke kunne brukes" not in app.message.value, query
        expected = make()
        assert key_numbers(app.result) == key_numbers(expected), query
        assert balance_verdict(app.result).headline == balance_verdict(expected).headline, query
        assert [s.headline for s in crisis_signals(app.result)] == [s.headline for s in crisis_signals(expected)], query
