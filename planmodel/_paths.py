"""Where planmodel finds its shipped data (``data/`` at the project root)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT_ROOT / "data"
SCENARIO_DIR = PROJECT_ROOT / "scenarios"
NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
APP_DIR = Path(__file__).resolve().parent / "apps"


def data_path(*parts: str) -> Path:
    """Path of a shipped data file, e.g. ``data_path("population", "norge_1986_2026.csv")``."""
    path = DATA_DIR.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(
            f"{path}: shipped data file is missing; planmodel expects the project's data/ folder "
            "(install with 'pip install -e .' from a full checkout)"
        )
    return path
