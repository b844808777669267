"""Readers for the files analysts download from SSB (Statistics Norway).

Three readers, from general to specific:

``read_jsonstat``
    JSON-stat 2.0 ``dataset`` responses of SSB's PxWebApi (v1 with ``format=json-stat2`` and
    v2) -> ``xarray.DataArray`` with the dataset's own dimension names and category codes.
``read_statbank_csv``
    CSV exports from the StatBank web page (``;``-separated, ISO-8859-1, title lines) ->
    tidy long ``pandas.DataFrame``.
``read_population``
    Either of the two, for SSB table 07459 (population 1 January by region, age and sex) ->
    a base population ``DataArray`` over ``(year, age, sex)`` for the projection engine.

Symbols SSB prints instead of numbers (SSB, "Standardtegn i tabeller",
https://www.ssb.no/diverse/standardtegn-i-tabeller, and the PxWebApi user guide,
"Spesialtegn i tabellene"), and how they are read here:

- ``.``   not applicable ("Ikke mulig å oppgi tall", formerly "Lovlig umulig å føre tall") -> NaN
- ``..``  not available ("Tallgrunnlag mangler") -> NaN
- ``...`` not yet available ("Oppgave mangler foreløpig", tables before 2021) -> NaN
- ``:``   confidential ("Vises ikke av konfidensialitetshensyn") -> NaN
- ``-``   nil ("Null", tables before 2021): the value is exactly zero -> 0.0

Only ``-`` stands for a number; every other symbol becomes NaN, never zero, and the symbol is
kept beside the value (``status``). In JSON-stat 2.0 SSB puts ``null`` in ``value`` and the
symbol in ``status``.

Bad input (issue 13): every reader raises only :class:`~planmodel.core.errors.InputError`, with
one printable line naming the file, the field or line/column, what was found and what was
expected; lists of offending cells stop after a few with "… og N til". Files are at most
:data:`MAX_FILE_BYTES`; text is UTF-8, UTF-16 with BOM, ISO-8859-1 or cp1252 (NUL characters are
refused); every number is finite; a base population is whole persons (within
:data:`INTEGER_TOLERANCE`) with a positive total up to :data:`MAX_POPULATION` per year. The rules
for users: docs/egne-tall.md, "Innlesing av SSB-filer: reglene".
"""

from __future__ import annotations

import csv
import errno
import json
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from planmodel.core.ages import AGES, MAX_AGE, SEXES
from planmodel.core.errors import InputError
from planmodel.core.errors import KommuneError
from planmodel.inputs.kommuner import successors

__all__ = [
    "SSB_SYMBOLS",
    "read_jsonstat",
    "read_population",
    "read_statbank_csv",
]

#: SSB's standard table symbols -> meaning (SSB's own bokmål wording, as shown to users).
#: ``-`` (nil) is read as 0, all others as NaN.
SSB_SYMBOLS: dict[str, str] = {
    ".": "ikke mulig å oppgi tall",
    "..": "tallgrunnlag mangler",
    "...": "oppgave mangler foreløpig",
    ":": "vises ikke av konfidensialitetshensyn",
    "-": "null (verdien er 0)",
}
_NIL = "-"

_JSONSTAT_HINT = "forventet et JSON-stat 2.0-datasett slik SSBs PxWebApi leverer det (format=json-stat2)"
_CSV_SEP = ";"

# Column names SSB uses in StatBank exports (English and bokmål), lower case.
_TIME_NAMES = {"year", "år", "tid", "time"}
_SEX_NAMES = {"sex", "kjønn", "kjonn"}
_CONTENTS_NAMES = {"contents", "statistikkvariabel", "statistic"}
_REGION_NAMES = {"region"}
_AGE_NAMES = {"age", "alder"}

_SEX_WORDS = {
    "males": "male", "male": "male", "men": "male", "menn": "male", "mann": "male",
    "females": "female", "female": "female", "women": "female", "kvinner": "female",
    "kvinne": "female",
    "both sexes": "total", "begge kjønn": "total",
}  # fmt: skip
_SEX_CODES = {"1": "male", "2": "female", "0": "total"}  # SSB Klass 2 (kjønn)
_SEX_NB = {"male": "menn", "female": "kvinner", "total": "begge kjønn"}  # for messages

_TABLE_PREFIX = re.compile(r"^\s*(\d{5}):\s*")
_YEAR_TOKEN = re.compile(r"^(1[89][0-9][0-9]|2[01][0-9][0-9])$")
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?$")
_REGION_LABEL = re.compile(r"^(?:[A-Za-z]{1,3}-)?(\d[\d-]*|Rest)(?:\s+(.*))?$")
_AGE_TEXT = re.compile(
    r"^([0-9]{1,3})(\+)?\s*(?:years?|år)?\s*(or older|or over|eller eldre|og eldre|og over)?$",
    re.IGNORECASE,
)

#: Largest file the readers open [bytes]. SSB's 07459 for every kommune, single ages, both
#: sexes and 40 years is about 30 MB as CSV; a base population needs one kommune.
MAX_FILE_BYTES = 100 * 1024 * 1024
#: Largest number of cells a JSON-stat dataset may declare (product of ``size``).
MAX_CELLS = 20_000_000
#: Upper bound of a kommune's (or Norway's) total population in one year [persons].
MAX_POPULATION = 10_000_000
#: How far a population cell may be from a whole number of persons.
INTEGER_TOLERANCE = 0.01
#: How many offending cells, lines or names a message lists before "… og N til".
LISTED = 5


def _read_bytes(path: Any, what: str) -> tuple[str, bytes]:
    """``(name for messages, file content)``; every problem opening the file is an InputError."""
    if not isinstance(path, (str, os.PathLike)):
        raise InputError("argument path", "", f"{_short(path)} er ikke en filsti; {what}")
    try:
        name = os.fsdecode(path)
    except (TypeError, UnicodeError):
        raise InputError("argument path", "", f"{_short(path)} er ikke en filsti; {what}") from None
    if "\x00" in name:
        raise InputError(_printable(name), "fil", f"filnavnet inneholder et NUL-tegn (\\x00); {what}")
    p = Path(name)
    try:
        if p.is_dir():
            raise InputError(name, "fil", f"er en mappe, ikke en fil; {what}")
        if not p.is_file():
            raise InputError(name, "fil", f"finnes ikke; {what}")
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            problem = (
                f"filen er {_mb(size)}, over grensen på {_mb(MAX_FILE_BYTES)}; "
                "last ned bare kommunen og årene du trenger"
            )
            raise InputError(name, "fil", problem)
        with p.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        reason = _OS_ERRORS.get(exc.errno, f"feilkode {exc.errno}")
        raise InputError(name, "fil", f"kan ikke leses ({reason}); {what}") from None
    if len(raw) > MAX_FILE_BYTES:  # grew while reading
        raise InputError(name, "fil", f"filen er over grensen på {_mb(MAX_FILE_BYTES)}")
    return name, raw


_OS_ERRORS = {
    errno.ENAMETOOLONG: "filnavnet er for langt",
    errno.EACCES: "mangler lesetilgang",
    errno.EPERM: "mangler lesetilgang",
    errno.ENOTDIR: "en del av stien er ikke en mappe",
    errno.ELOOP: "for mange symbolske lenker",
    errno.EISDIR: "er en mappe",
    errno.EIO: "lesefeil på disken",
}


def _mb(n_bytes: int) -> str:
    mb = n_bytes / 1024 / 1024
    return f"{mb:.0f} MB" if mb >= 10 else f"{mb:.1f} MB".replace(".", ",")


def _decode(raw: bytes, name: str, field: str, encoding: str | None = None) -> tuple[str, str]:
    """Text of a downloaded file and the encoding used.

    Without ``encoding``: UTF-16 if the file starts with a UTF-16 byte order mark, else UTF-8
    (with or without BOM), else ISO-8859-1 (cp1252 if the file has bytes 0x80-0x9F, where
    the two differ). Text with NUL characters (UTF-16 without BOM, a binary file such as an
    Excel workbook) is refused.
    """
    if encoding is not None:
        if not isinstance(encoding, str):
            raise InputError(name, "encoding", f"{_short(encoding)} er ikke navnet på en tegnkoding")
        try:
            text, used = raw.decode(encoding), encoding
        except LookupError:
            problem = f"{_short(encoding)} er ikke en kjent tegnkoding (SSB bruker 'iso-8859-1')"
            raise InputError(name, "encoding", problem) from None
        except UnicodeError as exc:
            start = getattr(exc, "start", 0)
            problem = f"filen er ikke gyldig {encoding} (feil ved byte {start}); SSB bruker 'iso-8859-1'"
            raise InputError(name, "encoding", problem) from None
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")) and not raw.startswith(b"\xff\xfe\x00\x00"):
        try:
            text, used = raw.decode("utf-16"), "utf-16"
        except UnicodeError as exc:
            problem = (
                f"filen starter som UTF-16 (byte order mark), men er ikke gyldig UTF-16 (feil ved byte "
                f"{getattr(exc, 'start', 0)}); lagre den som UTF-8"
            )
            raise InputError(name, field, problem) from None
    else:
        try:
            text, used = raw.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            # SSB's ISO-8859-1, or cp1252 if the file uses bytes 0x80-0x9F (control characters in
            # ISO-8859-1, e.g. the euro sign in cp1252)
            used = "cp1252" if re.search(rb"[\x80-\x9f]", raw) and _is_cp1252(raw) else "iso-8859-1"
            text = raw.decode(used)
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        problem = (
            f"teksten har et NUL-tegn (linje {line}); filen er trolig UTF-16 uten byte order mark, UTF-32 "
            "eller en binærfil (for eksempel en Excel-arbeidsbok), ikke tekst. Lagre den som CSV/JSON i UTF-8"
        )
        raise InputError(name, field, problem)
    return text, used


def _is_cp1252(raw: bytes) -> bool:
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _printable(text: str) -> str:
    """``text`` on one line: control characters (newlines, NUL ...) written as escapes."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _one_line(exc: InputError) -> InputError:
    """The same error with source, field and problem on one printable line."""
    return InputError(_clip(_printable(exc.source), 200), _printable(str(exc.field)), _printable(str(exc.problem)))


# --------------------------------------------------------------------------------------------
# JSON-stat 2.0
# --------------------------------------------------------------------------------------------


def read_jsonstat(
    source: str | os.PathLike | Mapping[str, Any] | bytes, *, with_status: bool = False
) -> xr.DataArray | xr.Dataset:
    """Read a JSON-stat 2.0 ``dataset`` (SSB PxWebApi v1 ``json-stat2`` or v2) into xarray.

    Parameters
    ----------
    source : str, path-like, bytes or dict
        Path of a ``.json`` file, the JSON text itself (a string starting with ``{``), or the
        already parsed document.
    with_status : bool, default False
        If True, return a Dataset with the values and SSB's status symbols side by side.

    Returns
    -------
    xarray.DataArray or xarray.Dataset
        DataArray ``value`` [units in ``attrs["units"]``, as in the table] with one dimension
        per entry of the dataset's ``id`` list, named exactly as there (``Region``, ``Kjonn``,
        ``Alder``, ``ContentsCode``, ``Tid`` ...). Coordinates are the category codes as strings
        (``"0301"``, ``"080"``, ``"2024"``) in the order of ``category.index``; each dimension
        ``d`` also has a non-index coordinate ``d_label`` with the category labels.
        Cells without a number (``null``, absent from a sparse ``value``, or an SSB symbol
        other than ``-``) are NaN, never zero; ``-`` (nil) is 0.

        ``attrs``: ``source`` (file name, or ``"json"``), ``label``, ``updated``, ``units``
        (``category.unit[..].base`` of the metric dimension, else the single contents label;
        a dict code -> unit if the contents differ), ``labels`` (``{dim: {code: label}}``),
        ``suppressed`` (number of NaN cells), ``role``, and where present ``note`` (list of
        str), ``table`` (``extension.px.tableid``) and ``provider`` (the dataset's ``source``).

        With ``with_status=True``: a Dataset with data variables ``value`` (as above) and
        ``status`` (str, SSB symbol per cell, ``""`` where none), same coordinates and attrs.

    Raises
    ------
    InputError
        Unreadable file or JSON, ``class`` other than ``dataset``, missing or inconsistent
        ``id``/``size``/``dimension``, a category index that does not match ``size``, or a
        ``value``/``status`` whose length is not the product of ``size``, a value that is not a
        finite number, ``role``/``extension``/``note``/``category.unit`` of the wrong type, a
        directory, a file over :data:`MAX_FILE_BYTES` or a dataset over :data:`MAX_CELLS` cells.
        The message is one line and names the file, the field (``value``,
        ``dimension.Alder.category.index`` ...) and what was expected.
    """
    try:
        return _read_jsonstat(source, with_status)
    except InputError as exc:
        raise _one_line(exc) from None


def _read_jsonstat(source, with_status: bool) -> xr.DataArray | xr.Dataset:
    name, attrs_source, doc = _load_json(source)
    dims, sizes = _check_dataset(doc, name)
    categories = [_read_category(doc, name, dim, i, size) for i, (dim, size) in enumerate(zip(dims, sizes))]
    n_cells = math.prod(sizes)
    values, status = _read_values(doc, name, n_cells, sizes)

    coords: dict[str, Any] = {}
    for dim, (codes, labels) in zip(dims, categories):
        coords[dim] = codes
        coords[f"{dim}_label"] = (dim, [labels[c] for c in codes])
    attrs = _jsonstat_attrs(doc, dims, categories, attrs_source, name)
    attrs["suppressed"] = int(np.isnan(values).sum())

    shape = tuple(sizes)
    da = xr.DataArray(values.reshape(shape), coords=coords, dims=dims, name="value", attrs=attrs)
    if not with_status:
        return da
    st = xr.DataArray(status.reshape(shape), coords=coords, dims=dims, name="status")
    return xr.Dataset({"value": da, "status": st}, attrs=dict(attrs))


def _load_json(source) -> tuple[str, str, dict]:
    """Return (name for messages, name for attrs, parsed document)."""
    if isinstance(source, Mapping):
        name, text, doc = "json", None, dict(source)
    elif isinstance(source, (bytes, bytearray)):
        name, doc = "json", None
        if len(source) > MAX_FILE_BYTES:
            raise InputError(name, "", f"teksten er over grensen på {_mb(MAX_FILE_BYTES)}")
        text, _ = _decode(bytes(source), name, "")
    elif isinstance(source, str) and source.lstrip().startswith(("{", "[")):
        name, text, doc = "json", source, None
    elif isinstance(source, (str, os.PathLike)):
        name, raw = _read_bytes(source, _JSONSTAT_HINT)
        text, _ = _decode(raw, name, "fil")
        doc = None
    else:
        problem = f"{type(source).__name__} er verken en filsti, JSON-tekst eller en dict"
        raise InputError("argument source", "", problem)

    if doc is None:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            field = f"linje {exc.lineno}, kolonne {exc.colno}"
            raise InputError(name, field, f"er ikke gyldig JSON; {_JSONSTAT_HINT}") from None
        except RecursionError:
            raise InputError(name, "fil", f"JSON-strukturen er for dypt nestet; {_JSONSTAT_HINT}") from None
        except ValueError as exc:  # e.g. an integer with more than 4300 digits
            raise InputError(name, "fil", f"har et tall JSON-leseren ikke kan lese ({_short(str(exc))})") from None
    if not isinstance(doc, dict):
        raise InputError(name, "(øverste nivå)", f"er en {type(doc).__name__}; {_JSONSTAT_HINT}")
    attrs_source = Path(name).name if name != "json" else "json"
    return name, attrs_source, doc


def _check_dataset(doc: dict, name: str) -> tuple[list[str], list[int]]:
    """Check class, version, id, size and dimension; return (dimension ids, sizes)."""
    cls = doc.get("class")
    if cls is None:
        hint = " (dette ser ut som JSON-stat 1.x; be API-et om format=json-stat2)" if "dataset" in doc else ""
        raise InputError(name, "class", f"mangler; forventet 'dataset'{hint}")
    if cls != "dataset":
        raise InputError(name, "class", f"{_short(cls)} støttes ikke, bare 'dataset'; {_JSONSTAT_HINT}")
    version = doc.get("version")
    if version is not None and not (isinstance(version, str) and version.startswith("2")):
        raise InputError(name, "version", f"{_short(version)} støttes ikke; forventet JSON-stat '2.0'")

    dims = doc.get("id")
    if dims is None:
        raise InputError(name, "id", "mangler; forventet listen over dimensjonsnavn, for eksempel ['Region', 'Tid']")
    if not isinstance(dims, list) or not dims or not all(isinstance(d, str) for d in dims):
        raise InputError(name, "id", f"{_short(dims)}; forventet en liste med minst ett dimensjonsnavn")
    if len(set(dims)) != len(dims):
        raise InputError(name, "id", f"{_short(dims)} har samme dimensjonsnavn flere ganger")
    taken = {"value", "status"} | {f"{d}_label" for d in dims}
    clash = [d for d in dims if d in taken or not d.strip()]
    if clash:
        problem = (
            f"dimensjonsnavnet {clash[0]!r} kan ikke brukes (tomt, 'value', 'status' eller navnet på en annen "
            "dimensjon + '_label')"
        )
        raise InputError(name, "id", _short(problem, 200))

    sizes = doc.get("size")
    if sizes is None:
        raise InputError(name, "size", f"mangler; forventet antall kategorier i hver av {_short(dims)}")
    if not isinstance(sizes, list) or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in sizes):
        raise InputError(name, "size", f"{_short(sizes)}; forventet en liste med antall kategorier per dimensjon")
    if len(sizes) != len(dims):
        n_dims = _count(len(dims), "dimensjon", "dimensjoner")
        problem = f"har {_count(len(sizes), 'verdi', 'verdier')}, men 'id' har {n_dims} {_short(dims)}"
        raise InputError(name, "size", problem)
    if math.prod(sizes) > MAX_CELLS:
        problem = (
            f"{_short(sizes)} gir {math.prod(sizes)} celler, over grensen på {MAX_CELLS}; "
            "last ned bare kommunen og årene du trenger"
        )
        raise InputError(name, "size", problem)

    dimension = doc.get("dimension")
    if dimension is None:
        raise InputError(name, "dimension", f"mangler; forventet et objekt med én oppføring for hver av {_short(dims)}")
    if not isinstance(dimension, dict):
        problem = f"{_short(dimension)}; forventet et objekt med én oppføring per navn i 'id'"
        raise InputError(name, "dimension", problem)
    for dim in dims:
        if not isinstance(dimension.get(dim), dict):
            raise InputError(
                name, f"dimension.{dim}", f"mangler; 'id' har {dim!r}, så 'dimension' må ha en oppføring for den"
            )
    return dims, sizes


def _read_category(doc: dict, name: str, dim: str, pos: int, size: int) -> tuple[list[str], dict[str, str]]:
    """Category codes (in index order) and labels (code -> label) of one dimension."""
    field = f"dimension.{dim}.category"
    category = doc["dimension"][dim].get("category")
    if not isinstance(category, dict):
        raise InputError(name, field, "mangler; forventet et objekt med 'index' og 'label'")
    index = category.get("index")
    labels = category.get("label", {})
    if not isinstance(labels, dict):
        raise InputError(name, f"{field}.label", f"{_short(labels)}; forventet et objekt kode -> etikett")

    if index is None:
        # JSON-stat 2.0 allows leaving out 'index' when there is a single category.
        if len(labels) != 1:
            problem = "mangler; bare en dimensjon med én kategori (med etikett i 'label') kan utelate 'index'"
            raise InputError(name, f"{field}.index", problem)
        codes = [str(next(iter(labels)))]
    elif isinstance(index, list):
        if not all(isinstance(c, (str, int)) and not isinstance(c, bool) for c in index):
            bad = next(c for c in index if not isinstance(c, (str, int)) or isinstance(c, bool))
            problem = f"{_short(bad)} er ikke en kategorikode; forventet koder som tekst, for eksempel '0301'"
            raise InputError(name, f"{field}.index", problem)
        codes = [str(c) for c in index]
    elif isinstance(index, dict):
        positions = list(index.values())
        if not all(isinstance(p, int) and not isinstance(p, bool) for p in positions) or sorted(positions) != list(
            range(len(index))
        ):
            problem = f"posisjonene {_short(positions)} er ikke heltallene 0..{len(index) - 1}"
            raise InputError(name, f"{field}.index", problem)
        codes = [str(code) for code, _ in sorted(index.items(), key=lambda kv: kv[1])]
    else:
        expected = "forventet en liste med koder eller et objekt kode -> posisjon"
        raise InputError(name, f"{field}.index", f"{_short(index)}; {expected}")

    if len(set(codes)) != len(codes):
        raise InputError(name, f"{field}.index", "har samme kategorikode flere ganger")
    if len(codes) != size:
        raise InputError(
            name,
            f"{field}.index",
            f"har {_count(len(codes), 'kategori', 'kategorier')}, men size[{pos}] sier {size}; "
            "tallene må stemme overens",
        )
    unknown = set(map(str, labels)) - set(codes)
    if unknown:
        problem = f"etiketter for koder som ikke finnes i 'index': {_listing(sorted(unknown)[:LISTED], len(unknown))}"
        raise InputError(name, f"{field}.label", problem)
    bad = [k for k, v in labels.items() if not isinstance(v, (str, int, float)) or isinstance(v, bool)]
    if bad:
        problem = f"etiketten for {bad[0]!r} er {_short(labels[bad[0]])}; forventet tekst"
        raise InputError(name, f"{field}.label", problem)
    label_of = {str(k): str(v) for k, v in labels.items()}
    return codes, {c: label_of.get(c, c) for c in codes}


def _read_values(doc: dict, name: str, n_cells: int, sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Flat float values (NaN where no number) and status symbols ("" where none)."""
    raw = doc.get("value")
    if raw is None:
        problem = f"mangler; forventet {_count(n_cells, 'verdi', 'verdier')} (produktet av size {sizes})"
        raise InputError(name, "value", problem)
    cells = _cells_from(raw, name, "value", n_cells, sizes, default=None)
    status = np.array(_cells_from(doc.get("status", ""), name, "status", n_cells, sizes, default=""), dtype=object)

    if all(v is None or type(v) in (int, float) for v in cells):  # usual case: numbers, nulls
        try:
            values = np.array(cells, dtype=float).reshape(n_cells)  # None -> NaN
        except OverflowError:  # an integer beyond float: reported below, cell by cell
            pass
        else:
            _check_finite(values, cells, name)
            return _apply_nil(values, status, name)
    values = np.full(n_cells, np.nan)
    for i, v in enumerate(cells):
        if v is None:
            continue
        if isinstance(v, bool):
            raise InputError(name, f"value[{i}]", f"{v!r} er ikke et tall")
        if isinstance(v, (int, float)):
            try:
                values[i] = float(v)
            except OverflowError:
                values[i] = np.inf
            if not math.isfinite(values[i]):
                raise InputError(name, f"value[{i}]", f"{_short(v)} er ikke et endelig tall; forventet et vanlig tall")
        elif isinstance(v, str) and v.strip() in SSB_SYMBOLS:
            # Some producers put the symbol in 'value' itself; move it to 'status'.
            status[i] = status[i] or v.strip()
        else:
            problem = f"{_short(v)} er verken et tall, null eller et av SSBs symboler {list(SSB_SYMBOLS)}"
            raise InputError(name, f"value[{i}]", problem)
    return _apply_nil(values, status, name)


def _check_finite(values: np.ndarray, cells: list, name: str) -> None:
    bad = np.flatnonzero(np.isinf(values) | (np.isnan(values) & np.array([c is not None for c in cells], dtype=bool)))
    if len(bad):
        i = int(bad[0])
        problem = f"{_short(cells[i])} er ikke et endelig tall; forventet et tall eller null"
        if len(bad) > 1:
            problem += f" (og {len(bad) - 1} andre celler)"
        raise InputError(name, f"value[{i}]", problem)


def _apply_nil(values: np.ndarray, status: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Check the status symbols and set cells marked ``-`` (SSB: nil, exactly zero) to 0."""
    for i, s in enumerate(status):
        if not isinstance(s, str):
            problem = f"{_short(s)} er ikke tekst; forventet et av SSBs symboler {list(SSB_SYMBOLS)}"
            raise InputError(name, f"status[{i}]", problem)
    values[(status == _NIL) & np.isnan(values)] = 0.0
    return values, status.astype(str)


def _cells_from(raw, name: str, field: str, n_cells: int, sizes: list[int], default) -> list:
    """Expand a JSON-stat ``value``/``status`` (list, sparse object or single string) to a list."""
    if isinstance(raw, list):
        if len(raw) != n_cells:
            raise InputError(
                name,
                field,
                f"har {_count(len(raw), 'verdi', 'verdier')}, men size {_short(sizes)} "
                f"gir {_count(n_cells, 'celle', 'celler')}",
            )
        return list(raw)
    if isinstance(raw, dict):
        cells = [default] * n_cells
        for key, v in raw.items():
            try:
                i = int(key)
            except ValueError:
                i = -1
            if not 0 <= i < n_cells:
                problem = f"er ikke en celleindeks 0..{n_cells - 1} (size {_short(sizes)})"
                raise InputError(name, f"{field}.{_clip(str(key), 20)}", problem)
            cells[i] = v
        return cells
    if field == "status" and isinstance(raw, str):
        return [raw] * n_cells
    raise InputError(name, field, f"{_short(raw)}; forventet en liste eller et objekt indeks -> {field}")


def _role(doc: dict, name: str) -> dict[str, list[str]]:
    """``role`` (``{"time": ["Tid"], "geo": ["Region"], "metric": [...]}``), checked."""
    role = doc.get("role")
    if role is None:
        return {}
    if not isinstance(role, dict):
        problem = f"{_short(role)}; forventet et objekt som {{'time': ['Tid'], 'geo': ['Region']}}"
        raise InputError(name, "role", problem)
    for key, v in role.items():
        if not isinstance(v, list) or not all(isinstance(d, str) for d in v):
            raise InputError(name, f"role.{_clip(str(key), 20)}", f"{_short(v)}; forventet en liste med dimensjonsnavn")
    return {k: list(v) for k, v in role.items()}


def _jsonstat_attrs(doc: dict, dims: list[str], categories: list, attrs_source: str, name: str) -> dict:
    attrs: dict[str, Any] = {"source": attrs_source}
    for key in ("label", "updated"):
        if key in doc:
            if not isinstance(doc[key], str):
                raise InputError(name, key, f"{_short(doc[key])}; forventet tekst")
            attrs[key] = doc[key]
    units = _jsonstat_units(doc, dims, categories, name)
    if units is not None:
        attrs["units"] = units
    note = doc.get("note")
    if note:
        if isinstance(note, str):
            note = [note]
        if not isinstance(note, list) or not all(isinstance(n, str) for n in note):
            raise InputError(name, "note", f"{_short(note)}; forventet tekst eller en liste med tekster")
        attrs["note"] = list(note)
    extension = doc.get("extension")
    if extension is not None and not isinstance(extension, dict):
        raise InputError(name, "extension", f"{_short(extension)}; forventet et objekt")
    px = (extension or {}).get("px")
    if px is not None and not isinstance(px, dict):
        raise InputError(name, "extension.px", f"{_short(px)}; forventet et objekt")
    tableid = (px or {}).get("tableid")
    if tableid is not None and not isinstance(tableid, (str, int)):
        raise InputError(name, "extension.px.tableid", f"{_short(tableid)}; forventet et tabellnummer som '07459'")
    if tableid:
        attrs["table"] = str(tableid)
    if isinstance(doc.get("source"), str):
        attrs["provider"] = doc["source"]
    attrs["role"] = _role(doc, name)
    attrs["labels"] = {dim: dict(labels) for dim, (_codes, labels) in zip(dims, categories)}
    return attrs


def _jsonstat_units(doc: dict, dims: list[str], categories: list, name: str) -> str | dict | None:
    """Unit from ``category.unit`` of the metric dimension(s), else the single contents label."""
    role_metric = _role(doc, name).get("metric", [])
    metric_dims = [d for d in dims if d in role_metric or "unit" in doc["dimension"][d]["category"]]
    bases: dict[str, str] = {}
    for dim in metric_dims:
        units = doc["dimension"][dim]["category"].get("unit") or {}
        if not isinstance(units, dict):
            field = f"dimension.{dim}.category.unit"
            problem = f"{_short(units)}; forventet et objekt kode -> {{'base': ..., 'decimals': ...}}"
            raise InputError(name, field, problem)
        for code, unit in units.items():
            if unit is not None and not isinstance(unit, dict):
                field = f"dimension.{dim}.category.unit.{_clip(str(code), 20)}"
                raise InputError(name, field, f"{_short(unit)}; forventet et objekt som {{'base': 'personer'}}")
            if unit and unit.get("base"):
                bases[str(code)] = str(unit["base"])
    if bases:
        distinct = set(bases.values())
        return distinct.pop() if len(distinct) == 1 else bases
    for dim in metric_dims:
        codes, labels = categories[dims.index(dim)]
        if len(codes) == 1:
            return labels[codes[0]]
    return None


# --------------------------------------------------------------------------------------------
# StatBank CSV
# --------------------------------------------------------------------------------------------


def read_statbank_csv(path: str | os.PathLike, encoding: str | None = None) -> pd.DataFrame:
    """Read a CSV export from SSB's StatBank into a tidy long table.

    The StatBank web page exports tables as ``;``-separated, quoted text in ISO-8859-1 with
    CRLF line ends and one or more title lines above the header, e.g.::

        "07459: Population, by region, age, contents, year and sex"

        "region";"age";"Persons 2023 Males";"Persons 2023 Females"
        "K-3024 Bærum";"0 years";655;581

    Parameters
    ----------
    path : str or path-like
        The CSV file.
    encoding : str, optional
        Text encoding. By default UTF-8 (with or without BOM) is tried first, then ISO-8859-1
        (SSB's default; cp1252 if the file has bytes 0x80-0x9F, where the two differ); the one
        used is in ``df.attrs["encoding"]``.

    Returns
    -------
    pandas.DataFrame
        One row per cell. Columns: one per dimension of the table's stub, named as in the
        header and holding the labels as text (``region`` = ``"K-3024 Bærum"``, ``age`` =
        ``"0 years"``; codes are never turned into numbers), then, parsed from the headings of
        the wide value columns (``"Persons 2023 Males"``, ``"07459: Personer 2023 Kvinner"``):

        - ``contents`` (str): the statistic (``"Persons"``, ``"Personer"``),
        - ``year`` (int): the 4-digit year (also taken from a stub column ``year``/``år``),
        - ``sex`` (str): ``"male"`` / ``"female"`` (``"total"`` for both sexes) where the
          heading or a stub column ``sex``/``kjønn`` names it,
        - ``heading`` (str): any other heading text, only if there is some,
        - ``value`` (float) [unit of the table],
        - ``status`` (str): the SSB symbol of the cell, ``""`` where it holds a number.

        SSB's symbols ``.``, ``..``, ``...`` and ``:`` become NaN; ``-`` ("nil" in SSB's
        symbol list) becomes 0.0. Both ``,`` and ``.`` are accepted as decimal separator.
        ``df.attrs``: ``source`` (file name), ``encoding``, ``title`` (the title lines) and
        ``notes`` (single-field lines after the data, e.g. footnotes).

    Raises
    ------
    InputError
        Missing file, unknown encoding or text that does not decode, no header line, rows
        with the wrong number of fields, no value columns, or a value cell that is neither a
        number nor an SSB symbol. The message names the file, the line/column and what was
        expected.
    """
    try:
        return _read_statbank_csv(path, encoding)
    except InputError as exc:
        raise _one_line(exc) from None


def _read_statbank_csv(path, encoding: str | None) -> pd.DataFrame:
    name, lines, used_encoding = _read_lines(path, encoding)
    title, header_pos, header = _find_header(lines, name)
    rows, line_numbers, notes = _data_rows(lines, header_pos, header, name)
    df = pd.DataFrame(rows, columns=header, dtype=str)

    value_cols, parsed = _value_columns(df, header, line_numbers, name)
    dim_cols = [c for c in header if c not in value_cols]
    long = _melt(df, dim_cols, value_cols, parsed, name)
    long.attrs = {"source": Path(name).name, "encoding": used_encoding, "title": title, "notes": notes}
    return long


def _read_lines(path, encoding: str | None) -> tuple[str, list[str], str]:
    """(name for messages, lines, encoding used)."""
    name, raw = _read_bytes(path, "forventet en CSV-fil eksportert fra SSBs statistikkbank")
    text, used = _decode(raw, name, "fil", encoding)
    return name, _lines(text), used


def _lines(text: str) -> list[str]:
    # Not str.splitlines(): that also splits at U+0085, U+2028 ... which may occur in labels.
    return re.split(r"\r\n|\n|\r", text)


def _find_header(lines: list[str], name: str) -> tuple[list[str], int, list[str]]:
    """Title lines, position of the header line and its fields.

    The header is the first line with at least two ``;``-separated fields; everything above it
    (table title, blank lines) is title.
    """
    title: list[str] = []
    for pos, line in enumerate(lines):
        fields = _split(line, name, pos)
        if len(fields) >= 2:
            header = [f.strip() for f in fields]
            empty = [i + 1 for i, f in enumerate(header) if not f]
            if empty:
                which = "kolonne" if len(empty) == 1 else "kolonnene"
                problem = f"{which} nr. {_listing(empty[:LISTED], len(empty))} mangler navn"
                raise InputError(name, f"linje {pos + 1} (overskriftslinje)", problem)
            dup = sorted({f for f in header if header.count(f) > 1})
            if dup:
                problem = f"samme kolonnenavn flere ganger: {_listing([repr(d) for d in dup[:LISTED]], len(dup))}"
                raise InputError(name, f"linje {pos + 1} (overskriftslinje)", problem)
            kinds = [_column_kind(f) for f in header]
            twice = sorted({k for k in kinds if k and kinds.count(k) > 1})
            if twice:
                cols = [f for f, k in zip(header, kinds) if k == twice[0]]
                problem = f"kolonnene {_short(cols)} betyr det samme ({twice[0]}); forventet én av dem"
                raise InputError(name, f"linje {pos + 1} (overskriftslinje)", problem)
            reserved = [f for f in header if f.lower() in _RESERVED]
            if reserved:
                problem = f"kolonnenavnet {reserved[0]!r} er reservert; forventet dimensjons- og verdikolonner"
                raise InputError(name, f"linje {pos + 1} (overskriftslinje)", problem)
            return title, pos, header
        if line.strip():
            title.extend(f.strip() for f in fields)
    n_lines = sum(1 for ln in lines if ln.strip())
    raise InputError(
        name,
        "overskriftslinje",
        f"fant ingen overskriftslinje blant {_count(n_lines, 'linje', 'linjer')} med innhold; "
        f"forventet en linje med minst to kolonnenavn skilt med '{_CSV_SEP}' "
        "(slik en CSV-eksport fra statistikkbanken ser ut)",
    )


_RESERVED = {"value", "status", "heading", "_column", "_cell"}


def _column_kind(header: str) -> str | None:
    """``"year"``, ``"sex"``, ``"contents"`` for a stub column SSB names so, else None."""
    low = header.lower()
    for kind, names in (("year", _TIME_NAMES), ("sex", _SEX_NAMES), ("contents", _CONTENTS_NAMES)):
        if low in names:
            return kind
    return None


def _split(line: str, name: str = "", pos: int = 0) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=_CSV_SEP, quotechar='"'), [])
    except csv.Error as exc:  # e.g. a field over csv.field_size_limit() (128 kB)
        raise InputError(name, f"linje {pos + 1}", f"kan ikke leses som CSV ({_short(str(exc))})") from None


def _data_rows(
    lines: list[str], header_pos: int, header: list[str], name: str
) -> tuple[list[list[str]], list[int], list[str]]:
    """Data rows, their line numbers (1-based) and single-field lines below the data (notes)."""
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    notes: list[str] = []
    for pos in range(header_pos + 1, len(lines)):
        if not lines[pos].strip():
            continue
        fields = _split(lines[pos], name, pos)
        if len(fields) == len(header):
            if notes:
                problem = "datarad etter fotnotelinjer; forventet alle dataradene samlet i én blokk"
                raise InputError(name, f"linje {pos + 1}", problem)
            rows.append(fields)
            line_numbers.append(pos + 1)
        elif len(fields) == 1:
            notes.append(fields[0].strip())  # footnote or source line below the table
        else:
            problem = f"har {len(fields)} felt, men overskriftslinjen (linje {header_pos + 1}) har {len(header)}"
            raise InputError(name, f"linje {pos + 1}", problem)
    if not rows:
        raise InputError(name, f"linje {header_pos + 2}", "ingen datarader under overskriftslinjen")
    return rows, line_numbers, notes


def _parse_heading(text: str) -> dict[str, Any]:
    """Split a value column heading like ``"07459: Personer 2023 Kvinner"`` into its parts."""
    text = _TABLE_PREFIX.sub("", text)
    tokens = text.split()
    years = [i for i, t in enumerate(tokens) if _YEAR_TOKEN.match(t)]
    if not years:
        return {"contents": text.strip(), "year": None, "sex": None, "heading": ""}
    i = years[-1]
    rest = " ".join(tokens[i + 1 :])
    sex = _sex_word(rest)
    return {
        "contents": " ".join(tokens[:i]),
        "year": int(tokens[i]),
        "sex": sex,
        "heading": "" if sex or not rest else rest,
    }


def _sex_word(text: str) -> str | None:
    """``"Males"``/``"Menn"``/``"1 Menn"`` -> ``"male"`` etc.; None if not a sex label."""
    key = re.sub(r"^\d+\s+", "", text.strip()).lower()
    return _SEX_WORDS.get(key)


def _cell_kinds(col: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Masks: is a number, is an SSB symbol, is empty."""
    s = col.str.strip()
    return s.str.match(_NUMBER), s.isin(list(SSB_SYMBOLS)), s == ""


def _raise_rows(name: str, column: str, rows, line_numbers, problem: str, item=lambda r: "") -> None:
    """Raise ``problem`` at the first bad row of a CSV column, listing the next ones (with ``item(row)``)."""
    if len(rows) > 1:
        more = [f"linje {line_numbers[int(r)]}{item(int(r))}" for r in rows[1:LISTED]]
        problem += f"; det samme gjelder {_listing(more, len(rows) - 1, '; ')}"
    raise InputError(name, f"linje {line_numbers[int(rows[0])]}, kolonne {_short(column, 40)}", problem)


def _value_columns(
    df: pd.DataFrame, header: list[str], line_numbers: list[int], name: str
) -> tuple[list[str], dict[str, dict]]:
    """Which columns hold values, and what their headings say.

    A column is a value column if its heading has a 4-digit year (PxWeb puts the time in the
    column heading by default). If no heading has a year, the value columns are those whose
    cells are all numbers or SSB symbols (other than a stub ``year`` column).
    """
    parsed = {c: _parse_heading(c) for c in header}
    with_year = [c for c in header if parsed[c]["year"] is not None]
    if with_year:
        value_cols = with_year
        for c in value_cols:  # a value column must hold numbers or symbols only
            is_num, is_sym, is_empty = _cell_kinds(df[c])
            bad = ~(is_num | is_sym | is_empty)
            if bad.any():
                rows = np.flatnonzero(bad.to_numpy())
                _raise_rows(name, c, rows, line_numbers,
                            f"{_short(df[c].iloc[int(rows[0])])} er verken et tall eller et av SSBs symboler "
                            f"{list(SSB_SYMBOLS)}", lambda r: " " + _short(df[c].iloc[r], 20))
    else:
        value_cols = []
        for c in header:
            if c.lower() in _TIME_NAMES | _REGION_NAMES | _AGE_NAMES | _SEX_NAMES | _CONTENTS_NAMES:
                continue  # a stub column, even if its codes look like numbers
            is_num, is_sym, is_empty = _cell_kinds(df[c])
            if bool((is_num | is_sym | is_empty).all()) and not bool(is_empty.all()):
                value_cols.append(c)
    if not value_cols:
        raise InputError(
            name,
            "verdikolonner",
            f"fant ingen blant {_short(header, 200)}; forventet kolonner med tall (eller SSB-symboler) med "
            "overskrifter som 'Persons 2023 Males' eller 'Personer 2023 Kvinner'",
        )
    for c in value_cols:  # numbers beyond float (1e999) are refused, not read as infinity
        cell = df[c].str.strip()
        number = pd.to_numeric(cell.where(_cell_kinds(df[c])[0]).str.replace(",", ".", regex=False), errors="coerce")
        rows = np.flatnonzero(np.isinf(number.to_numpy(dtype=float)))
        if len(rows):
            _raise_rows(name, c, rows, line_numbers,
                        f"{_short(cell.iloc[int(rows[0])])} er ikke et endelig tall (for stort); forventet et vanlig tall")
    if len(value_cols) == len(header):
        problem = f"{_short(header, 200)} har ingen dimensjonskolonne (for eksempel 'region', 'age') foran verdiene"
        raise InputError(name, "overskriftslinje", problem)
    return value_cols, parsed


def _melt(df: pd.DataFrame, dim_cols: list[str], value_cols: list[str], parsed: dict, name: str) -> pd.DataFrame:
    """Wide value columns -> long form with contents/year/sex/value/status."""
    renames = {}
    for c in dim_cols:
        low = c.lower()
        if low in _TIME_NAMES:
            renames[c] = "year"
        elif low in _SEX_NAMES:
            renames[c] = "sex"
        elif low in _CONTENTS_NAMES:
            renames[c] = "contents"
    long = df.melt(id_vars=dim_cols, value_vars=value_cols, var_name="_column", value_name="_cell")
    long = long.rename(columns=renames)
    dims = [renames.get(c, c) for c in dim_cols]

    parts = {key: {c: parsed[c][key] for c in value_cols} for key in ("contents", "year", "sex", "heading")}
    extra: list[str] = []
    for key in ("contents", "year", "sex", "heading"):
        mapping = parts[key]
        if not any(v not in (None, "") for v in mapping.values()):
            continue
        if key in long.columns:
            problem = f"{key!r} er både en kolonne og en del av overskriftene til verdikolonnene"
            raise InputError(name, "overskriftslinje", problem)
        if key == "year" and any(v is None for v in mapping.values()):
            missing = [c for c, v in mapping.items() if v is None]
            problem = "overskriften har ikke årstall, men det har de andre verdikolonnene"
            raise InputError(name, f"kolonne {missing[0]!r}", problem)
        long[key] = long["_column"].map({c: "" if v is None else v for c, v in mapping.items()})
        extra.append(key)

    if "year" in long.columns:
        long["year"] = _to_years(long["year"], name)
    if "sex" in dims:
        long["sex"] = long["sex"].map(lambda s: _sex_word(s) or s)

    cell = long["_cell"].str.strip()
    is_sym = cell.isin(list(SSB_SYMBOLS))
    number = cell.where(~is_sym & (cell != ""), None).str.replace(",", ".", regex=False)
    long["value"] = pd.to_numeric(number, errors="coerce").astype(float)  # finite: _value_columns checked them
    long.loc[cell == _NIL, "value"] = 0.0  # SSB "-" = nil (zero)
    long["status"] = cell.where(is_sym, "").astype(str)

    order = dims + [k for k in ("contents", "year", "sex", "heading") if k in extra and k not in dims]
    return long[order + ["value", "status"]].reset_index(drop=True)


def _to_years(col: pd.Series, name: str) -> pd.Series:
    text = col.astype(str).str.strip()
    bad = ~text.str.fullmatch(r"[0-9]{4}")
    if bad.any():
        raise InputError(name, "year", f"{_short(text[bad].iloc[0])} er ikke et firesifret årstall")
    return text.astype(np.int64)


# --------------------------------------------------------------------------------------------
# Base population (SSB 07459)
# --------------------------------------------------------------------------------------------


def read_population(
    path: str | os.PathLike,
    kommune: str | None = None,
    year: int | Sequence[int] | None = None,
    *,
    partial: bool = False,
) -> xr.DataArray:
    """Read a base population by single age and sex (SSB table 07459) from a downloaded file.

    Parameters
    ----------
    path : str or path-like
        A JSON-stat 2.0 response (``.json``; dimensions such as ``Region``, ``Kjonn``
        (1 = Menn, 2 = Kvinner), ``Alder`` (``"000"`` .. ``"105+"``), ``ContentsCode``, ``Tid``)
        or a StatBank CSV export (``region`` labels like ``"K-3024 Bærum"``, ``age`` labels like
        ``"0 years"``, ``"105 years or older"``, ``"0 år"``, ``"105 år eller eldre"``).
        Region codes are read without SSB's ``K-`` prefix (``"K-3024"`` -> ``"3024"``).
    kommune : str, optional
        Kommune number as a 4-character string (``"0301"``). Required if the file has more
        than one region.
    year : int or sequence of int, optional
        Year(s) to keep; the ``year`` dimension is kept even for a single year.
    partial : bool, default False
        Accept a file that covers only some single ages and return just those. By default every
        age 0..105 is required, as a base population for a projection needs them all.

    Returns
    -------
    xarray.DataArray
        ``population`` [persons], dims ``("year", "age", "sex")``; ``year`` int (population on
        1 January of that year, as in 07459), ``age`` int 0..105 (105 = 105 years or older),
        ``sex`` ``("male", "female")``. ``attrs``: ``units`` = ``"persons"``, ``source`` (file
        name), ``kommune`` (region code; ``"0"`` = Norway when the file has no region
        dimension), ``kommune_name``, and ``table`` when known.

    Raises
    ------
    InputError
        Everything :func:`read_jsonstat` / :func:`read_statbank_csv` raise, and: several regions
        but no ``kommune`` (the message lists some codes), unknown ``kommune`` or ``year``,
        missing single ages (unless ``partial``), ages that are not single years, categories
        other than men and women, several contents or other categories that cannot be a single
        population, duplicate cells, suppressed (NaN) or negative values, values that are not
        (near) whole numbers, and a year whose total is 0 (unless ``partial``) or over
        :data:`MAX_POPULATION`. Each message is one line and names the file, the field and the
        first offending cells ("… og N til" for the rest).
    """
    try:
        return _read_population(path, kommune, year, partial)
    except InputError as exc:
        raise _one_line(exc) from None


def _read_population(path, kommune, year, partial: bool) -> xr.DataArray:
    hint = "forventet en SSB-fil (tabell 07459) i JSON-stat 2.0 eller CSV fra statistikkbanken"
    name, raw = _read_bytes(path, hint)
    p = Path(name)
    if kommune is not None and not isinstance(kommune, str):
        raise InputError(
            name,
            "kommune",
            f"{kommune!r} er ikke tekst; skriv kommunenummeret som tekst med fire tegn, for eksempel '0301'",
        )
    if _looks_like_json(p, raw):
        long, meta = _population_long_jsonstat(p, name)
    else:
        long, meta = _population_long_csv(p, name)
    meta["source"] = p.name
    return _population_array(long, name, meta, kommune, year, partial)


def _looks_like_json(path: Path, raw: bytes) -> bool:
    if path.suffix.lower() == ".json":
        return True
    head = raw[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{")


def _population_long_jsonstat(path: Path, name: str) -> tuple[pd.DataFrame, dict]:
    """07459-style JSON-stat -> long table region/region_label/year/age/sex/value/status."""
    ds = _read_jsonstat(path, with_status=True)
    dims = list(ds["value"].dims)
    role = ds.attrs.get("role", {})

    def find(role_key: str | None, matches) -> str | None:
        hits = [d for d in role.get(role_key, []) if d in dims] if role_key else []
        return (hits + [d for d in dims if matches(d.lower())] + [None])[0]

    region = find("geo", lambda d: "region" in d)
    time = find("time", lambda d: d in _TIME_NAMES)
    age = find(None, lambda d: d in _AGE_NAMES)
    sex = find(None, lambda d: d in _SEX_NAMES)
    for dim, what in ((time, "år (Tid)"), (age, "alder (Alder)"), (sex, "kjønn (Kjonn)")):
        if dim is None:
            problem = f"{_short(dims, 200)} har ingen dimensjon for {what}; forventet en tabell som SSBs 07459"
            raise InputError(name, "id", problem)
    others = [d for d in dims if d not in {region, time, age, sex}]
    for d in others:
        if ds.sizes[d] != 1:
            codes = [str(c) for c in ds[d].values]
            raise InputError(
                name,
                f"dimension.{d}",
                f"har {len(codes)} kategorier {_short(codes[:LISTED])}; en befolkning trenger nøyaktig én",
            )

    labels = ds.attrs["labels"]
    age_of = {c: _age_of(c, lab, name, f"dimension.{age}") for c, lab in labels[age].items()}
    sex_of = {c: _sex_of(c, lab, name, f"dimension.{sex}") for c, lab in labels[sex].items()}
    df = ds.to_dataframe().reset_index()
    long = pd.DataFrame(
        {
            "region": df[region].astype(str).map(lambda c: _region_code(c)[0]) if region else "0",
            "region_label": df[f"{region}_label"].astype(str) if region else "Norge",
            "year": _to_years(df[time].astype(str), name),
            "age": df[age].astype(str).map(age_of),
            "sex": df[sex].astype(str).map(sex_of),
            "value": df["value"].astype(float),
            "status": df["status"].astype(str),
        }
    )
    meta = {"table": ds.attrs["table"]} if "table" in ds.attrs else {}
    return long, meta


def _population_long_csv(path: Path, name: str) -> tuple[pd.DataFrame, dict]:
    """StatBank CSV (07459) -> long table region/region_label/year/age/sex/value/status."""
    df = _read_statbank_csv(path, None)
    cols = {c.lower(): c for c in df.columns}
    region = next((cols[c] for c in cols if c in _REGION_NAMES), None)
    age = next((cols[c] for c in cols if c in _AGE_NAMES), None)
    if age is None:
        problem = f"ingen alderskolonne blant {_short(list(df.columns), 200)}; forventet 'age' eller 'alder'"
        raise InputError(name, "age", problem)
    if "sex" not in df.columns:
        problem = "fant ikke kjønn i kolonneoverskriftene eller i en kolonne 'sex'/'kjønn'; forventet menn og kvinner"
        raise InputError(name, "sex", problem)
    if "year" not in df.columns:
        raise InputError(name, "year", "fant ikke år i kolonneoverskriftene eller i en kolonne 'year'/'år'")
    known = {region, age, "sex", "year", "value", "status"}
    for c in [c for c in df.columns if c not in known]:
        distinct = df[c].unique()
        if len(distinct) > 1:
            found = _short(list(distinct[:LISTED]))
            problem = f"har {len(distinct)} kategorier {found}; en befolkning trenger nøyaktig én"
            raise InputError(name, c, problem)

    if region is not None:
        labels = df[region].astype(str).str.strip()
        split = {lab: _region_code(lab) for lab in labels.unique()}
        codes = labels.map(lambda s: split[s][0])
        names = labels.map(lambda s: split[s][1])
    else:
        codes, names = "0", "Norge"
    age_of = {lab: _age_of(lab, lab, name, age) for lab in df[age].unique()}
    long = pd.DataFrame(
        {
            "region": codes,
            "region_label": names,
            "year": df["year"],
            "age": df[age].map(age_of),
            "sex": df["sex"],
            "value": df["value"],
            "status": df["status"],
        }
    )
    meta = {}
    m = _TABLE_PREFIX.match(" ".join(df.attrs.get("title", [])))
    if m:
        meta["table"] = m.group(1)
    return long, meta


def _region_code(label: str) -> tuple[str, str]:
    """``"K-3024 Bærum"`` -> ``("3024", "Bærum")``; ``"0301 Oslo"`` -> ``("0301", "Oslo")``.

    The ``K-`` prefix marks SSB's code list for series summed over merged kommuner
    ("KommSummer"); the number after it is the kommune number of the file's year.
    """
    m = _REGION_LABEL.match(label)
    if not m:
        return label, label
    return m.group(1), (m.group(2) or m.group(1)).strip()


def _age_of(code, label, name: str, field: str) -> int:
    """Single age from a code (``"080"``, ``"105+"``) or label (``"80 år"``, ``"0 years"``)."""
    for text in (str(code).strip(), str(label).strip()):
        m = _AGE_TEXT.match(text)
        if m:
            return int(m.group(1))
        # code and label together, e.g. "080 80 år"
        m = re.match(r"^\d{1,3}\+?\s+(.*)$", text)
        if m and _AGE_TEXT.match(m.group(1)):
            return int(_AGE_TEXT.match(m.group(1)).group(1))
    problem = f"{label!r} er ikke en ettårig alder; forventet etiketter som '80 år' eller '0 years'"
    raise InputError(name, field, problem)


def _sex_of(code, label, name: str, field: str) -> str:
    sex = _sex_word(str(label)) or _SEX_CODES.get(str(code).strip())
    if sex is None:
        problem = f"{code!r} ({label!r}) er ikke en kjønnskategori; forventet 1 = Menn, 2 = Kvinner"
        raise InputError(name, field, problem)
    return sex


def _population_array(
    long: pd.DataFrame, name: str, meta: dict, kommune: str | None, year, partial: bool
) -> xr.DataArray:
    """Checks and reshaping shared by the JSON-stat and CSV paths (named steps)."""
    long, kommune, kommune_name = _select_region(long, name, kommune)
    long = _select_years(long, name, year)
    _check_sexes(long, name)
    _check_duplicates(long, name)
    ages = _check_ages(long, name, partial)

    s = long.set_index(["year", "age", "sex"])
    years = sorted(s.index.unique("year"))
    full = pd.MultiIndex.from_product([years, ages, list(SEXES)], names=["year", "age", "sex"])
    missing = full.difference(s.index)
    if len(missing):
        cells = [_cell(y, a, x) for y, a, x in missing[:5]]
        n = _count(len(missing), "celle", "celler")
        problem = f"{n} mangler i filen: {_listing(cells, len(missing), '; ')}"
        raise InputError(name, "value", problem)
    s = s.reindex(full)

    nan = s[s["value"].isna()]
    if len(nan):
        first = zip(nan.index[:5], nan["status"].iloc[:5])
        cells = [f"{_cell(y, a, x)} ({st or 'null'})" for (y, a, x), st in first]
        problem = (
            f"{_count(len(nan), 'verdi', 'verdier')} mangler eller er skjult av SSB, men en basisbefolkning "
            f"trenger tall i alle celler: {_listing(cells, len(nan), '; ')}"
        )
        raise InputError(name, "value", problem)
    neg = s[s["value"] < 0]
    if len(neg):
        cells = [f"{_cell(y, a, x)} = {v:g}" for (y, a, x), v in zip(neg.index[:5], neg["value"].iloc[:5])]
        n = _count(len(neg), "negativt befolkningstall", "negative befolkningstall")
        raise InputError(name, "value", f"{n}: {_listing(cells, len(neg), '; ')}")
    _check_counts(s["value"], name, partial)

    data = s["value"].to_numpy(dtype=float).reshape(len(years), len(ages), len(SEXES))
    attrs = {"units": "persons", **meta, "kommune": kommune, "kommune_name": kommune_name}
    return xr.DataArray(
        data,
        coords={"year": np.array(years, dtype=int), "age": np.array(ages, dtype=int), "sex": list(SEXES)},
        dims=("year", "age", "sex"),
        name="population",
        attrs=attrs,
    )


def _check_counts(values: pd.Series, name: str, partial: bool) -> None:
    """Persons are (near) whole numbers, and each year's total is positive and plausible."""
    frac = values[(values - values.round()).abs() > INTEGER_TOLERANCE]
    if len(frac):
        cells = [f"{_cell(y, a, x)} = {v:g}" for (y, a, x), v in zip(frac.index[:LISTED], frac.iloc[:LISTED])]
        problem = (
            f"{_count(len(frac), 'verdi', 'verdier')} er ikke hele personer: {_listing(cells, len(frac), '; ')}; "
            "forventet antall personer (heltall) som i SSBs tabell 07459"
        )
        raise InputError(name, "value", problem)
    totals = values.round().groupby(level="year").sum()
    for y, total in totals.items():
        if not partial and total <= 0:
            problem = (
                f"befolkningen i år {y} er til sammen 0 personer; forventet en kommune med innbyggere "
                "(er det riktig fil og riktig kolonne?)"
            )
            raise InputError(name, "value", problem)
        if not total <= MAX_POPULATION:
            problem = (
                f"befolkningen i år {y} er til sammen {total:.4g} personer, over grensen på "
                f"{MAX_POPULATION:_} personer; forventet én kommune (eller hele landet)".replace("_", " ")
            )
            raise InputError(name, "value", problem)


def _current_codes(code: str) -> list[str]:
    """2024 codes an older kommune number became ([] if unknown)."""
    try:
        return successors(code)
    except (KommuneError, ValueError):
        return []


def _select_region(long: pd.DataFrame, name: str, kommune: str | None) -> tuple[pd.DataFrame, str, str]:
    codes = list(dict.fromkeys(long["region"]))
    if not codes:
        raise InputError(name, "value", "filen har ingen celler; forventet befolkningstall for minst én region")
    if kommune is None:
        if len(codes) > 1:
            problem = (
                f"filen har {len(codes)} regioner ({_listing(codes[:8], len(codes))}); "
                f"velg én, for eksempel kommune={codes[0]!r}"
            )
            raise InputError(name, "kommune", problem)
        kommune = codes[0]
    elif kommune not in codes:
        # the file may use an older number of the same kommune (e.g. 3024 or 0219 for Bærum 3201)
        older = [c for c in codes if _current_codes(c) == [kommune]]
        if len(older) != 1:
            problem = f"{kommune!r} finnes ikke i filen; tilgjengelig: {_listing(codes[:8], len(codes))}"
            raise InputError(name, "kommune", problem)
        sel = long[long["region"] == older[0]]
        return sel, kommune, str(sel["region_label"].iloc[0])
    sel = long[long["region"] == kommune]
    return sel, kommune, str(sel["region_label"].iloc[0])


def _select_years(long: pd.DataFrame, name: str, year) -> pd.DataFrame:
    if year is None:
        return long
    if isinstance(year, (int, np.integer)) and not isinstance(year, bool):
        wanted = [int(year)]
    elif isinstance(year, Iterable) and not isinstance(year, (str, bytes)):
        wanted = list(year)
    else:
        raise InputError(name, "year", f"{_short(year)} er ikke et årstall eller en liste med årstall")
    if not all(isinstance(y, (int, np.integer)) and not isinstance(y, bool) for y in wanted):
        raise InputError(name, "year", f"{_short(wanted)}; forventet årstall som heltall, for eksempel 2024")
    available = sorted(long["year"].unique())
    unknown = [y for y in wanted if y not in available]
    if unknown:
        problem = (
            f"år {_listing([str(y) for y in unknown], len(unknown))} finnes ikke i filen; "
            f"tilgjengelig: {_listing([str(int(y)) for y in available], len(available))}"
        )
        raise InputError(name, "year", problem)
    return long[long["year"].isin(wanted)]


def _check_sexes(long: pd.DataFrame, name: str) -> None:
    other = sorted(set(map(str, long["sex"])) - set(SEXES))
    if other:
        found = _listing([repr(o) for o in other], len(other))
        raise InputError(name, "sex", f"fant kategoriene {found}; forventet bare menn og kvinner {SEXES}")


def _check_duplicates(long: pd.DataFrame, name: str) -> None:
    dup = long[long.duplicated(["year", "age", "sex"], keep=False)]
    if len(dup):
        cells = [_cell(y, a, x) for y, a, x in dup[["year", "age", "sex"]].drop_duplicates().to_numpy()[:5]]
        problem = f"celler som står mer enn én gang (flere statistikkvariabler eller kategorier?): {'; '.join(cells)}"
        raise InputError(name, "value", problem)


def _check_ages(long: pd.DataFrame, name: str, partial: bool) -> list[int]:
    present = sorted(int(a) for a in long["age"].unique())
    too_old = [a for a in present if a > MAX_AGE]
    if too_old:
        ages = "alder" if len(too_old) == 1 else "aldrene"
        problem = f"{ages} {_ranges(too_old)} er over {MAX_AGE} (den øverste aldersgruppen er '{MAX_AGE}+')"
        raise InputError(name, "age", problem)
    missing = sorted(set(AGES.tolist()) - set(present))
    if missing and not partial:
        raise InputError(
            name,
            "age",
            f"{'alder' if len(missing) == 1 else 'aldrene'} {_ranges(missing)} mangler (filen har {_ranges(present)}); "
            f"en basisbefolkning trenger hver ettårig alder 0-{MAX_AGE} ({MAX_AGE} = {MAX_AGE} år eller eldre). "
            "Last ned alle aldre, eller bruk partial=True for å lese bare aldrene som finnes",
        )
    return present


def _ranges(values: Iterable[int]) -> str:
    """``[0, 1, 2, 5, 7, 8]`` -> ``"0-2, 5, 7-8"``."""
    out: list[str] = []
    vals = sorted(values)
    start = prev = None
    for v in vals + [None]:
        if start is None:
            start = prev = v
        elif v is not None and v == prev + 1:
            prev = v
        else:
            out.append(str(start) if start == prev else f"{start}-{prev}")
            start = prev = v
    return _listing(out, len(out), limit=12)


def _listing(items: Sequence[str], total: int, sep: str = ", ", limit: int = 8) -> str:
    """The first ``limit`` of ``total`` items, then "… og N til" for the rest."""
    shown = [str(i) for i in list(items)[:limit]]
    text = sep.join(shown)
    return text if total <= len(shown) else f"{text} … og {total - len(shown)} til"


def _count(n: int, one: str, many: str) -> str:
    """``_count(1, "celle", "celler")`` -> ``"1 celle"``; ``_count(3, ...)`` -> ``"3 celler"``."""
    return f"{n} {one if n == 1 else many}"


def _cell(year, age, sex) -> str:
    """A cell of a base population for messages: ``"år 2023, alder 50, menn"``."""
    return f"år {year}, alder {age}, {_SEX_NB.get(str(sex), sex)}"


def _short(obj: Any, limit: int = 60) -> str:
    return _clip(repr(obj), limit)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
