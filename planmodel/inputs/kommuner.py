"""Kommuner of 2024 and the code changes that led to them (kommunenummer, names, reforms).

Two shipped tables feed this module:

``data/kommuner.csv``
    The 357 kommuner of 1.1.2024 (the numbering still in force), with fylke and the
    population 1.1.2026.
``data/kommune_changes.csv``
    Every change of kommunenummer 1988–2024 in SSB's KLASS classification 131
    (renumbered, merged, split), one row per old code -> new code; see
    ``data/kommune_changes_README.md`` for columns, source and coverage.

Public API
----------
:class:`Kommune`, :func:`all_kommuner`, :func:`resolve_kommune`, :func:`successors`,
:func:`map_to_current`, :func:`kommune_changes` and :func:`norwegian_name`.

Old codes are followed through every later change, so ``0219`` (Bærum until 2019) ->
``3024`` (2020–23) -> ``3201`` (from 2024). A kommune that was split (``1507`` Ålesund,
split 1.1.2024 into ``1508`` Ålesund and ``1580`` Haram) has no single successor: lookups
raise :class:`~planmodel.core.errors.KommuneError` naming the successors, and
:func:`map_to_current` refuses to guess unless told to drop those rows.
"""

from __future__ import annotations

import difflib
import numbers
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from planmodel.core.paths import data_path
from planmodel.core.errors import InputError, KommuneError

__all__ = [
    "Kommune",
    "fylker",
    "select_kommuner",
    "all_kommuner",
    "kommune_changes",
    "map_to_current",
    "norwegian_name",
    "resolve_kommune",
    "successors",
]

KOMMUNER_FILE = ("kommuner.csv",)
CHANGES_FILE = ("kommune_changes.csv",)
KOMMUNE_COLUMNS = ["kommune", "name", "fylke", "fylke_name", "population_2026"]
CHANGE_COLUMNS = ["old_code", "old_name", "new_code", "new_name", "change_date", "change"]
CHANGE_KINDS = ("renumbered", "merged", "split")

# The project's named dimensions (docs/STYLE.md). In a tidy table these columns are keys,
# never values to be summed, even when they hold numbers (year, age, draw).
DIMENSIONS = ("year", "age", "sex", "service", "measure", "sector", "scenario", "draw")

# Sami and Kven forms that SSB joins to the Norwegian name with "-" or " - " (e.g.
# "Oslo-Oslove", "Guovdageaidnu - Kautokeino"), as they occur in data/kommuner.csv, the
# KLASS change table and SSB's 2020-23 name list; spelling variants of the same form are
# listed separately. Only these tokens are split off a name, so genuinely hyphenated
# Norwegian names (Aurskog-Høland, Nord-Odal, Midt-Telemark) stay whole. A new Sami or
# Kven name in the data must be added here; tests/test_kommuner.py fails until it is.
SAMI_KVEN_FORMS = frozenset(
    {
        "Aarborte", "Deatnu", "Dielddanuorri", "Divtasvuodna", "Evenášši", "Fuolldá",
        "Fuosko", "Fuossko", "Gáivuotna", "Guovdageaidnu", "Hábmer", "Hámmerfeasta",
        "Hárstták", "Kaivuono", "Kárášjohka", "Levangke", "Loabák", "Nåavmesjenjaelmie",
        "Omasvuono", "Omasvuotna", "Oslove", "Porsanki", "Porsáŋgu", "Raane", "Raarvihke",
        "Raisi", "Ráisa", "Rivtták", "Rosse", "Snåase", "Suortá", "Tråante", "Unjárga",
    }
)

_CODE_TEXT = re.compile(r"^\s*(\d{1,4})\s*$")
_QUALIFIED = re.compile(r"^(?P<base>.*?)\s*\((?P<qualifier>[^()]*)\)\s*$")
_NAME_SEPARATOR = re.compile(r"\s*-\s*")
# Letters that Unicode does not decompose into a base letter plus an accent.
_UNDECOMPOSED = str.maketrans({"ŋ": "n", "đ": "d", "ŧ": "t", "ʒ": "z", "ß": "ss", "ł": "l"})


# --------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------
def _fold(text: str) -> str:
    """Strict search key: case-, accent- and punctuation-insensitive, æøå kept apart.

    ``æ, ø, å`` become ``ae, oe, aa`` (so "Baerum" finds "Bærum"), other accents are
    dropped (``á`` -> ``a``, ``š`` -> ``s``) and every run of other characters becomes one
    space.
    """
    s = unicodedata.normalize("NFKC", str(text)).casefold()
    s = s.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).translate(_UNDECOMPOSED)
    return " ".join(re.findall(r"[a-z0-9]+", s))


def _loose(key: str) -> str:
    """Looser key, tried only after the strict one: also "Tonsberg" = "Tønsberg".

    Kept as a second step because it merges names that differ, e.g. old Lardal (0728)
    and Lærdal (4642) both become ``lardal``.
    """
    key = key.replace(" ", "")
    for long, short in (("aa", "a"), ("ae", "a"), ("oe", "o")):
        key = key.replace(long, short)
    return key


_SAMI_KVEN_KEYS = frozenset(_fold(form) for form in SAMI_KVEN_FORMS)


def _name_tokens(name: str) -> list[str]:
    return [t for t in _NAME_SEPARATOR.split(name.strip()) if t]


def norwegian_name(name: str) -> str:
    """The Norwegian form of a kommune name as SSB writes it.

    Parameters
    ----------
    name : str
        Name as in SSB's tables, possibly with Sami/Kven forms joined by ``-`` or ``" - "``.

    Returns
    -------
    str
        The name without its Sami/Kven parts ("Oslo-Oslove" -> "Oslo",
        "Gáivuotna-Kåfjord-Kaivuono" -> "Kåfjord"); hyphenated Norwegian names are kept
        whole ("Aurskog-Høland", "Sør-Varanger"). Only the forms in
        :data:`SAMI_KVEN_FORMS` are split off.
    """
    name = name.strip()
    tokens = _name_tokens(name)
    kept = [t for t in tokens if _fold(t) not in _SAMI_KVEN_KEYS]
    if len(kept) == len(tokens) or not kept:
        return name
    return "-".join(kept)


def _name_variants(name: str) -> set[str]:
    """Every form a user may type for one name: full, Norwegian part, each Sami/Kven part,
    and for "Sande (Vestfold)" also the bare "Sande"."""
    name = name.strip()
    out = {name, norwegian_name(name)}
    out.update(t for t in _name_tokens(name) if _fold(t) in _SAMI_KVEN_KEYS)
    m = _QUALIFIED.match(name)
    if m and m.group("base"):
        out |= _name_variants(m.group("base"))
    return {v for v in out if v}


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Kommune:
    """One kommune of the 2024 numbering.

    Attributes
    ----------
    code : str
        Kommunenummer, four digits as text ("0301", "3201").
    name : str
        Name as SSB gives it, with any Sami/Kven forms ("Oslo-Oslove").
    fylke : str
        Fylkesnummer, two digits as text ("32").
    fylke_name : str
        Fylke name ("Akershus").
    population_2026 : int
        Registered population 1.1.2026 [persons].
    """

    code: str
    name: str
    fylke: str
    fylke_name: str
    population_2026: int

    @property
    def display_name(self) -> str:
        """The Norwegian name alone ("Oslo" for "Oslo-Oslove"); see :func:`norwegian_name`."""
        return norwegian_name(self.name)

    def __str__(self) -> str:
        return f"{self.display_name} ({self.code})"


def _check_codes(values: pd.Series, source: str, field: str, width: int) -> None:
    bad = values[~values.str.fullmatch(rf"\d{{{width}}}")]
    if len(bad):
        raise InputError(source, field, f"{bad.iloc[0]!r} is not a {width}-digit code given as text")


@lru_cache(maxsize=None)
def _kommuner_table() -> pd.DataFrame:
    source = "data/kommuner.csv"
    df = pd.read_csv(data_path(*KOMMUNER_FILE), dtype=str, keep_default_na=False)
    if list(df.columns) != KOMMUNE_COLUMNS:
        raise InputError(source, "header", f"columns are {list(df.columns)}; expected {KOMMUNE_COLUMNS}")
    _check_codes(df["kommune"], source, "kommune", 4)
    _check_codes(df["fylke"], source, "fylke", 2)
    dup = df["kommune"][df["kommune"].duplicated()]
    if len(dup):
        raise InputError(source, "kommune", f"{dup.iloc[0]!r} occurs more than once")
    mismatch = df[df["kommune"].str[:2] != df["fylke"]]
    if len(mismatch):
        row = mismatch.iloc[0]
        raise InputError(
            source, "fylke", f"kommune {row['kommune']} has fylke {row['fylke']!r}; expected its first two digits"
        )
    if not df["population_2026"].str.fullmatch(r"\d+").all():
        raise InputError(source, "population_2026", "expected whole numbers of persons")
    df["population_2026"] = df["population_2026"].astype("int64")
    df["display_name"] = df["name"].map(norwegian_name)
    return df.sort_values("kommune").reset_index(drop=True)


@lru_cache(maxsize=None)
def _changes_table() -> pd.DataFrame:
    source = "data/kommune_changes.csv"
    df = pd.read_csv(data_path(*CHANGES_FILE), dtype=str, keep_default_na=False)
    if list(df.columns) != CHANGE_COLUMNS:
        raise InputError(source, "header", f"columns are {list(df.columns)}; expected {CHANGE_COLUMNS}")
    _check_codes(df["old_code"], source, "old_code", 4)
    _check_codes(df["new_code"], source, "new_code", 4)
    if not df["change_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all():
        raise InputError(source, "change_date", "expected ISO dates YYYY-MM-DD")
    bad = df[~df["change"].isin(CHANGE_KINDS)]
    if len(bad):
        raise InputError(
            source, f"change (row {bad.index[0] + 2})", f"{bad['change'].iloc[0]!r} is not one of {list(CHANGE_KINDS)}"
        )
    dup = df.duplicated(["old_code", "new_code", "change_date"])
    if dup.any():
        row = df[dup].iloc[0]
        raise InputError(
            source, f"row {df[dup].index[0] + 2}",
            f"{row['old_code']} -> {row['new_code']} on {row['change_date']} is listed twice",
        )
    return df


def all_kommuner() -> pd.DataFrame:
    """The 357 kommuner of the 2024 numbering, sorted by code.

    Returns
    -------
    pandas.DataFrame
        Columns ``kommune`` (code, str), ``name``, ``fylke`` (str), ``fylke_name``,
        ``population_2026`` [persons, int] and ``display_name`` (Norwegian name alone).
        A fresh copy on every call, so callers may modify it.
    """
    return _kommuner_table().copy()


def kommune_changes() -> pd.DataFrame:
    """The change table ``data/kommune_changes.csv`` (all columns text), as a fresh copy."""
    return _changes_table().copy()


# --------------------------------------------------------------------------------------
# Chains of changes
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Edge:
    new_code: str
    date: str
    change: str
    old_name: str
    new_name: str


@lru_cache(maxsize=1)
def _current_kommuner() -> dict[str, Kommune]:
    """The 357 kommuner of 2024 by code (built once; cheaper than the full name index)."""
    return {r.kommune: Kommune(r.kommune, r.name, r.fylke, r.fylke_name, int(r.population_2026))
            for r in _kommuner_table().itertuples(index=False)}


class _Index:
    """Everything the lookups need, built once from the two tables."""

    def __init__(self) -> None:
        self.current: dict[str, Kommune] = dict(_current_kommuner())
        changes = _changes_table()
        self.edges: dict[str, list[_Edge]] = {}
        self.code_names: dict[str, str] = {}  # last name known for a non-current code
        for r in changes.itertuples(index=False):
            self.code_names.setdefault(r.old_code, r.old_name)
            self.code_names[r.new_code] = r.new_name
            if r.old_code == r.new_code:
                # The kommune that kept its code in a merger (1103 Stavanger 2020): the code
                # carries on, so there is nothing to follow.
                continue
            self.edges.setdefault(r.old_code, []).append(
                _Edge(r.new_code, r.change_date, r.change, r.old_name, r.new_name)
            )
        self._successors: dict[str, tuple[str, ...]] = {}

        # Name indexes: key -> codes. Current names point at current codes; historical names
        # (old_name and new_name of the change table) at the code they carried then.
        self.current_names: dict[str, dict[str, set[str]]] = {"strict": {}, "loose": {}}
        self.old_names: dict[str, dict[str, set[str]]] = {"strict": {}, "loose": {}}
        for k in self.current.values():
            variants = _name_variants(k.name) | {f"{k.display_name} ({k.fylke_name})"}
            self._add(self.current_names, variants, k.code)
        for r in changes.itertuples(index=False):
            self._add(self.old_names, _name_variants(r.old_name), r.old_code)
            self._add(self.old_names, _name_variants(r.new_name), r.new_code)

        # Suggestions for typos: current Norwegian names and unambiguous old names.
        self.suggestions: dict[str, str] = {}
        for k in sorted(self.current.values(), key=lambda k: k.code):
            self.suggestions.setdefault(_loose(_fold(k.display_name)), str(k))
        for key, codes in self.old_names["loose"].items():
            if key in self.suggestions or len(codes) != 1:
                continue
            (code,) = codes
            succ = self.successors(code)
            if len(succ) == 1 and code not in self.current:
                now = self.current[succ[0]]
                self.suggestions[key] = f"{self.code_names[code]} (nå {now.display_name}, {now.code})"

    @staticmethod
    def _add(index: dict[str, dict[str, set[str]]], names: set[str], code: str) -> None:
        for name in names:
            strict = _fold(name)
            if not strict:
                continue
            index["strict"].setdefault(strict, set()).add(code)
            index["loose"].setdefault(_loose(strict), set()).add(code)

    def successors(self, code: str) -> tuple[str, ...]:
        """Current codes reached from ``code`` by following every change (sorted)."""
        if code not in self._successors:
            self._successors[code] = tuple(sorted(self._follow(code, "", (code,))))
        return self._successors[code]

    def _follow(self, code: str, after: str, path: tuple[str, ...]) -> set[str]:
        if code not in self.edges:
            if code in self.current:
                return {code}
            raise InputError(
                "data/kommune_changes.csv", "new_code",
                f"chain {' -> '.join(path)} ends in {code}, which is not a 2024 kommune in data/kommuner.csv",
            )
        out: set[str] = set()
        for edge in self.edges[code]:
            if edge.date <= after:
                raise InputError(
                    "data/kommune_changes.csv", "change_date",
                    f"chain {' -> '.join(path)} goes back in time at {code} ({edge.date} <= {after}); "
                    "a code may not be reused",
                )
            out |= self._follow(edge.new_code, edge.date, path + (edge.new_code,))
        return out

    def first_split(self, code: str) -> tuple[str, _Edge] | None:
        """The first split on the way from ``code`` to the present, as (split code, an edge)."""
        todo = [code]
        while todo:
            c = todo.pop(0)
            edges = self.edges.get(c, [])
            for edge in edges:
                if edge.change == "split":
                    return c, edge
            todo.extend(e.new_code for e in edges)
        return None

    def name_of(self, code: str) -> str:
        if code in self.current:
            return self.current[code].display_name
        return norwegian_name(self.code_names.get(code, code))


@lru_cache(maxsize=None)
def _index() -> _Index:
    return _Index()


# --------------------------------------------------------------------------------------
# Lookups
# --------------------------------------------------------------------------------------
def _join_no(items: list[str], last: str = "og") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def _date_no(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{int(day)}.{int(month)}.{year}"


def _split_error(idx: _Index, code: str, label: str) -> KommuneError:
    succ = list(idx.successors(code))
    listed = _join_no([f"{c} {idx.name_of(c)}" for c in succ])
    found = idx.first_split(code)
    if found is None or found[0] == code:
        when = f" {_date_no(found[1].date)}" if found else ""
        msg = f"{label} ble delt{when} og har ingen entydig etterfølger: {listed}; oppgi et av de nye kommunenumrene"
    else:
        split_code, edge = found
        msg = (
            f"{label} har ingen entydig etterfølger fordi {split_code} {idx.name_of(split_code)} "
            f"ble delt {_date_no(edge.date)}; området tilsvarer nå {listed}; oppgi et av de nye kommunenumrene"
        )
    err = KommuneError(msg)
    err.candidates = succ
    return err


def _normalize_code(value) -> str | None:
    """``301``, ``"301"``, ``" 0301 "`` -> ``"0301"``; anything else -> None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        value = str(int(value))
    if isinstance(value, str):
        m = _CODE_TEXT.match(value)
        if m:
            return m.group(1).zfill(4)
    return None


def _from_code(idx: _Index, code: str) -> Kommune:
    if code in idx.current:
        return idx.current[code]
    if code not in idx.edges:
        raise KommuneError(
            f"ukjent kommunenummer {code!r}: finnes verken blant kommunene fra 2024 eller i "
            "kommuneendringene 1988–2024 i kommunelista i planmodel"
        )
    succ = idx.successors(code)
    if len(succ) > 1:
        raise _split_error(idx, code, f"kommunenummer {code} ({idx.name_of(code)})")
    return idx.current[succ[0]]


def _ambiguous_error(query: str, candidates: list[str], idx: _Index) -> KommuneError:
    listed = ", ".join(
        f"{idx.current[c].display_name} ({c}, {idx.current[c].fylke_name})" for c in candidates
    )
    example = idx.current[candidates[0]]
    err = KommuneError(
        f"kommunenavnet {query!r} er tvetydig: {listed}; oppgi kommunenummer eller navn med "
        f"fylke, f.eks. '{example.display_name} ({example.fylke_name})'"
    )
    err.candidates = list(candidates)
    return err


def _from_old_name(idx: _Index, query: str, old_codes: set[str]) -> Kommune:
    by_successors: dict[tuple[str, ...], list[str]] = {}
    for code in sorted(old_codes):
        by_successors.setdefault(idx.successors(code), []).append(code)
    if len(by_successors) == 1:
        ((succ, codes),) = by_successors.items()
        if len(succ) == 1:
            return idx.current[succ[0]]
        # Several codes of one lineage (1613 -> 5012 Snillfjord): report the latest one.
        latest = max(codes, key=lambda c: max(e.date for e in idx.edges[c]))
        raise _split_error(idx, latest, f"kommunen {query!r} ({latest} {idx.name_of(latest)})")
    parts = []
    for succ, codes in by_successors.items():
        now = _join_no([f"{c} {idx.name_of(c)}" for c in succ], "/")
        parts.extend(f"{c} {idx.code_names.get(c, c)} (nå {now})" for c in codes)
    err = KommuneError(f"kommunenavnet {query!r} er tvetydig: {'; '.join(parts)}; oppgi kommunenummer")
    err.candidates = sorted({c for succ in by_successors for c in succ})
    raise err


def _from_name(idx: _Index, query: str) -> Kommune | None:
    keys = [_fold(query)]
    if keys[0].endswith(" kommune"):
        keys.append(keys[0][: -len(" kommune")])
    for level in ("strict", "loose"):
        for key in keys:
            k = key if level == "strict" else _loose(key)
            codes = idx.current_names[level].get(k)
            if codes:
                if len(codes) > 1:
                    raise _ambiguous_error(query, sorted(codes), idx)
                return idx.current[next(iter(codes))]
            old = idx.old_names[level].get(k)
            if old:
                return _from_old_name(idx, query, old)
    return None


def resolve_kommune(query: str | int) -> Kommune:
    """Find a 2024 kommune from a code or name, current or historical.

    Parameters
    ----------
    query : str or int
        A kommunenummer of 2024 ("3201"; leading zeros optional: 301, "301" = "0301"),
        an older kommunenummer ("3024" or "0219" = Bærum), a current name in any case and
        with or without Norwegian letters ("bærum", "Baerum", "BÆRUM"), a Sami/Kven form
        ("Oslove"), a name with fylke to tell namesakes apart ("Våler (Østfold)"), or the
        name of a kommune that was merged ("Røyken" -> Asker).

    Returns
    -------
    Kommune
        The kommune of the 2024 numbering.

    Raises
    ------
    KommuneError
        If the query is unknown (the message suggests close names), names several
        kommuner ("Våler", "Herøy"), or is a kommune that was split and so has no single
        successor ("1507" Ålesund). The error's ``candidates`` attribute, where set, lists
        the possible codes.
    """
    code = _normalize_code(query)
    if code is not None:
        current = _current_kommuner()
        if code in current:  # the common case: no need to build the name index
            return current[code]
        return _from_code(_index(), code)
    idx = _index()
    if not isinstance(query, str):
        raise KommuneError(
            f"ugyldig kommune {query!r}: forventet kommunenummer (tekst eller heltall) eller kommunenavn"
        )
    if not _fold(query):
        raise KommuneError(
            f"ugyldig kommune {query!r}: oppgi kommunenummer (f.eks. '3201') eller navn (f.eks. 'Bærum')"
        )
    found = _from_name(idx, query)
    if found is not None:
        return found
    close = difflib.get_close_matches(_loose(_fold(query)), list(idx.suggestions), n=3, cutoff=0.75)
    if close:
        labels = list(dict.fromkeys(idx.suggestions[c] for c in close))
        raise KommuneError(f"ukjent kommune {query!r}; mente du {_join_no(labels, 'eller')}?")
    raise KommuneError(
        f"ukjent kommune {query!r}; oppgi kommunenummer (f.eks. '3201') eller navn (f.eks. 'Bærum')"
    )


def successors(old_code: str | int) -> list[str]:
    """Kommunenummer of 2024 that an older (or current) kommunenummer became.

    Parameters
    ----------
    old_code : str or int
        Any kommunenummer in ``data/kommuner.csv`` or ``data/kommune_changes.csv``.

    Returns
    -------
    list of str
        Sorted current codes: one for a renumbered or merged kommune (``"0219"`` ->
        ``["3201"]``), several for a split one (``"1507"`` -> ``["1508", "1580"]``), the
        code itself for a current kommune.

    Raises
    ------
    KommuneError
        If the code is in neither table.
    """
    idx = _index()
    code = _normalize_code(old_code)
    if code is None or (code not in idx.current and code not in idx.edges):
        raise KommuneError(
            f"ukjent kommunenummer {old_code!r}: finnes verken blant kommunene fra 2024 eller i "
            "kommuneendringene 1988–2024 i kommunelista i planmodel"
        )
    return list(idx.successors(code))


# --------------------------------------------------------------------------------------
# Recoding tables
# --------------------------------------------------------------------------------------
def map_to_current(
    df: pd.DataFrame,
    code_col: str = "kommune",
    how: str | None = "sum",
    split: str = "error",
    values: str | list[str] | None = None,
) -> pd.DataFrame:
    """Recode a tidy table from older kommunenummer to those of 2024.

    Parameters
    ----------
    df : pandas.DataFrame
        Tidy table with one kommunenummer per row in ``code_col`` (text such as "3024";
        integers such as 301 are accepted and written as "0301").
    code_col : str
        Column holding the kommunenummer.
    how : {"sum", None}
        ``"sum"``: rows that end up with the same keys (e.g. Asker, Røyken and Hurum in
        the same year, age and sex) are added up, so the result has one row per key.
        ``None``: only recode the column, keeping every row.
    split : {"error", "drop"}
        What to do with codes of split kommuner, whose rows cannot be divided between
        the successors: ``"error"`` raises :class:`~planmodel.core.errors.KommuneError`;
        ``"drop"`` leaves those rows out and lists their codes in
        ``result.attrs["dropped"]``.
    values : str or list of str, optional
        Columns to add up with ``how="sum"``. Default: every numeric column except
        ``code_col`` and the named dimensions (:data:`DIMENSIONS`: year, age, ...);
        all other columns are keys.

    Returns
    -------
    pandas.DataFrame
        A new table with the same columns, codes of 2024 in ``code_col``, in order of
        first appearance. ``attrs["dropped"]`` lists the dropped codes (empty if none).

    Raises
    ------
    KommuneError
        For codes found in neither table, or split kommuner with ``split="error"``.
    InputError
        For a missing column or an unknown option.
    """
    if code_col not in df.columns:
        raise InputError("argument df", code_col, f"column is missing; columns are {list(df.columns)}")
    if how not in ("sum", None):
        raise InputError("argument how", "how", f"{how!r} is not an option; expected 'sum' or None")
    if split not in ("error", "drop"):
        raise InputError("argument split", "split", f"{split!r} is not an option; expected 'error' or 'drop'")

    idx = _index()
    mapping: dict[object, str] = {}
    unknown, split_codes = [], []
    for raw in pd.unique(df[code_col]):
        code = _normalize_code(raw)
        if code is None or (code not in idx.current and code not in idx.edges):
            unknown.append(repr(raw) if code is None else code)
            continue
        succ = idx.successors(code)
        if len(succ) > 1:
            split_codes.append(code)
        mapping[raw] = succ[0] if len(succ) == 1 else code
    if unknown:
        raise KommuneError(
            f"{code_col}: ukjente kommunenummer {', '.join(sorted(unknown)[:10])}"
            f"{' …' if len(unknown) > 10 else ''}: finnes verken blant kommunene fra 2024 eller i kommuneendringene "
            "1988–2024 i kommunelista i planmodel"
        )
    split_codes = sorted(set(split_codes))
    if split_codes and split == "error":
        described = "; ".join(
            f"{c} ({idx.name_of(c)}) -> {', '.join(f'{s} {idx.name_of(s)}' for s in idx.successors(c))}"
            for c in split_codes
        )
        err = KommuneError(
            f"{code_col}: delte kommuner kan ikke omkodes entydig: {described}; "
            "bruk split='drop' for å utelate disse radene"
        )
        err.candidates = split_codes
        raise err

    out = df.copy()
    out[code_col] = out[code_col].map(mapping).astype(str)
    if split_codes:
        out = out[~out[code_col].isin(split_codes)]
    if how == "sum":
        out = _sum_by_keys(out, code_col, values)
    out = out.reset_index(drop=True)
    out.attrs = {**df.attrs, "dropped": split_codes}
    return out


def _sum_by_keys(df: pd.DataFrame, code_col: str, values: str | list[str] | None) -> pd.DataFrame:
    if values is None:
        values = [
            c for c in df.columns
            if c != code_col and c not in DIMENSIONS and pd.api.types.is_numeric_dtype(df[c])
        ]
        if not values:
            raise InputError(
                "argument df", "values",
                f"no numeric value column to add up among {list(df.columns)}; name it with values=",
            )
    elif isinstance(values, str):
        values = [values]
    missing = [c for c in values if c not in df.columns or c == code_col]
    if missing:
        raise InputError(
            "argument values", str(missing[0]), f"is not a value column of df; columns are {list(df.columns)}"
        )
    keys = [c for c in df.columns if c not in values]
    summed = df.groupby(keys, sort=False, dropna=False, observed=True)[values].sum(min_count=1)
    return summed.reset_index()[list(df.columns)]


# --------------------------------------------------------------------------------------
# Fylker and lists of kommuner
# --------------------------------------------------------------------------------------
#: Words that mean every kommune in :func:`select_kommuner`.
ALL_WORDS = ("all", "alle")


def fylker() -> pd.DataFrame:
    """The 15 fylker of 2024: columns ``fylke`` (two-digit number, str) and ``fylke_name``."""
    return all_kommuner()[["fylke", "fylke_name"]].drop_duplicates().sort_values("fylke").reset_index(drop=True)


def select_kommuner(spec: str) -> list[str]:
    """The kommuner a batch run names: ``all`` (or ``alle``), one fylke by number or name
    (``"46"``, ``"Vestland"``), or a comma-separated list of kommune numbers and names
    (``"1515, Bærum, 0301"``).

    Returns
    -------
    list of str
        Kommunenummer of 2024, in the order given (a fylke's and all in number order),
        without repeats.

    Raises
    ------
    InputError
        Unknown fylke or kommune, or an empty list (the message names the valid fylker).
    """
    text = str(spec).strip()
    table = all_kommuner()
    if _fold(text) in ALL_WORDS:
        return list(table["kommune"])
    fy = fylker()
    by_key = {_fold(c): c for c in fy["fylke"]} | {_fold(str(int(c))): c for c in fy["fylke"]} \
        | {_fold(n): c for n, c in zip(fy["fylke_name"], fy["fylke"])}
    if "," not in text and _fold(text) in by_key and not (len(text) == 4 and text.isdigit()):
        return list(table.loc[table["fylke"] == by_key[_fold(text)], "kommune"])
    parts = [p.strip() for p in text.split(",")]
    if not any(parts):
        raise InputError("--kommuner", text, "ingen kommuner oppgitt; bruk all, et fylke (nummer eller navn) "
                                             "eller en liste med kommunenummer eller -navn skilt med komma")
    codes = []
    for part in parts:
        if not part:
            continue
        if len(parts) == 1 and part.isdigit() and len(part) <= 2:
            raise InputError("--kommuner", part, "ukjent fylkesnummer; fylkene er "
                             + ", ".join(f"{c} {n}" for c, n in zip(fy["fylke"], fy["fylke_name"])))
        try:
            codes.append(resolve_kommune(part).code)
        except KommuneError as exc:
            hint = "" if len(parts) > 1 else "; heller ikke et fylke (" + ", ".join(fy["fylke_name"]) + ")"
            raise InputError("--kommuner", part, f"{exc}{hint}") from None
    return list(dict.fromkeys(codes))
