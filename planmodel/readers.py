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

from planmodel.ages import AGES, MAX_AGE, SEXES
from planmodel.errors import InputError

__all__ = [
    "SSB_SYMBOLS",
    "read_jsonstat",
    "read_population",
    "read_statbank_csv",
]

#: SSB's standard table symbols -> meaning. ``-`` (nil) is read as 0, all others as NaN.
SSB_SYMBOLS: dict[str, str] = {
    ".": "not applicable (ikke mulig å oppgi tall)",
    "..": "not available (tallgrunnlag mangler)",
    "...": "not yet available (oppgave mangler foreløpig)",
    ":": "confidential (vises ikke av konfidensialitetshensyn)",
    "-": "nil (null): the value is zero",
}
_NIL = "-"

_JSONSTAT_HINT = "expected a JSON-stat 2.0 dataset as returned by SSB's PxWebApi (format=json-stat2)"
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
            raise InputError(name, "", f"not UTF-8 text ({exc}); {_JSONSTAT_HINT}") from None
    elif isinstance(source, str) and source.lstrip().startswith(("{", "[")):
        name, text, doc = "json", source, None
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = str(source)
        if not path.is_file():
            raise InputError(name, "file", f"does not exist; {_JSONSTAT_HINT}")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(name, "file", f"not UTF-8 text ({exc}); {_JSONSTAT_HINT}") from None
        doc = None
    else:
        raise InputError("argument source", "", f"{type(source).__name__} is not a path, JSON text or dict")

    if doc is None:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            field = f"line {exc.lineno} column {exc.colno}"
            raise InputError(name, field, f"not valid JSON ({exc.msg}); {_JSONSTAT_HINT}") from None
    if not isinstance(doc, dict):
        raise InputError(name, "(top level)", f"is a {type(doc).__name__}; {_JSONSTAT_HINT}")
    attrs_source = Path(name).name if name != "json" else "json"
    return name, attrs_source, doc


def _check_dataset(doc: dict, name: str) -> tuple[list[str], list[int]]:
    """Check class, version, id, size and dimension; return (dimension ids, sizes)."""
    cls = doc.get("class")
    if cls is None:
        hint = " (this looks like JSON-stat 1.x; ask the API for format=json-stat2)" if "dataset" in doc else ""
        raise InputError(name, "class", f"missing; expected 'dataset'{hint}")
    if cls != "dataset":
        raise InputError(name, "class", f"{cls!r} is not supported; {_JSONSTAT_HINT}, class 'dataset'")
    version = doc.get("version")
    if version is not None and not str(version).startswith("2"):
        raise InputError(name, "version", f"{version!r}; expected JSON-stat '2.0'")

    dims = doc.get("id")
    if dims is None:
        raise InputError(name, "id", "missing; expected the list of dimension names, e.g. ['Region', 'Tid']")
    if not isinstance(dims, list) or not dims or not all(isinstance(d, str) for d in dims):
        raise InputError(name, "id", f"{_short(dims)}; expected a non-empty list of dimension names")
    if len(set(dims)) != len(dims):
        raise InputError(name, "id", f"{dims} has duplicate dimension names")

    sizes = doc.get("size")
    if sizes is None:
        raise InputError(name, "size", f"missing; expected the number of categories of each of {dims}")
    if not isinstance(sizes, list) or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in sizes):
        raise InputError(name, "size", f"{_short(sizes)}; expected a list of category counts")
    if len(sizes) != len(dims):
        raise InputError(name, "size", f"has {len(sizes)} entries but 'id' names {len(dims)} dimensions {dims}")

    dimension = doc.get("dimension")
    if dimension is None:
        raise InputError(name, "dimension", f"missing; expected an object with an entry for each of {dims}")
    if not isinstance(dimension, dict):
        raise InputError(name, "dimension", f"{_short(dimension)}; expected an object with one entry per name in 'id'")
    for dim in dims:
        if not isinstance(dimension.get(dim), dict):
            raise InputError(
                name, f"dimension.{dim}", f"missing; 'id' lists {dim!r}, so 'dimension' needs an entry for it"
            )
    return dims, sizes


def _read_category(doc: dict, name: str, dim: str, pos: int, size: int) -> tuple[list[str], dict[str, str]]:
    """Category codes (in index order) and labels (code -> label) of one dimension."""
    field = f"dimension.{dim}.category"
    category = doc["dimension"][dim].get("category")
    if not isinstance(category, dict):
        raise InputError(name, field, "missing; expected an object with 'index' and 'label'")
    index = category.get("index")
    labels = category.get("label", {})
    if not isinstance(labels, dict):
        raise InputError(name, f"{field}.label", f"{_short(labels)}; expected an object code -> label")

    if index is None:
        # JSON-stat 2.0 allows leaving out 'index' when there is a single category.
        if len(labels) != 1:
            raise InputError(name, f"{field}.index", "missing; only a dimension with one labelled category may omit it")
        codes = [str(next(iter(labels)))]
    elif isinstance(index, list):
        codes = [str(c) for c in index]
    elif isinstance(index, dict):
        positions = list(index.values())
        if sorted(positions) != list(range(len(index))) or not all(isinstance(p, int) for p in positions):
            raise InputError(name, f"{field}.index", f"positions {_short(positions)} are not 0..{len(index) - 1}")
        codes = [str(code) for code, _ in sorted(index.items(), key=lambda kv: kv[1])]
    else:
        expected = "expected a list of codes or an object code -> position"
        raise InputError(name, f"{field}.index", f"{_short(index)}; {expected}")

    if len(set(codes)) != len(codes):
        raise InputError(name, f"{field}.index", "has duplicate category codes")
    if len(codes) != size:
        raise InputError(
            name, f"{field}.index", f"has {len(codes)} categories but size[{pos}] says {size}; they must agree"
        )
    unknown = set(map(str, labels)) - set(codes)
    if unknown:
        raise InputError(name, f"{field}.label", f"labels for codes not in the index: {sorted(unknown)[:5]}")
    label_of = {str(k): str(v) for k, v in labels.items()}
    return codes, {c: label_of.get(c, c) for c in codes}


def _read_values(doc: dict, name: str, n_cells: int, sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Flat float values (NaN where no number) and status symbols ("" where none)."""
    raw = doc.get("value")
    if raw is None:
        raise InputError(name, "value", f"missing; expected {n_cells} values (the product of size {sizes})")
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
            raise InputError(name, f"value[{i}]", f"{v!r} is not a number")
        if isinstance(v, (int, float)):
            values[i] = float(v)
        elif isinstance(v, str) and v.strip() in SSB_SYMBOLS:
            # Some producers put the symbol in 'value' itself; move it to 'status'.
            status[i] = status[i] or v.strip()
        else:
            raise InputError(name, f"value[{i}]", f"{v!r} is neither a number, null nor an SSB symbol")
    return _apply_nil(values, status, name)


def _apply_nil(values: np.ndarray, status: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Check the status symbols and set cells marked ``-`` (SSB: nil, exactly zero) to 0."""
    for i, s in enumerate(status):
        if not isinstance(s, str):
            raise InputError(name, f"status[{i}]", f"{s!r} is not a string symbol")
    values[(status == _NIL) & np.isnan(values)] = 0.0
    return values, status.astype(str)


def _cells_from(raw, name: str, field: str, n_cells: int, sizes: list[int], default) -> list:
    """Expand a JSON-stat ``value``/``status`` (list, sparse object or single string) to a list."""
    if isinstance(raw, list):
        if len(raw) != n_cells:
            raise InputError(
                name, field, f"has {len(raw)} entries but size {sizes} gives {n_cells} cells (their product)"
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
                raise InputError(name, f"{field}.{key}", f"is not a cell index 0..{n_cells - 1} (size {sizes})")
            cells[i] = v
        return cells
    if field == "status" and isinstance(raw, str):
        return [raw] * n_cells
    raise InputError(name, field, f"{_short(raw)}; expected a list or an object index -> {field}")


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
        raise InputError(name, "file", "does not exist; expected a CSV file exported from SSB's StatBank")
    raw = path.read_bytes()
    if encoding is not None:
        try:
            return _lines(raw.decode(encoding)), encoding
        except LookupError:
            problem = f"{encoding!r} is not a known text encoding (SSB uses 'iso-8859-1')"
            raise InputError(name, "encoding", problem) from None
        except UnicodeDecodeError as exc:
            raise InputError(
                name, "encoding", f"the file is not valid {encoding} ({exc.reason} at byte {exc.start})"
            ) from None
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
                raise InputError(name, f"line {pos + 1} (header)", f"column(s) {empty} have no name")
            dup = sorted({f for f in header if header.count(f) > 1})
            if dup:
                raise InputError(name, f"line {pos + 1} (header)", f"duplicate column names {dup}")
            return title, pos, header
        if line.strip():
            title.extend(f.strip() for f in fields)
    raise InputError(
        name,
        "header",
        f"no header line found in {sum(1 for ln in lines if ln.strip())} non-blank line(s); "
        f"expected a line with at least two "
        f"'{_CSV_SEP}'-separated column names (a StatBank CSV export)",
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
                problem = "data row after footnote lines; expected the data in one block"
                raise InputError(name, f"line {pos + 1}", problem)
            rows.append(fields)
            line_numbers.append(pos + 1)
        elif len(fields) == 1:
            notes.append(fields[0].strip())  # footnote or source line below the table
        else:
            problem = f"has {len(fields)} fields but the header (line {header_pos + 1}) has {len(header)}"
            raise InputError(name, f"line {pos + 1}", problem)
    if not rows:
        raise InputError(name, f"line {header_pos + 2}", "no data rows below the header")
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
                    f"line {line_numbers[row]}, column {c!r}",
                    f"{df[c].iloc[row]!r} is not a number or one of SSB's symbols {list(SSB_SYMBOLS)}",
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
            "value columns",
            f"none found among {header}; expected columns of numbers (or SSB symbols) headed like "
            "'Persons 2023 Males' or 'Personer 2023 Kvinner'",
        )
    if len(value_cols) == len(header):
        raise InputError(name, "header", f"{header} has no dimension column (e.g. 'region', 'age') before the values")
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
            raise InputError(name, "header", f"{key!r} is both a column and part of the value headings")
        if key == "year" and any(v is None for v in mapping.values()):
            missing = [c for c, v in mapping.items() if v is None]
            raise InputError(name, f"column {missing[0]!r}", "heading has no year while other value columns have one")
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
        raise InputError(name, "year", f"{text[bad].iloc[0]!r} is not a 4-digit year")
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
        raise InputError(name, "file", "does not exist; expected an SSB 07459 JSON-stat or StatBank CSV file")
    if kommune is not None and not isinstance(kommune, str):
        raise InputError(
            name, "kommune", f"{kommune!r} is not a string; write kommune numbers as 4-character strings like '0301'"
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
    for dim, what in ((time, "time (Tid)"), (age, "age (Alder)"), (sex, "sex (Kjonn)")):
        if dim is None:
            raise InputError(name, "id", f"{dims} has no {what} dimension; expected an SSB 07459-style table")
    others = [d for d in dims if d not in {region, time, age, sex}]
    for d in others:
        if ds.sizes[d] != 1:
            codes = [str(c) for c in ds[d].values]
            raise InputError(
                name, f"dimension.{d}", f"has {len(codes)} categories {codes[:5]}; a population needs exactly one"
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
        raise InputError(name, "age", f"no age column among {list(df.columns)}; expected 'age' or 'alder'")
    if "sex" not in df.columns:
        problem = "no sex in the column headings or a 'sex'/'kjønn' column; expected men and women"
        raise InputError(name, "sex", problem)
    if "year" not in df.columns:
        raise InputError(name, "year", "no year in the column headings or a 'year'/'år' column")
    known = {region, age, "sex", "year", "value", "status"}
    for c in [c for c in df.columns if c not in known]:
        distinct = df[c].unique()
        if len(distinct) > 1:
            raise InputError(
                name, c, f"has {len(distinct)} categories {list(distinct[:5])}; a population needs exactly one"
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
    raise InputError(name, field, f"{label!r} is not a single year of age; expected labels like '80 år' or '0 years'")


def _sex_of(code, label, name: str, field: str) -> str:
    sex = _sex_word(str(label)) or _SEX_CODES.get(str(code).strip())
    if sex is None:
        raise InputError(name, field, f"{code!r} ({label!r}) is not a sex category; expected 1 = Menn, 2 = Kvinner")
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
        cells = [f"year {y}, age {a}, {x}" for y, a, x in missing[:5]]
        problem = f"{len(missing)} cell(s) missing from the file: {_listing(cells, len(missing), '; ')}"
        raise InputError(name, "value", problem)
    s = s.reindex(full)

    nan = s[s["value"].isna()]
    if len(nan):
        first = zip(nan.index[:5], nan["status"].iloc[:5])
        cells = [f"year {y}, age {a}, {x} ({st or 'null'})" for (y, a, x), st in first]
        problem = f"{len(nan)} suppressed or missing value(s) in a base population: {_listing(cells, len(nan), '; ')}"
        raise InputError(name, "value", problem)
    neg = s[s["value"] < 0]
    if len(neg):
        cells = [f"year {y}, age {a}, {x} = {v:g}" for (y, a, x), v in zip(neg.index[:5], neg["value"].iloc[:5])]
        raise InputError(name, "value", f"{len(neg)} negative population count(s): {_listing(cells, len(neg), '; ')}")

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
    from .errors import KommuneError
    from .kommuner import successors

    try:
        return successors(code)
    except (KommuneError, ValueError):
        return []


def _select_region(long: pd.DataFrame, name: str, kommune: str | None) -> tuple[pd.DataFrame, str, str]:
    codes = list(dict.fromkeys(long["region"]))
    if kommune is None:
        if len(codes) > 1:
            problem = (
                f"the file has {len(codes)} regions ({_listing(codes[:8], len(codes))}); "
                f"choose one, e.g. kommune={codes[0]!r}"
            )
            raise InputError(name, "kommune", problem)
        kommune = codes[0]
    elif kommune not in codes:
        # the file may use an older number of the same kommune (e.g. 3024 or 0219 for Bærum 3201)
        older = [c for c in codes if _current_codes(c) == [kommune]]
        if len(older) != 1:
            problem = f"{kommune!r} is not in the file; available: {_listing(codes[:8], len(codes))}"
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
        raise InputError(name, "year", f"{unknown} not in the file; available: {[int(y) for y in available]}")
    return long[long["year"].isin(wanted)]


def _check_sexes(long: pd.DataFrame, name: str) -> None:
    other = sorted(set(long["sex"]) - set(SEXES))
    if other:
        raise InputError(name, "sex", f"categories {other} found; expected only men and women ({SEXES})")


def _check_duplicates(long: pd.DataFrame, name: str) -> None:
    dup = long[long.duplicated(["year", "age", "sex"], keep=False)]
    if len(dup):
        cells = [f"year {y}, age {a}, {x}" for y, a, x in dup[["year", "age", "sex"]].drop_duplicates().to_numpy()[:5]]
        problem = f"cells given more than once (several contents or categories?): {'; '.join(cells)}"
        raise InputError(name, "value", problem)


def _check_ages(long: pd.DataFrame, name: str, partial: bool) -> list[int]:
    present = sorted(int(a) for a in long["age"].unique())
    too_old = [a for a in present if a > MAX_AGE]
    if too_old:
        raise InputError(name, "age", f"ages {_ranges(too_old)} are above {MAX_AGE} (the open group '{MAX_AGE}+')")
    missing = sorted(set(AGES.tolist()) - set(present))
    if missing and not partial:
        raise InputError(
            name,
            "age",
            f"ages {_ranges(missing)} are missing (the file has {_ranges(present)}); a base population needs "
            f"every single age 0-{MAX_AGE} ({MAX_AGE} = {MAX_AGE} years or older). "
            "Download all ages, or pass partial=True to read only the ages present",
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
    return text if total <= len(items) else f"{text}, ... ({total} in total)"


def _short(obj: Any, limit: int = 60) -> str:
    text = repr(obj)
    return text if len(text) <= limit else text[: limit - 3] + "..."
