"""Execute notebooks and save them the way pytest-notebook compares them.

    python tools/execute_notebooks.py notebooks/03_tiltak_og_okonomiplan.ipynb [...]

Runs every cell (nbclient, kernel ``python3``), merges consecutive stream outputs (the
``coalesce_streams`` post-processor that pytest-notebook applies to the executed copy), drops
execution timestamps and widget state (``strip_widget_state``: no saved state, one constant widget
model id, so a re-run does not change the file), and writes the notebook back. Stored outputs then
match what the notebook test produces.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from pytest_notebook.post_processors import coalesce_streams

from planmodel._nbtools import strip_widget_state


def execute(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   record_timing=False).execute()
    nb, _ = coalesce_streams(nb, {})
    nb, _ = strip_widget_state(nb, {})
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


def main(paths: list[str]) -> int:
    for p in paths:
        execute(Path(p))
        print(f"executed {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
