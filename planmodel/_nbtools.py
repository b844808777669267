"""Notebook helpers for the test suite: the pytest-notebook post-processor and notebook lookup.

``strip_widget_state`` is registered in pyproject.toml under the entry-point group
``nbreg.post_proc`` and named in ``nb_post_processors``; pytest-notebook applies it to the
freshly executed notebook before diffing it against the stored one (and ``--nb-force-regen``
writes the processed result back). ipywidgets give every run a new ``model_id`` and new
``metadata.widgets`` state, so without it any notebook showing a widget would fail the
regression diff (see JUPYTER-NOTES §1); stored notebooks then carry the constant id too.

This module imports nothing from Jupyter at import time, so the package stays importable
without the notebook extras.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planmodel.core.paths import APP_DIR, NOTEBOOK_DIR

#: MIME type of an ipywidgets view in a notebook output.
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: What every widget ``model_id`` becomes, so that two runs compare equal.
MODEL_ID_PLACEHOLDER = "<widget-model-id>"


def strip_widget_state(nb: Any, resources: dict | None) -> tuple[Any, dict | None]:
    """pytest-notebook post-processor: drop widget state and blank widget model ids.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook; changed in place (pytest-notebook passes the executed copy).
    resources : dict or None
        Passed through unchanged.

    Returns
    -------
    (nb, resources), as the ``nbreg.post_proc`` protocol requires.
    """
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_MIME)
            if isinstance(view, dict) and "model_id" in view:
                view["model_id"] = MODEL_ID_PLACEHOLDER
    return nb, resources


def _ipynb_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def notebook_paths() -> list[Path]:
    """The analysis and teaching notebooks under ``notebooks/`` (committed with outputs)."""
    return _ipynb_under(NOTEBOOK_DIR)


def app_notebook_paths() -> list[Path]:
    """The Voilà app notebooks under ``planmodel/apps/`` (committed without outputs)."""
    return _ipynb_under(APP_DIR)
