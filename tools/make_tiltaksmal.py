"""Build the economist's tiltak template ``data/maler/tiltaksmal.xlsx`` from the shipped service
catalogue, tiltak library and goal hierarchy, so the dropdowns list exactly what the model accepts.

Run from the project root after changing the catalogue, the library or the goals::

    .venv/bin/python tools/make_tiltaksmal.py

The file is reproducible: the same inputs give the same bytes (no save time inside; see
planmodel.export.save_workbook). tests/test_excel_import.py checks that the shipped file matches
what this script would write.
"""

from __future__ import annotations

import sys
from pathlib import Path

from planmodel.core.paths import DATA_DIR
from planmodel.inputs.excel_import import TEMPLATE, build_template
from planmodel.present.export import save_workbook


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else DATA_DIR.joinpath(*TEMPLATE)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(build_template(), out)
    print(f"skrev {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
