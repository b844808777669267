"""Safe writes: a file planmodel writes is either complete or not there (never half-written), and a
workbook holds the user's text as text (never a formula made from it)."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from planmodel.core.errors import InputError


def _new_file_mode(path: Path) -> int:
    """The mode a plain ``open(path, "w")`` would give: the old file's, else 0o666 less the umask
    (a temporary file is made 0o600, which would hide a report from the web server that shows it)."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary file name beside ``path`` for a writer that needs a name (xarray's
    ``to_netcdf``); when the block ends without error the file is synced and renamed into place,
    otherwise removed. The old ``path`` is untouched until the rename.

    Examples
    --------
    >>> with atomic_path("ut.nc") as tmp:  # doctest: +SKIP
    ...     ds.to_netcdf(tmp)
    """
    path = Path(path)
    if path.exists() and not path.is_file():  # never replace a folder, a device (/dev/null) or a socket
        raise InputError(str(path), "fil", "finnes og er ikke en vanlig fil (en mappe eller en enhet); "
                                           "forventet et filnavn å skrive til")
    if not path.parent.is_dir():
        raise InputError(str(path), "fil", f"mappen {path.parent} finnes ikke; lag den først")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise InputError(str(path), "fil", f"kan ikke skrive i mappen {path.parent} ({_why(exc)})") from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, _new_file_mode(path))
        os.replace(tmp, path)
    except OSError as exc:  # full disk, no access: the old file stays, and the user gets one line
        raise InputError(str(path), "fil", f"kunne ikke skrive filen ({_why(exc)}); den gamle filen er urørt") from None
    finally:
        tmp.unlink(missing_ok=True)


_ERRNO_NB = {errno.ENOSPC: "disken er full", errno.EACCES: "ingen skrivetilgang", errno.EPERM: "ikke tillatt",
             errno.EROFS: "skrivebeskyttet filsystem", errno.EDQUOT: "diskkvoten er brukt opp"}


def _why(exc: OSError) -> str:
    return _ERRNO_NB.get(exc.errno, exc.strerror or str(exc) or type(exc).__name__)


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename it
    into place (an interrupted write leaves the old file, or none)."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(data)
        f.flush()
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
