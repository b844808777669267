"""Rules every notebook in the repository keeps, and the pytest-notebook post-processor.

The notebooks themselves are executed and diffed by pytest-notebook (``nb_test_files`` in
pyproject.toml, ``notebooks/*.ipynb``). These tests check what that regression run cannot:

- every notebook names the kernel ``python3`` (pytest-notebook has no kernel override, so any
  other name fails with NoSuchKernel on a clean machine);
- analysis notebooks in ``notebooks/`` are committed **with** outputs (the regression diff
  compares against them) and app notebooks in ``planmodel/apps/`` **without** (Voilà runs them);
- no notebook resolves data through ``"../data"`` or contains an absolute path of this machine;
- ``strip_widget_state`` does what the diff relies on.
"""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import nbformat
import pytest

from planmodel._nbtools import (
    MODEL_ID_PLACEHOLDER,
    WIDGET_MIME,
    app_notebook_paths,
    notebook_paths,
    strip_widget_state,
)
from planmodel.core.paths import APP_DIR, NOTEBOOK_DIR, PROJECT_ROOT

ANALYSIS = notebook_paths()
APPS = app_notebook_paths()
ALL = ANALYSIS + APPS

#: Absolute paths as they leak from one machine: Unix home/work/temp folders, Windows user folders.
ABSOLUTE_PATH = re.compile(r"(?<![\w.~/-])/(?:work|home|tmp|Users|root|mnt|opt|var)/|\b[A-Za-z]:\\(?:Users|work)\\")
#: Output MIME types that are binary images (base64 may contain "/work/" by chance).
BINARY_MIME = ("image/png", "image/jpeg", "image/gif")


def _rel(path: Path) -> str:
    return path.relative_to(PROJECT_ROOT).as_posix()


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _texts(nb: nbformat.NotebookNode):
    """(where, text) for every piece of text in a notebook that a person could read.

    Cell sources, stream text, tracebacks and non-image output data; image data is left out.
    """
    for i, cell in enumerate(nb.cells):
        yield f"cells[{i}].source", cell.source
        for j, out in enumerate(cell.get("outputs", [])):
            where = f"cells[{i}].outputs[{j}]"
            if out.output_type == "stream":
                yield where + ".text", out.text
            elif out.output_type == "error":
                yield where + ".traceback", "\n".join(out.traceback)
            else:
                for mime, value in out.get("data", {}).items():
                    if mime not in BINARY_MIME:
                        yield f"{where}.data[{mime}]", value if isinstance(value, str) else str(value)
    yield "metadata", str(dict(nb.metadata))


def _should_print(source: str) -> bool:
    """Whether a code cell is meant to show something: it calls print/display/plt.show, or
    its last statement is a bare expression not silenced by a trailing ``;``."""
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    code = "\n".join(lines).strip()
    if not code:
        return False
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            if name in {"print", "display", "show"}:
                return True
    last = tree.body[-1]
    return isinstance(last, ast.Expr) and not code.rstrip().endswith(";")


def test_the_teaching_notebook_is_found():
    names = [p.name for p in ANALYSIS]
    assert "01_befolkning.ipynb" in names
    assert all(p.parent == NOTEBOOK_DIR or NOTEBOOK_DIR in p.parents for p in ANALYSIS)
    assert all(".ipynb_checkpoints" not in p.parts for p in ALL)
    assert all(APP_DIR in p.parents for p in APPS)


@pytest.mark.parametrize("path", ALL, ids=_rel)
def test_kernelspec_is_python3(path):
    nb = _read(path)
    name = nb.metadata.get("kernelspec", {}).get("name")
    assert name == "python3", (
        f"{_rel(path)}: metadata.kernelspec.name is {name!r}, expected 'python3' "
        "(pytest-notebook cannot override the kernel; other names fail with NoSuchKernel)"
    )


@pytest.mark.parametrize("path", ALL, ids=_rel)
def test_notebook_is_valid_nbformat(path):
    nbformat.validate(_read(path))


@pytest.mark.parametrize("path", ANALYSIS, ids=_rel)
def test_analysis_notebook_is_committed_with_outputs(path):
    nb = _read(path)
    missing = [i for i, c in enumerate(nb.cells)
               if c.cell_type == "code" and _should_print(c.source) and not c.outputs]
    assert not missing, (
        f"{_rel(path)}: code cells {missing} should show output but have none; execute the "
        "notebook top to bottom and save it with outputs (jupyter nbconvert --to notebook "
        "--execute --inplace)"
    )
    errors = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
              and "raises-exception" not in c.metadata.get("tags", [])
              and any(o.output_type == "error" for o in c.outputs)]
    assert not errors, f"{_rel(path)}: code cells {errors} were saved with an error output"


@pytest.mark.parametrize("path", APPS, ids=_rel)
def test_app_notebook_is_committed_without_outputs(path):
    nb = _read(path)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, (
        f"{_rel(path)}: code cells {dirty} have outputs or execution counts; app notebooks "
        "are committed clean (clear all outputs before saving)"
    )
    assert "widgets" not in nb.metadata, f"{_rel(path)}: metadata.widgets holds saved widget state"


@pytest.mark.parametrize("path", ALL, ids=_rel)
def test_no_relative_data_or_absolute_paths(path):
    nb = _read(path)
    root = str(PROJECT_ROOT)
    home = str(Path.home())
    problems = []
    for where, text in _texts(nb):
        if "../data" in text or "..\\data" in text:
            problems.append(f"{where}: '../data' (resolve data through planmodel._paths / planmodel.data)")
        if root in text or (home != "/" and home in text):
            problems.append(f"{where}: contains this machine's path")
        m = ABSOLUTE_PATH.search(text)
        if m:
            problems.append(f"{where}: absolute path {text[max(0, m.start() - 20):m.end() + 20]!r}")
    assert not problems, f"{_rel(path)}:\n" + "\n".join(problems)


# ---------------------------------------------------------------------------------------------
# strip_widget_state
# ---------------------------------------------------------------------------------------------

def _widget_notebook(model_id: str = "3f2a9c0e5b7d4e1f") -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "state": {model_id: {"model_name": "IntSliderModel", "state": {"value": 3}}},
        "version_major": 2, "version_minor": 0}}
    widget_out = nbformat.v4.new_output(
        "display_data",
        data={WIDGET_MIME: {"model_id": model_id, "version_major": 2, "version_minor": 0},
              "text/plain": "IntSlider(value=3)"},
    )
    text_out = nbformat.v4.new_output("stream", name="stdout", text="3 personer\n")
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Test", id="intro"),
        nbformat.v4.new_code_cell("w = IntSlider(3); display(w); print('3 personer')", id="widget",
                                  outputs=[widget_out, text_out], execution_count=1),
        nbformat.v4.new_code_cell("1 + 1", id="sum", outputs=[nbformat.v4.new_output(
            "execute_result", data={"text/plain": "2"}, execution_count=2)], execution_count=2),
    ]
    nbformat.validate(nb)
    return nb


def test_strip_widget_state_drops_state_and_blanks_model_id():
    nb = _widget_notebook()
    resources = {"key": "unchanged"}
    out_nb, out_res = strip_widget_state(nb, resources)
    assert out_res is resources and out_res == {"key": "unchanged"}
    assert "widgets" not in out_nb.metadata
    assert out_nb.metadata["kernelspec"]["name"] == "python3"
    view = out_nb.cells[1].outputs[0].data[WIDGET_MIME]
    assert view == {"model_id": MODEL_ID_PLACEHOLDER, "version_major": 2, "version_minor": 0}
    # everything else is untouched
    assert out_nb.cells[1].outputs[0].data["text/plain"] == "IntSlider(value=3)"
    assert out_nb.cells[1].outputs[1].text == "3 personer\n"
    assert out_nb.cells[2].outputs[0].data == {"text/plain": "2"}
    nbformat.validate(out_nb)


def test_strip_widget_state_makes_two_runs_equal():
    a, _ = strip_widget_state(_widget_notebook("aaaa1111"), {})
    b, _ = strip_widget_state(_widget_notebook("bbbb2222"), {})
    assert a == b


def test_strip_widget_state_is_idempotent_and_accepts_plain_notebooks():
    once, _ = strip_widget_state(_widget_notebook(), None)
    twice, res = strip_widget_state(copy.deepcopy(once), None)
    assert twice == once and res is None
    plain = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", id="only")])
    before = copy.deepcopy(plain)
    assert strip_widget_state(plain, {})[0] == before


def test_strip_widget_state_is_registered_for_pytest_notebook():
    post_processors = pytest.importorskip("pytest_notebook.post_processors")
    assert "strip_widget_state" in post_processors.list_processor_names(), (
        "entry point nbreg.post_proc:strip_widget_state missing; reinstall with "
        "'pip install --no-deps -e .'"
    )
    assert post_processors.load_processor("strip_widget_state") is strip_widget_state
