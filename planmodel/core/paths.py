"""Where planmodel finds its shipped data and scenario files.

In a source checkout (or an editable install) the data live at the top of the repository,
``data/`` and ``scenarios/``. A built wheel carries the same files as package data inside the
package (``planmodel/_data`` and ``planmodel/_scenarios``, mapped in ``pyproject.toml``), so an
installed planmodel finds them wherever it runs from. The package copy wins when it exists.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PROJECT_ROOT = PACKAGE_DIR.parent


def _first_existing(*candidates: Path) -> Path:
    for c in candidates:
        if c.is_dir():
            return c
    return candidates[-1]


DATA_DIR = _first_existing(PACKAGE_DIR / "_data", PROJECT_ROOT / "data")
SCENARIO_DIR = _first_existing(PACKAGE_DIR / "_scenarios", PROJECT_ROOT / "scenarios")
NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
APP_DIR = PACKAGE_DIR / "apps"


def data_path(*parts: str) -> Path:
    """Path of a shipped data file, e.g. ``data_path("population", "norge_1986_2026.csv")``."""
    path = DATA_DIR.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(
            f"{path}: shipped data file is missing; planmodel expects its data/ folder "
            "(a full checkout, or a wheel built from one)"
        )
    return path
