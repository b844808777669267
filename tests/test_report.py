"""The brief for politicians (planmodel.report): self-contained, Norwegian, deterministic.

The brief is parsed with the standard library's ``html.parser``. Expected numbers come from the
model API (``load_scenario`` + ``run``) formatted with ``planmodel.formatting``, never from strings
copied out of the brief. The issue this guards: "the HTML brief loads no external URL".
"""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from planmodel.present import report
from planmodel.core.paths import SCENARIO_DIR
from planmodel.core.errors import InputError
from planmodel.core.formatting import mill_kr, prosent, tall
from planmodel.model.chain import run
from planmodel.inputs.scenario import load_scenario
from planmodel.present.charts import ndr_chart
from planmodel.present.signals import Signal, crisis_signals

SCENARIO = SCENARIO_DIR / "baerum_krisepakke.yaml"
#: Attributes that make a browser fetch something.
FETCHING_ATTRS = ("src", "href", "srcset", "poster", "data", "action", "formaction", "xlink:href", "background",
                  "manifest", "ping", "cite", "longdesc", "icon")
EXTERNAL = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]*)", re.IGNORECASE)


class BriefParser(HTMLParser):
    """Collects every tag with its attributes, the text of every ``data-key`` element, the CSS
    (style elements and style attributes) and the visible text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.keys: dict[str, list[str]] = {}
        self.css: list[str] = []
        self.text: list[str] = []
        self._key_stack: list[tuple[str, str, list[str]]] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if a.get("style"):
            self.css.append(a["style"])
        if tag == "style":
            self._in_style = True
        if "data-key" in a:
            self._key_stack.append((tag, a["data-key"], []))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False
        if self._key_stack and self._key_stack[-1][0] == tag:
            _, key, parts = self._key_stack.pop()
            self.keys.setdefault(key, []).append("".join(parts))

    def handle_data(self, data):
        if self._in_style:
            self.css.append(data)
            return
        self.text.append(data)
        for _, _, parts in self._key_stack:
            parts.append(data)


def parse(text: str) -> BriefParser:
    p = BriefParser()
    p.feed(text)
    p.close()
    return p


@pytest.fixture(scope="module")
def brief(tmp_path_factory) -> tuple[Path, str, BriefParser]:
    out = report.write_report(SCENARIO, tmp_path_factory.mktemp("rapport") / "rapport.html")
    text = out.read_text(encoding="utf-8")
    return out, text, parse(text)


@pytest.fixture(scope="module")
def model():
    return run(load_scenario(SCENARIO))


def plan_and_horizon(ds) -> tuple[list[int], int]:
    years = [int(y) for y in ds["year"].values]
    plan = [y for y, p in zip(years, ds["plan_year"].values) if p]
    return plan, 2040


# --------------------------------------------------------------------------------------------
# Self-contained and offline
# --------------------------------------------------------------------------------------------


def test_brief_is_norwegian_html(brief):
    out, text, p = brief
    assert out.suffix == ".html"
    assert text.startswith("<!DOCTYPE html>")
    html_tags = [a for t, a in p.tags if t == "html"]
    assert html_tags == [{"lang": "nb"}]
    assert [a.get("charset") for t, a in p.tags if t == "meta" and "charset" in a] == ["utf-8"]
    title = re.search(r"<title>([^<]*)</title>", text).group(1)
    assert title.startswith("Økonomiplan 2027–2030: Bærum – krisepakke")


def test_brief_loads_no_external_url(brief):
    _, text, p = brief
    problems = []
    for tag, attrs in p.tags:
        for name, value in attrs.items():
            if name in FETCHING_ATTRS and value and EXTERNAL.match(value):
                problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and attrs.get("src"):
            problems.append(f"<script src={attrs['src']!r}>")
        if tag == "link" and attrs.get("href"):
            problems.append(f"<link href={attrs['href']!r}>")
    for css in p.css:
        for url in CSS_URL.findall(css):
            if not url.startswith("data:"):
                problems.append(f"CSS url({url})")
        if "@import" in css:
            problems.append("CSS @import")
    assert not problems, "external resources in the brief:\n" + "\n".join(problems)
    # stronger: no script, no link, no iframe/object at all, and no http(s) address anywhere
    assert not [t for t, _ in p.tags if t in ("script", "link", "iframe", "object", "embed", "img")]
    assert "http://" not in text and "https://" not in text


def test_brief_has_no_machine_paths_or_timestamps(brief):
    _, text, _ = brief
    assert str(SCENARIO_DIR) not in text and "/tmp/" not in text and str(Path.home()) not in text
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b|\d\d:\d\d:\d\d", text)  # no dates or clock times


def test_brief_is_deterministic(tmp_path):
    a = report.write_report(SCENARIO, tmp_path / "a.html").read_bytes()
    b = report.write_report(str(SCENARIO), tmp_path / "b.html").read_bytes()
    assert a == b
    assert b"\r\n" not in a


# --------------------------------------------------------------------------------------------
# Content: the numbers are the model's, formatted the Norwegian way
# --------------------------------------------------------------------------------------------


def test_ndr_numbers_equal_the_model(brief, model):
    _, _, p = brief
    plan, hz = plan_and_horizon(model)
    assert plan == [2027, 2028, 2029, 2030]
    for y in plan + [hz]:
        share = float(model["netto_driftsresultat_andel"].sel(year=y))
        ndr = float(model["netto_driftsresultat"].sel(year=y))
        gap = float(model["inndekningsbehov"].sel(year=y))
        assert p.keys[f"ndr_andel_{y}"] == [prosent(share, 1)], y
        assert p.keys[f"ndr_{y}"] == [mill_kr(ndr * 1000)], y
        assert p.keys[f"inndekning_{y}"] == [mill_kr(gap * 1000)], y
    # exact characters: no-break spaces, decimal comma
    assert p.keys["ndr_andel_2030"][0].endswith("\u00a0%") and "," in p.keys["ndr_andel_2030"][0]
    assert p.keys["inndekning_2030"][0].endswith("\u00a0mill.\u00a0kr")


def test_okonomiplan_table_rows_equal_the_model(brief, model):
    _, text, _ = brief
    section = text[text.index('<section id="okonomiplan">'):text.index('<section id="sektorrammer">')]
    row = re.search(r'<th scope="row" class="txt">Netto driftsresultat</th>(.*?)</tr>', section).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    plan, _ = plan_and_horizon(model)
    assert cells == [tall(float(model["netto_driftsresultat"].sel(year=y)) / 1000, 1) for y in plan]


def test_key_message_states_balance_and_gap(brief, model):
    _, _, p = brief
    body = " ".join(p.text)
    plan, hz = plan_and_horizon(model)
    gap_plan = float(model["inndekningsbehov"].sel(year=plan).sum())
    if gap_plan > 0.5:
        assert f"inndekningsbehovet er til sammen {mill_kr(gap_plan * 1000)} i perioden" in body
    else:
        assert "Kommunen er i økonomisk balanse i økonomiplanperioden 2027–2030" in body
    assert f"I {hz} er netto driftsresultat {prosent(float(model['netto_driftsresultat_andel'].sel(year=hz)), 1)}" in body
    assert "normen på 1,75\u00a0%" in body


def test_brief_shows_both_income_rules(brief, model):
    """The balance table and the key message show the result without the state's demographic
    compensation beside the scenario's own rule (with it), from the model's own lines."""
    _, _, p = brief
    body = " ".join(p.text)
    plan, hz = plan_and_horizon(model)
    assert model.attrs["income_rule"] == "med_demografi"
    other = model["netto_driftsresultat_andel_inntektsregel"].sel(income_rule="uten_demografi")
    for y in plan + [hz]:
        assert p.keys[f"ndr_andel_uten_demografi_{y}"] == [prosent(float(other.sel(year=y)), 1)], y
    assert (f"Tallene er regnet med demografikompensasjon i de frie inntektene; uten demografikompensasjon blir "
            f"netto driftsresultat {prosent(float(other.sel(year=plan[-1])), 1)} i {plan[-1]}") in body


def test_brief_has_every_section(brief):
    _, text, p = brief
    ids = [a["id"] for t, a in p.tags if "id" in a and t in ("section", "footer")]
    assert ids == ["hovedbudskap", "okonomiplan", "sektorrammer", "krisesignaler", "tiltak", "stresstester",
                   "forutsetninger", "kilder"]
    body = " ".join(p.text)
    for heading in ("Hovedbudskap", "Økonomiplanen", "Sektorrammene", "Krisesignaler", "Tiltakene",
                    "Stresstester", "Forutsetninger og begrensninger", "Kilder"):
        assert f"<h2>{heading}</h2>" in text
    for label in ("Frie inntekter −4\u00a0%", "Rente +2 prosentpoeng", "Investeringer +25\u00a0%"):
        assert label.replace("\u00a0", " ") in body.replace("\u00a0", " ")
    assert [a["data-signal"] for t, a in p.tags if "data-signal" in a] == ["okonomi", "personell", "tilbud"]
    for title in ("Hverdagsrehabilitering", "Samlokalisering og større enheter i sykehjem"):
        assert title in body
    assert "Hvem betaler og hvem får gevinst" in body
    assert "<svg" in text and 'role="img"' in text


def test_assumptions_and_sources(brief, model):
    _, _, p = brief
    body = " ".join(p.text)
    assert "Kilde: Statistisk sentralbyrå (SSB), CC BY 4.0" in body
    for source in ("Human Mortality Database (HMD)", "Human Fertility Database (HFD)", "KOSTRA 2025"):
        assert source in body
    assert model.attrs["calibration"] in body
    # every economic assumption with its status; the anslag are named as such
    assert "Nominell rente" in body and "Kommunal deflator (prisvekst)" in body
    assert "TBUs anbefaling for kommunene" in body
    assert re.search(r"\d+ av \d+ økonomiske forutsetninger er anslag", body)
    assert re.search(r"Tiltakenes virkninger: \d+ av \d+ er anslag", body)
    assert "Begrensninger" in body


def test_tiltak_costs_equal_the_model(brief, model):
    _, text, _ = brief
    plan, _ = plan_and_horizon(model)
    row = re.search(r'<th scope="row" class="txt">Hverdagsrehabilitering</th>(.*?)</tr>', text).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    cost = (model["tiltak_drift"] + model["tiltak_investering"]).sel(measure="hverdagsrehabilitering", year=plan)
    # mill. kr like every other amount of the brief; Bærum's size gives one decimal
    assert cells[:len(plan)] == [tall(float(v) / 1000, 1) for v in cost.values]
    caption = re.search(r"<caption>Valgte tiltak og hva de koster<span class=\"units\"> \[([^\]]*)\]", text).group(1)
    assert caption == "mill. kr, faste 2025-priser"
    assert "1000 kr" not in text and "NOK 1000" not in text


# --------------------------------------------------------------------------------------------
# Pure helpers
# --------------------------------------------------------------------------------------------


def test_brief_shows_the_shared_crisis_signals(brief, model):
    """The brief shows planmodel.signals.crisis_signals of the scenario (the same rules as the
    Krisekompasset app): level as data, symbol + word + colour name as text, headline and text.
    The rules themselves are tested in tests/test_signals.py."""
    _, text, p = brief
    want = crisis_signals(model)
    assert [s.area for s in want] == ["okonomi", "personell", "tilbud"]
    assert [(a["data-signal"], a["data-level"]) for t, a in p.tags if "data-signal" in a] == [
        (s.area, s.level) for s in want]
    body = " ".join(p.text)
    for s in want:
        assert p.keys[f"signal_{s.area}"] == [f"{s.symbol} {s.word} ({s.level_nb})"]
        assert s.headline in body and s.text in body
    # the crisis package: in balance to the horizon, enough staff in the plan period, higher terskel
    assert [s.level for s in want] == ["green", "amber", "amber"]
    assert report.CrisisSignal is Signal


def test_key_numbers_are_exact_texts(model):
    k = report.key_numbers(model)
    assert k["resultatmal_andel"] == "1,75\u00a0%"
    n = model.sizes["measure"]
    assert k["tiltak_antall"] == str(n)
    plan, _ = plan_and_horizon(model)
    total = float((model["tiltak_drift"] + model["tiltak_investering"]).sel(year=plan).sum())
    assert k["tiltak_kostnad_plan"] == mill_kr(total * 1000)
    below = int((model["inndekningsbehov"].sel(year=plan) > 0.5).sum())
    assert k["ar_under_norm"] == f"{below} av 4"
    neg = float(np.min(model["netto_driftsresultat_andel"].values))
    assert report.prosent(-0.015) == "\u22121,5\u00a0%" and (neg >= 0 or "\u2212" in prosent(neg))


def test_chart_is_the_apps_deterministic_inline_svg(model, brief):
    """The brief draws netto driftsresultat with the same chart as the apps (one implementation)."""
    svg = ndr_chart(model, "Bærum (3201)", "rapport-ndr")
    assert svg == ndr_chart(model, "Bærum (3201)", "rapport-ndr")
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert "http" not in svg and "<script" not in svg and "<image" not in svg
    assert svg in brief[1]
    assert 'data-chart="rapport-ndr"' in svg and "Normen er 1,75" in svg


# --------------------------------------------------------------------------------------------
# Input and errors
# --------------------------------------------------------------------------------------------


def test_write_report_takes_a_scenario_object(tmp_path):
    sc = replace(load_scenario(SCENARIO), kommune="0301")
    out = report.write_report(sc, tmp_path / "oslo.html")
    p = parse(out.read_text(encoding="utf-8"))
    ds = run(sc)
    assert p.keys["kommune"] == ["Oslo (0301)"]
    assert p.keys["ndr_andel_2027"] == [prosent(float(ds["netto_driftsresultat_andel"].sel(year=2027)), 1)]


def test_write_report_errors_are_norwegian(tmp_path):
    with pytest.raises(InputError, match=r"rapporten skrives som HTML; bruk en filsti som slutter på \.html"):
        report.write_report(SCENARIO, tmp_path / "rapport.pdf")
    with pytest.raises(InputError, match="mappen .* finnes ikke"):
        report.write_report(SCENARIO, tmp_path / "mangler" / "rapport.html")
    with pytest.raises(InputError, match="scenariofilen finnes ikke"):
        report.write_report(tmp_path / "finnes_ikke.yaml", tmp_path / "rapport.html")
    with pytest.raises(InputError, match="forventet en PlanScenario eller en scenariofil"):
        report.write_report(42, tmp_path / "rapport.html")
    assert not list(tmp_path.iterdir())


# --------------------------------------------------------------------------------------------
# Offline in a real browser
# --------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_brief_opens_offline_without_network_requests(brief, chromium_browser, artifacts_dir):
    out, _, _ = brief
    context = chromium_browser.new_context(viewport={"width": 1100, "height": 900}, locale="nb-NO",
                                           offline=True)
    page = context.new_page()
    requested = []

    def handle(route):
        url = route.request.url
        requested.append(url)
        if url.startswith("file:"):
            route.continue_()
        else:
            route.abort()

    page.route("**/*", handle)
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        page.goto(out.resolve().as_uri())
        page.wait_for_load_state("load")
        assert page.locator("html").get_attribute("lang") == "nb"
        assert page.locator('[data-key="ndr_andel_2030"]').is_visible()
        assert page.locator('svg[data-chart="rapport-ndr"]').is_visible()
        assert requested == [out.resolve().as_uri()], f"network requests: {requested}"
        assert errors == []
        page.screenshot(path=str(artifacts_dir / "rapport.png"), full_page=True)
    finally:
        context.close()
