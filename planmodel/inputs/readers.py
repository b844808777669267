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
"""

from __future__ import annotations

import csv
import json
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
_YEAR_TOKEN = re.compile(r"^(1[89]\d\d|2[01]\d\d)$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$")
_REGION_LABEL = re.compile(r"^(?:[A-Za-z]{1,3}-)?(\d[\d-]*|Rest)(?:\s+(.*))?$")
_AGE_TEXT = re.compile(
    r"^(\d{1,3})(\+)?\s*(?:years?|år)?\s*(or older|or over|eller eldre|og eldre|og over)?$",
    re.IGNORECASE,
)


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
        ``value``/``status`` whose length is not the product of ``size``. The message names the
        file, the field (``value``, ``dimension.Alder.category.index`` ...) and what was expected.
    """
    name, attrs_source, doc = _load_json(source)
    dims, sizes = _check_dataset(doc, name)
    categories = [_read_category(doc, name, dim, i, size) for i, (dim, size) in enumerate(zip(dims, sizes))]
    n_cells = int(np.prod(sizes, dtype=np.int64))
    values, status = _read_values(doc, name, n_cells, sizes)

    coords: dict[str, Any] = {}
    for dim, (codes, labels) in zip(dims, categories):
        coords[dim] = codes
        coords[f"{dim}_label"] = (dim, [labels[c] for c in codes])
    attrs = _jsonstat_attrs(doc, dims, categories, attrs_source)
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
        name, text, doc = "json", None, None
        try:
            text = bytes(source).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            problem = f"er ikke gyldig UTF-8-tekst (feil ved byte {exc.start}); {_JSONSTAT_HINT}"
            raise InputError(name, "", problem) from None
    elif isinstance(source, str) and source.lstrip().startswith(("{", "[")):
        name, text, doc = "json", source, None
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = str(source)
        if not path.is_file():
            raise InputError(name, "file", f"finnes ikke; {_JSONSTAT_HINT}")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            problem = f"filen er ikke gyldig UTF-8-tekst (feil ved byte {exc.start}); {_JSONSTAT_HINT}"
            raise InputError(name, "file", problem) from None
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
        raise InputError(name, "class", f"{cls!r} støttes ikke, bare 'dataset'; {_JSONSTAT_HINT}")
    version = doc.get("version")
    if version is not None and not str(version).startswith("2"):
        raise InputError(name, "version", f"{version!r} støttes ikke; forventet JSON-stat '2.0'")

    dims = doc.get("id")
    if dims is None:
        raise InputError(name, "id", "mangler; forventet listen over dimensjonsnavn, for eksempel ['Region', 'Tid']")
    if not isinstance(dims, list) or not dims or not all(isinstance(d, str) for d in dims):
        raise InputError(name, "id", f"{_short(dims)}; forventet en liste med minst ett dimensjonsnavn")
    if len(set(dims)) != len(dims):
        raise InputError(name, "id", f"{dims} har samme dimensjonsnavn flere ganger")

    sizes = doc.get("size")
    if sizes is None:
        raise InputError(name, "size", f"mangler; forventet antall kategorier i hver av {dims}")
    if not isinstance(sizes, list) or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in sizes):
        raise InputError(name, "size", f"{_short(sizes)}; forventet en liste med antall kategorier per dimensjon")
    if len(sizes) != len(dims):
        n_dims = _count(len(dims), "dimensjon", "dimensjoner")
        problem = f"har {_count(len(sizes), 'verdi', 'verdier')}, men 'id' har {n_dims} {dims}"
        raise InputError(name, "size", problem)

    dimension = doc.get("dimension")
    if dimension is None:
        raise InputError(name, "dimension", f"mangler; forventet et objekt med én oppføring for hver av {dims}")
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
        codes = [str(c) for c in index]
    elif isinstance(index, dict):
        positions = list(index.values())
        if sorted(positions) != list(range(len(index))) or not all(isinstance(p, int) for p in positions):
            problem = f"posisjonene {_short(positions)} er ikke 0..{len(index) - 1}"
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
        problem = f"etiketter for koder som ikke finnes i 'index': {sorted(unknown)[:5]}"
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

    if not any(isinstance(v, (str, bool, list, dict)) for v in cells):  # usual case: numbers, nulls
        values = np.array(cells, dtype=float).reshape(n_cells)  # None -> NaN
        return _apply_nil(values, status, name)
    values = np.full(n_cells, np.nan)
    for i, v in enumerate(cells):
        if v is None:
            continue
        if isinstance(v, bool):
            raise InputError(name, f"value[{i}]", f"{v!r} er ikke et tall")
        if isinstance(v, (int, float)):
            values[i] = float(v)
        elif isinstance(v, str) and v.strip() in SSB_SYMBOLS:
            # Some producers put the symbol in 'value' itself; move it to 'status'.
            status[i] = status[i] or v.strip()
        else:
            problem = f"{v!r} er verken et tall, null eller et av SSBs symboler {list(SSB_SYMBOLS)}"
            raise InputError(name, f"value[{i}]", problem)
    return _apply_nil(values, status, name)


def _apply_nil(values: np.ndarray, status: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Check the status symbols and set cells marked ``-`` (SSB: nil, exactly zero) to 0."""
    for i, s in enumerate(status):
        if not isinstance(s, str):
            problem = f"{s!r} er ikke tekst; forventet et av SSBs symboler {list(SSB_SYMBOLS)}"
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
                f"har {_count(len(raw), 'verdi', 'verdier')}, men size {sizes} "
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
                raise InputError(name, f"{field}.{key}", f"er ikke en celleindeks 0..{n_cells - 1} (size {sizes})")
            cells[i] = v
        return cells
    if field == "status" and isinstance(raw, str):
        return [raw] * n_cells
    raise InputError(name, field, f"{_short(raw)}; forventet en liste eller et objekt indeks -> {field}")


def _jsonstat_attrs(doc: dict, dims: list[str], categories: list, attrs_source: str) -> dict:
    attrs: dict[str, Any] = {"source": attrs_source}
    for key in ("label", "updated"):
        if key in doc:
            attrs[key] = str(doc[key])
    units = _jsonstat_units(doc, dims, categories)
    if units is not None:
        attrs["units"] = units
    note = doc.get("note")
    if note:
        attrs["note"] = [str(n) for n in note] if isinstance(note, list) else [str(note)]
    px = (doc.get("extension") or {}).get("px") or {}
    if px.get("tableid"):
        attrs["table"] = str(px["tableid"])
    if isinstance(doc.get("source"), str):
        attrs["provider"] = doc["source"]
    attrs["role"] = {k: list(v) for k, v in (doc.get("role") or {}).items()}
    attrs["labels"] = {dim: dict(labels) for dim, (_codes, labels) in zip(dims, categories)}
    return attrs


def _jsonstat_units(doc: dict, dims: list[str], categories: list) -> str | dict | None:
    """Unit from ``category.unit`` of the metric dimension(s), else the single contents label."""
    role_metric = (doc.get("role") or {}).get("metric") or []
    metric_dims = [d for d in dims if d in role_metric or "unit" in doc["dimension"][d].get("category", {})]
    bases: dict[str, str] = {}
    for dim in metric_dims:
        for code, unit in (doc["dimension"][dim]["category"].get("unit") or {}).items():
            if isinstance(unit, dict) and unit.get("base"):
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
    name = str(path)
    lines, used_encoding = _read_lines(Path(path), name, encoding)
    title, header_pos, header = _find_header(lines, name)
    rows, line_numbers, notes = _data_rows(lines, header_pos, header, name)
    df = pd.DataFrame(rows, columns=header, dtype=str)

    value_cols, parsed = _value_columns(df, header, line_numbers, name)
    dim_cols = [c for c in header if c not in value_cols]
    long = _melt(df, dim_cols, value_cols, parsed, name)
    long.attrs = {"source": Path(path).name, "encoding": used_encoding, "title": title, "notes": notes}
    return long


def _read_lines(path: Path, name: str, encoding: str | None) -> tuple[list[str], str]:
    if not path.is_file():
        raise InputError(name, "file", "finnes ikke; forventet en CSV-fil eksportert fra SSBs statistikkbank")
    raw = path.read_bytes()
    if encoding is not None:
        try:
            return _lines(raw.decode(encoding)), encoding
        except LookupError:
            problem = f"{encoding!r} er ikke en kjent tegnkoding (SSB bruker 'iso-8859-1')"
            raise InputError(name, "encoding", problem) from None
        except UnicodeDecodeError as exc:
            problem = f"filen er ikke gyldig {encoding} (feil ved byte {exc.start}); SSB bruker 'iso-8859-1'"
            raise InputError(name, "encoding", problem) from None
    try:
        return _lines(raw.decode("utf-8-sig")), "utf-8"
    except UnicodeDecodeError:
        pass
    # Not UTF-8: SSB's ISO-8859-1, or cp1252 if the file uses bytes 0x80-0x9F (where the two
    # differ; in ISO-8859-1 they are control characters, in cp1252 e.g. the euro sign).
    if not re.search(rb"[\x80-\x9f]", raw):
        return _lines(raw.decode("iso-8859-1")), "iso-8859-1"
    try:
        return _lines(raw.decode("cp1252")), "cp1252"
    except UnicodeDecodeError:
        return _lines(raw.decode("iso-8859-1")), "iso-8859-1"


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
        fields = _split(line)
        if len(fields) >= 2:
            header = [f.strip() for f in fields]
            empty = [i + 1 for i, f in enumerate(header) if not f]
            if empty:
                which = "kolonne" if len(empty) == 1 else "kolonnene"
                problem = f"{which} nr. {_listing(empty, len(empty))} mangler navn"
                raise InputError(name, f"linje {pos + 1} (overskriftslinje)", problem)
            dup = sorted({f for f in header if header.count(f) > 1})
            if dup:
                problem = f"samme kolonnenavn flere ganger: {dup}"
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


def _split(line: str) -> list[str]:
    return next(csv.reader([line], delimiter=_CSV_SEP, quotechar='"'), [])


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
        fields = _split(lines[pos])
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
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputError(
                    name,
                    f"linje {line_numbers[row]}, kolonne {c!r}",
                    f"{df[c].iloc[row]!r} er verken et tall eller et av SSBs symboler {list(SSB_SYMBOLS)}",
                )
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
            f"fant ingen blant {header}; forventet kolonner med tall (eller SSB-symboler) med overskrifter som "
            "'Persons 2023 Males' eller 'Personer 2023 Kvinner'",
        )
    if len(value_cols) == len(header):
        problem = f"{header} har ingen dimensjonskolonne (for eksempel 'region', 'age') foran verdiene"
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
    long["value"] = pd.to_numeric(number, errors="raise").astype(float)
    long.loc[cell == _NIL, "value"] = 0.0  # SSB "-" = nil (zero)
    long["status"] = cell.where(is_sym, "").astype(str)

    order = dims + [k for k in ("contents", "year", "sex", "heading") if k in extra and k not in dims]
    return long[order + ["value", "status"]].reset_index(drop=True)


def _to_years(col: pd.Series, name: str) -> pd.Series:
    text = col.astype(str).str.strip()
    bad = ~text.str.fullmatch(r"\d{4}")
    if bad.any():
        raise InputError(name, "year", f"{text[bad].iloc[0]!r} er ikke et firesifret årstall")
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
        population, duplicate cells, suppressed (NaN) or negative values. Each message names the
        file, the field and the offending cells.
    """
    name = str(path)
    p = Path(path)
    if not p.is_file():
        problem = "finnes ikke; forventet en SSB-fil (tabell 07459) i JSON-stat 2.0 eller CSV fra statistikkbanken"
        raise InputError(name, "file", problem)
    if kommune is not None and not isinstance(kommune, str):
        raise InputError(
            name,
            "kommune",
            f"{kommune!r} er ikke tekst; skriv kommunenummeret som tekst med fire tegn, for eksempel '0301'",
        )
    if _looks_like_json(p):
        long, meta = _population_long_jsonstat(p, name)
    else:
        long, meta = _population_long_csv(p, name)
    meta["source"] = p.name
    return _population_array(long, name, meta, kommune, year, partial)


def _looks_like_json(path: Path) -> bool:
    if path.suffix.lower() == ".json":
        return True
    with path.open("rb") as fh:
        head = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{")


def _population_long_jsonstat(path: Path, name: str) -> tuple[pd.DataFrame, dict]:
    """07459-style JSON-stat -> long table region/region_label/year/age/sex/value/status."""
    ds = read_jsonstat(path, with_status=True)
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
            problem = f"{dims} har ingen dimensjon for {what}; forventet en tabell som SSBs 07459"
            raise InputError(name, "id", problem)
    others = [d for d in dims if d not in {region, time, age, sex}]
    for d in others:
        if ds.sizes[d] != 1:
            codes = [str(c) for c in ds[d].values]
            raise InputError(
                name,
                f"dimension.{d}",
                f"har {len(codes)} kategorier {codes[:5]}; en befolkning trenger nøyaktig én",
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
    df = read_statbank_csv(path)
    cols = {c.lower(): c for c in df.columns}
    region = next((cols[c] for c in cols if c in _REGION_NAMES), None)
    age = next((cols[c] for c in cols if c in _AGE_NAMES), None)
    if age is None:
        raise InputError(name, "age", f"ingen alderskolonne blant {list(df.columns)}; forventet 'age' eller 'alder'")
    if "sex" not in df.columns:
        problem = "fant ikke kjønn i kolonneoverskriftene eller i en kolonne 'sex'/'kjønn'; forventet menn og kvinner"
        raise InputError(name, "sex", problem)
    if "year" not in df.columns:
        raise InputError(name, "year", "fant ikke år i kolonneoverskriftene eller i en kolonne 'year'/'år'")
    known = {region, age, "sex", "year", "value", "status"}
    for c in [c for c in df.columns if c not in known]:
        distinct = df[c].unique()
        if len(distinct) > 1:
            raise InputError(
                name, c, f"har {len(distinct)} kategorier {list(distinct[:5])}; en befolkning trenger nøyaktig én"
            )

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

    data = s["value"].to_numpy(dtype=float).reshape(len(years), len(ages), len(SEXES))
    attrs = {"units": "persons", **meta, "kommune": kommune, "kommune_name": kommune_name}
    return xr.DataArray(
        data,
        coords={"year": np.array(years, dtype=int), "age": np.array(ages, dtype=int), "sex": list(SEXES)},
        dims=("year", "age", "sex"),
        name="population",
        attrs=attrs,
    )


def _current_codes(code: str) -> list[str]:
    """2024 codes an older kommune number became ([] if unknown)."""
    try:
        return successors(code)
    except (KommuneError, ValueError):
        return []


def _select_region(long: pd.DataFrame, name: str, kommune: str | None) -> tuple[pd.DataFrame, str, str]:
    codes = list(dict.fromkeys(long["region"]))
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
    wanted = [year] if isinstance(year, (int, np.integer)) else list(year)
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
    other = sorted(set(long["sex"]) - set(SEXES))
    if other:
        raise InputError(name, "sex", f"fant kategoriene {other}; forventet bare menn og kvinner {SEXES}")


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
    return ", ".join(out)


def _listing(items: Sequence[str], total: int, sep: str = ", ") -> str:
    text = sep.join(str(i) for i in items)
    return text if total <= len(items) else f"{text}, ... ({total} i alt)"


def _count(n: int, one: str, many: str) -> str:
    """``_count(1, "celle", "celler")`` -> ``"1 celle"``; ``_count(3, ...)`` -> ``"3 celler"``."""
    return f"{n} {one if n == 1 else many}"


def _cell(year, age, sex) -> str:
    """A cell of a base population for messages: ``"år 2023, alder 50, menn"``."""
    return f"år {year}, alder {age}, {_SEX_NB.get(str(sex), sex)}"


def _short(obj: Any, limit: int = 60) -> str:
    text = repr(obj)
    return text if len(text) <= limit else text[: limit - 3] + "..."
