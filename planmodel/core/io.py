"""Safe writes: a file planmodel writes is either complete or not there (never half-written), and a
workbook holds the user's text as text (never a formula made from it)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename it
    into place (an interrupted write leaves the old file, or none)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: str | Path, text: str) -> Path:
    """:func:`write_bytes_atomic` for text (UTF-8, ``\\n`` line ends)."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def formulas_as_text(wb, keep: Mapping[str, Iterable[str]] | None = None) -> int:
    """Make every formula cell of an openpyxl workbook a text cell, except those named in ``keep``.

    openpyxl turns any string starting with ``=`` into a live formula; a tiltak or scenario title
    like ``=HYPERLINK(...)`` must stay the text the user wrote. (Strings starting with ``+``, ``-``
    or ``@`` are already text cells in the file.) ``keep`` ({sheet title: {"B5", ...}}) names the
    formulas the program writes on purpose.

    Returns
    -------
    int
        The number of cells changed to text.
    """
    keep = keep or {}
    changed = 0
    for ws in wb.worksheets:
        allowed = set(keep.get(ws.title, ()))
        for cell in ws._cells.values():  # the cells that exist (not the whole used range)
            if cell.data_type == "f" and isinstance(cell.value, str) and cell.coordinate not in allowed:
                cell.data_type = "s"
                changed += 1
    return changed
