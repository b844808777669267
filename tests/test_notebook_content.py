"""What the teaching notebooks promise their readers, checked on the stored notebooks.

pytest-notebook (``nb_test_files``) re-executes the notebooks and diffs their outputs, and
``tests/test_notebooks.py`` checks kernels, saved outputs and paths. This module checks content:

- every notebook under ``notebooks/`` starts with a title (a ``# `` heading in its first cell);
- every numbered teaching notebook (``notebooks/NN_*.ipynb``) has exercises (``**Oppgave 1``), and
  00, 04 and 05 have two or three each;
- exercises and solutions are kept apart: no teaching notebook contains a solution, every solution
  notebook ``notebooks/losningsforslag/NN_name_losning.ipynb`` belongs to a teaching notebook with
  exercises, every such notebook has one, and it answers every exercise (``## Oppgave N``);
- every teaching notebook also has one exercise without code (``**Oppgave uten kode – …**``): its
  text asks a question to discuss (``Diskuter:``), the next code cell builds a widget from
  ``planmodel.widgets.teaching``, and the saved outputs show the widget and, as text, its starting
  point (widgets show nothing in a static notebook); its solution notebook answers it
  (``## Oppgave uten kode``);
- a notebook that points to its solutions names a file that exists;
- no notebook shows a temporary path (``tempfile`` folders differ from run to run and machine to
  machine, so they break the regression diff and leak local details);
- ``docs/rollespill.md`` names the eight roles of the role-play.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import nbformat
import pytest

from planmodel._nbtools import notebook_paths
from planmodel.core.paths import NOTEBOOK_DIR, PROJECT_ROOT

NOTEBOOKS = notebook_paths()
SOLUTION_DIR = NOTEBOOK_DIR / "losningsforslag"
SOLUTION_SUFFIX = "_losning"
TEACHING = sorted(p for p in NOTEBOOKS if p.parent == NOTEBOOK_DIR and re.match(r"\d\d_", p.name))
SOLUTIONS = sorted(p for p in NOTEBOOKS if p.parent == SOLUTION_DIR)
#: Notebooks whose exercises were specified as "two or three".
TWO_OR_THREE = ("00_planlegging_i_kommunen", "04_krisebasert_planlegging", "05_egen_kommune")
ROLLESPILL = PROJECT_ROOT / "docs" / "rollespill.md"
ROLES = ("kommunedirektør", "økonomisjef", "helse- og omsorgssjef", "oppvekstsjef", "ordfører", "opposisjon",
         "brukerrepresentant", "frivilligheten")

#: An exercise heading in a teaching notebook: "**Oppgave 2 – Tittel.**"
EXERCISE = re.compile(r"\*\*Oppgave (\d+)\b")
#: An answer heading in a solution notebook: "## Oppgave 2 – Tittel"
ANSWER = re.compile(r"^#{2,3} Oppgave (\d+)\b", re.MULTILINE)
#: The exercise without code (answered with widgets) and its answer heading.
NO_CODE = "**Oppgave uten kode"
NO_CODE_ANSWER = re.compile(r"^#{2,3} Oppgave uten kode\b", re.MULTILINE)
#: Where the exercise widgets come from, and the MIME type of a widget in a saved output.
TEACHING_WIDGETS = "planmodel.widgets.teaching"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: Temporary folders as tempfile names them on Linux, macOS and Windows, and this machine's.
TEMP_PATH = re.compile(
    r"(?:/tmp/|/var/folders/|/private/var/|\\AppData\\Local\\Temp\\|[\\/]tmp[a-z0-9_]{8}[\\/]|planmodel_05_\w+)",
    re.IGNORECASE,
)


def _rel(path: Path) -> str:
    return path.relative_to(PROJECT_ROOT).as_posix()


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _markdown(nb: nbformat.NotebookNode) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _exercises(path: Path) -> list[int]:
    return sorted({int(n) for n in EXERCISE.findall(_markdown(_read(path)))})


def _outputs(nb: nbformat.NotebookNode):
    """(where, text) for every text output of a notebook (images left out)."""
    for i, cell in enumerate(nb.cells):
        for j, out in enumerate(cell.get("outputs", [])):
            where = f"cells[{i}].outputs[{j}]"
            if out.output_type == "stream":
                yield where, out.text
            elif out.output_type == "error":
                yield where, "\n".join(out.traceback)
            else:
                for mime, value in out.get("data", {}).items():
                    if mime.startswith("text/") or mime.endswith("json"):
                        yield f"{where}.data[{mime}]", value if isinstance(value, str) else str(value)


def _solution_for(teaching: Path) -> Path:
    return SOLUTION_DIR / f"{teaching.stem}{SOLUTION_SUFFIX}.ipynb"


def test_the_notebooks_are_found():
    names = {p.stem for p in TEACHING}
    assert set(TWO_OR_THREE) <= names, f"missing teaching notebooks: {sorted(set(TWO_OR_THREE) - names)}"
    assert SOLUTIONS, "no solution notebooks in notebooks/losningsforslag/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_rel)
def test_notebook_has_a_title(path):
    nb = _read(path)
    first = nb.cells[0] if nb.cells else None
    assert first is not None and first.cell_type == "markdown", f"{_rel(path)}: the first cell is not markdown"
    line = first.source.lstrip().splitlines()[0] if first.source.strip() else ""
    assert re.match(r"# \S", line), f"{_rel(path)}: the first cell does not start with a '# ' title: {line!r}"


@pytest.mark.parametrize("path", TEACHING, ids=_rel)
def test_teaching_notebook_has_exercises(path):
    numbers = _exercises(path)
    assert numbers, f"{_rel(path)}: no exercise ('**Oppgave 1 – ...**') found"
    assert numbers == list(range(1, len(numbers) + 1)), f"{_rel(path)}: exercises are numbered {numbers}"
    if path.stem in TWO_OR_THREE:
        assert 2 <= len(numbers) <= 3, f"{_rel(path)}: {len(numbers)} exercises; expected two or three"


@pytest.mark.parametrize("path", TEACHING, ids=_rel)
def test_teaching_notebook_has_an_exercise_without_code(path):
    nb = _read(path)
    where = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and NO_CODE in c.source]
    assert len(where) == 1, (f"{_rel(path)}: {len(where)} markdown cells with '{NO_CODE} – ...**'; expected one "
                             "exercise answered with widgets (planmodel.widgets.teaching)")
    text = nb.cells[where[0]].source
    assert "Diskuter:" in text, f"{_rel(path)}: the exercise without code has no question to discuss ('Diskuter: ...')"
    code = next((c for c in nb.cells[where[0] + 1:] if c.cell_type == "code"), None)
    assert code is not None and TEACHING_WIDGETS in code.source, (
        f"{_rel(path)}: the code cell after '{NO_CODE}' should build its widget from {TEACHING_WIDGETS}")
    shows_widget = any(WIDGET_MIME in o.get("data", {}) for o in code.outputs)
    printed = "".join(o.text for o in code.outputs if o.output_type == "stream" and o.name == "stdout")
    assert shows_widget, f"{_rel(path)}: the widget cell was saved without the widget output; execute the notebook"
    assert len(printed.strip().splitlines()) >= 3, (
        f"{_rel(path)}: the widget cell should print its starting point as text (print(oppgave.text)), so the "
        "saved notebook shows the figures; widgets show nothing in a static notebook")


@pytest.mark.parametrize("path", TEACHING, ids=_rel)
def test_teaching_notebook_keeps_solutions_apart(path):
    text = _markdown(_read(path))
    assert not re.search(r"^#{1,3} (Løsning|Løsningsforslag)\b", text, re.MULTILINE), (
        f"{_rel(path)}: has a solution heading; solutions belong in notebooks/losningsforslag/")
    for ref in re.findall(r"losningsforslag/([\w.-]+\.ipynb)", text):
        assert (SOLUTION_DIR / ref).is_file(), f"{_rel(path)}: points to losningsforslag/{ref}, which does not exist"


@pytest.mark.parametrize("path", TEACHING, ids=_rel)
def test_every_notebook_with_exercises_has_solutions(path):
    if not _exercises(path):
        pytest.skip("no exercises")
    assert _solution_for(path).is_file(), (
        f"{_rel(path)} has exercises but no solution notebook {_rel(_solution_for(path))}")


@pytest.mark.parametrize("path", SOLUTIONS, ids=_rel)
def test_solution_notebook_belongs_to_a_notebook_with_exercises(path):
    assert path.stem.endswith(SOLUTION_SUFFIX), f"{_rel(path)}: name must end in '{SOLUTION_SUFFIX}.ipynb'"
    teaching = NOTEBOOK_DIR / f"{path.stem[: -len(SOLUTION_SUFFIX)]}.ipynb"
    assert teaching.is_file(), f"{_rel(path)}: there is no notebook {_rel(teaching)} it could answer"
    asked = _exercises(teaching)
    assert asked, f"{_rel(path)}: {_rel(teaching)} has no exercises to answer"
    nb = _read(path)
    assert nb.cells[0].source.lstrip().startswith("# Løsningsforslag"), (
        f"{_rel(path)}: the title should start with '# Løsningsforslag'")
    answered = sorted({int(n) for n in ANSWER.findall(_markdown(nb))})
    assert answered == asked, f"{_rel(path)}: answers exercises {answered}, {_rel(teaching)} asks {asked}"
    if NO_CODE in _markdown(_read(teaching)):
        assert NO_CODE_ANSWER.search(_markdown(nb)), (
            f"{_rel(path)}: {_rel(teaching)} has an exercise without code; answer it under '## Oppgave uten kode'")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_rel)
def test_notebook_prints_no_temporary_path(path):
    temp_root = str(Path(tempfile.gettempdir()))
    problems = []
    for where, text in _outputs(_read(path)):
        m = TEMP_PATH.search(text)
        if m:
            problems.append(f"{where}: {text[max(0, m.start() - 30):m.end() + 30]!r}")
        elif len(temp_root) > 1 and temp_root in text:
            problems.append(f"{where}: contains the temporary folder {temp_root}")
    assert not problems, f"{_rel(path)} shows temporary paths (print file names only):\n" + "\n".join(problems)


def test_temp_path_pattern_catches_what_tempfile_makes():
    with tempfile.TemporaryDirectory(prefix="planmodel_05_") as d:
        assert TEMP_PATH.search(str(Path(d) / "bergen_basis.yaml"))
    assert TEMP_PATH.search(r"C:\Users\ola\AppData\Local\Temp\tmpab12cd34\x.xlsx")
    assert not TEMP_PATH.search("bergen_basis.yaml")
    assert not TEMP_PATH.search("Scenario: Bergen – basisalternativ (bergen_basis)")


def test_rollespill_names_the_eight_roles():
    assert ROLLESPILL.is_file(), "docs/rollespill.md is missing"
    text = ROLLESPILL.read_text(encoding="utf-8").lower()
    missing = [r for r in ROLES if r not in text]
    assert not missing, f"docs/rollespill.md does not name the roles {missing}"
    headings = re.findall(r"^#{2,4} .*$", text, re.MULTILINE)
    without_heading = [r for r in ROLES if not any(r in h for h in headings)]
    assert not without_heading, f"docs/rollespill.md has no heading for the roles {without_heading}"
