"""Målstruktur (goal hierarchy) of a kommuneplan, and the tiltaksmatrise that links tiltak to it.

A kommuneplan's samfunnsdel sets a few **hovedmål**; each sector meets them through
**hovedgrep**, and each hovedgrep has **delmål** ("Delmål – vi vil: ..."). Tiltak (measures) in
the handlingsprogram name the delmål they serve, so every krone in the økonomiplan can be traced
up to a hovedmål::

    hovedmål  <-  hovedgrep (per sektor)  <-  delmål  <-  tiltak (ansvar, tidspunkt)

The shipped example is Bærum kommune's kommuneplan (``data/mal/baerum_kommuneplan.yaml``); a
kommune's own file with the same schema can be loaded with :func:`load_goals`.

Three layers:

- :func:`load_goals` reads and validates a goal file (strict YAML; every error names the file,
  the key path and what was expected) into a :class:`GoalHierarchy`;
- :func:`check_links` checks that every tiltak's delmål exist;
- :func:`tiltaksmatrise`, :func:`tiltaksmatrise_totals`, :func:`delmal_uten_tiltak` and
  :func:`malstruktur` build the tables a planner reads (Norwegian column names).

Tiltak are read by duck typing: any object with ``id``, ``title``, ``sector``, ``delmal`` (ids),
``ansvar`` (one responsible unit or leader), ``start`` and ``end`` (year or None) and ``status``
("forslag" or "vedtatt") will do, e.g. :class:`planmodel.measures.Measure`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, NamedTuple

import pandas as pd

from planmodel.core.paths import data_path
from planmodel.core.errors import InputError
from planmodel.core.io import write_text_atomic
from planmodel.core.schema import FileModel, Integer, Rules, Text, one_or_per_key, Version, validate
from planmodel.core.yamlio import load_strict, read_input_text
from planmodel.inputs.catalogue import load_catalogue

SCHEMA_VERSION = 1
#: Shipped example: Bærum kommune, kommuneplanens samfunnsdel.
DEFAULT_FILE = ("mal", "baerum_kommuneplan.yaml")
#: Hovedmål, hovedgrep and sector ids: ASCII, no dots (a dot separates a delmål's number).
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
#: Years ``tiltaksmatrise`` accepts as cost columns.
_YEAR_RANGE = (1900, 2200)

MATRIX_COLUMNS = ["Hovedmål", "Sektor", "Hovedgrep", "Delmål", "Tiltak", "Ansvar", "Tidspunkt", "Status"]
DOUBLE_COUNT_NOTE = ("Et tiltak som er knyttet til flere delmål står på én rad per delmål. Summer ikke "
                     "kostnadskolonnene over radene (da telles tiltaket flere ganger); bruk "
                     "tiltaksmatrise_totals().")


# ------------------------------------------------------------------------------ data classes

@dataclass(frozen=True)
class Hovedmal:
    """A hovedmål (main goal) of the kommuneplan.

    Attributes
    ----------
    id : str
        Id, e.g. ``"HM1"``.
    text : str
        The plan's wording.
    short : str
        Short label for tables (ours unless the plan gives one); falls back to ``text``.
    """

    id: str
    text: str
    short: str = ""

    @property
    def label(self) -> str:
        """``"HM1 Bærekraftige tjenester"``: id and short label."""
        return f"{self.id} {self.short or self.text}"


@dataclass(frozen=True)
class Hovedgrep:
    """A hovedgrep (main approach) of one sector, serving one or more hovedmål.

    Attributes
    ----------
    id : str
        Id, e.g. ``"BU1"``.
    sector : str
        Plan sector id, a key of :attr:`GoalHierarchy.sectors`.
    title : str
        The plan's heading, e.g. ``"Mestring og økt selvhjulpenhet"``.
    hovedmal : tuple of str
        Ids of the hovedmål it serves.
    reference : str
        Where the plan lists its delmål (chapter, page).
    note : str
        Remarks on the transcription.
    """

    id: str
    sector: str
    title: str
    hovedmal: tuple[str, ...]
    reference: str = ""
    note: str = ""

    @property
    def label(self) -> str:
        return f"{self.id} {self.title}"


@dataclass(frozen=True)
class Delmal:
    """A delmål (sub-goal, "vi vil: ...") under one hovedgrep.

    Attributes
    ----------
    id : str
        ``"<hovedgrep id>.<number>"``, e.g. ``"BO3.2"``.
    hovedgrep : str
        Id of its hovedgrep.
    text : str
        The plan's wording (lower-case start, continues "vi vil ...").
    note : str
        Remarks on the transcription (e.g. an inferred placement).
    """

    id: str
    hovedgrep: str
    text: str
    note: str = ""

    @property
    def number(self) -> int:
        """The delmål's number within its hovedgrep (``3`` for ``"BU2.3"``)."""
        return int(self.id.rsplit(".", 1)[1])

    @property
    def label(self) -> str:
        return f"{self.id} {self.text}"


@dataclass(frozen=True)
class Plan:
    """The plan a goal hierarchy comes from: name and period [years, inclusive]."""

    name: str
    first_year: int
    last_year: int

    @property
    def period(self) -> str:
        """``"2017–2035"``."""
        return f"{self.first_year}–{self.last_year}"


@dataclass(frozen=True)
class RetiredId:
    """A delmål id that was once handed out and must not be reused."""

    id: str
    replaced_by: str
    reason: str


class GoalPath(NamedTuple):
    """A delmål's way up the hierarchy, as texts (see :meth:`GoalHierarchy.path`)."""

    hovedmal: tuple[str, ...]
    sector: str
    hovedgrep: str
    delmal: str


@dataclass(frozen=True)
class GoalHierarchy:
    """Hovedmål -> sektor -> hovedgrep -> delmål of one kommuneplan.

    The mappings keep the plan's order (sector, hovedgrep, delmål as listed in the file). Treat
    the object as read-only: it may be shared between tables and widgets.

    Attributes
    ----------
    source : str
        Attribution text to show with anything built from the plan.
    kommune : str
        Kommunenummer (4 digits, text), e.g. ``"3201"``.
    plan : Plan
        Name and period of the plan.
    hovedmal : dict of str to Hovedmal
    sectors : dict of str to str
        Plan sector id -> Norwegian name.
    sector_map : dict of str to tuple of str
        Plan sector id -> the model's budget sectors (service catalogue sectors) it covers.
    hovedgrep : dict of str to Hovedgrep
    delmal : dict of str to Delmal
    retired : dict of str to RetiredId
        Delmål ids no longer in use, with their replacement.
    file : str
        The file the hierarchy was read from (used in messages).
    """

    source: str
    kommune: str
    plan: Plan
    hovedmal: dict[str, Hovedmal]
    sectors: dict[str, str]
    sector_map: dict[str, tuple[str, ...]]
    hovedgrep: dict[str, Hovedgrep]
    delmal: dict[str, Delmal]
    retired: dict[str, RetiredId] = field(default_factory=dict)
    file: str = ""

    def hovedgrep_of(self, sector: str) -> tuple[Hovedgrep, ...]:
        """The hovedgrep of a plan sector, in plan order."""
        self._require(sector, self.sectors, "sektor")
        return tuple(h for h in self.hovedgrep.values() if h.sector == sector)

    def delmal_of(self, hovedgrep_id: str) -> tuple[Delmal, ...]:
        """The delmål of a hovedgrep, in plan order."""
        self._require(hovedgrep_id, self.hovedgrep, "hovedgrep")
        return tuple(d for d in self.delmal.values() if d.hovedgrep == hovedgrep_id)

    def hovedmal_of(self, delmal_id: str) -> tuple[Hovedmal, ...]:
        """The hovedmål a delmål serves (through its hovedgrep)."""
        self._require(delmal_id, self.delmal, "delmål")
        return tuple(self.hovedmal[h] for h in self.hovedgrep[self.delmal[delmal_id].hovedgrep].hovedmal)

    def path(self, delmal_id: str) -> GoalPath:
        """Texts from the top down to a delmål: (hovedmål texts, sector name, hovedgrep title, delmål).

        Examples
        --------
        >>> load_goals().path("BO3.2").hovedgrep
        'Effektive tjenester'
        """
        self._require(delmal_id, self.delmal, "delmål")
        d = self.delmal[delmal_id]
        hg = self.hovedgrep[d.hovedgrep]
        return GoalPath(tuple(h.text for h in self.hovedmal_of(delmal_id)), self.sectors[hg.sector],
                        hg.title, d.text)

    def order(self, delmal_id: str) -> tuple[int, int, int]:
        """Sort key of a delmål in plan order: (sector, hovedgrep, delmål number)."""
        d = self.delmal[delmal_id]
        hg = self.hovedgrep[d.hovedgrep]
        return (list(self.sectors).index(hg.sector), list(self.hovedgrep).index(hg.id), d.number)

    def _require(self, key: str, table: Mapping, what: str) -> None:
        if key not in table:
            raise KeyError(f"{self.file or 'målstruktur'}: ukjent {what} {key!r}"
                           f"{_did_you_mean(key, table)}; gyldige: {_some(table)}")


# ------------------------------------------------------------------------------ loading

def load_goals(path: str | Path | None = None, model_sectors: Iterable[str] | None = None) -> GoalHierarchy:
    """Load and validate a goal hierarchy (default: Bærum's kommuneplan, shipped with planmodel).

    Everything is validated before anything is built: unknown or duplicate keys, unknown sector or
    hovedmål references, duplicate ids, and delmål ids that are not ``"<hovedgrep>.<number>"``
    raise :class:`planmodel.core.errors.InputError` naming the file, the key path (with line) and what
    was expected.

    Parameters
    ----------
    path : str or Path, optional
        A goal file with the schema of ``data/mal/baerum_kommuneplan.yaml``.
    model_sectors : iterable of str, optional
        The model's budget sectors that ``sectors.*.model_sectors`` may name. Default: the sectors
        of the shipped service catalogue (:func:`planmodel.services.load_catalogue`).

    Returns
    -------
    GoalHierarchy
    """
    if model_sectors is None:
        model_sectors = list(load_catalogue().sectors)
    if path is None:
        file, name = data_path(*DEFAULT_FILE), "data/" + "/".join(DEFAULT_FILE)
    else:
        file = name = str(path)
    raw = load_strict(name, text=read_input_text(file, name))
    return parse_goals(raw, name, model_sectors)


#: The kommune the shipped målstruktur belongs to (Bærum): its default målstruktur.
DEFAULT_KOMMUNE = "3201"


def default_goals_file(kommune: str) -> Path | None:
    """The målstruktur a kommune gets when its scenario names none: Bærum's shipped file for
    Bærum (``"3201"``), none for every other kommune (its tiltak are shown without goal links)."""
    return data_path(*DEFAULT_FILE) if str(kommune) == DEFAULT_KOMMUNE else None


def scenario_goals(scenario) -> GoalHierarchy | None:
    """The målstruktur of a scenario: its ``goals`` file, else :func:`default_goals_file` of its
    kommune; ``None`` when the kommune has none.

    ``scenario`` is read by duck typing (``goals``, ``kommune``, ``catalogue``), e.g. a
    :class:`planmodel.inputs.scenario.PlanScenario`.
    """
    path = getattr(scenario, "goals", None)  # None below: the shipped file, as load_goals names it
    if path is None and default_goals_file(getattr(scenario, "kommune", "")) is None:
        return None
    return load_goals(path, list(load_catalogue(getattr(scenario, "catalogue", None)).sectors))


#: An empty målstruktur with one example of each level (written by :func:`write_goals_template`).
TEMPLATE_TEXT = """# Målstruktur for {name}: kommuneplanens hovedmål, hovedgrep og delmål.
#
# Fyll inn kommunens egne mål med planens ord, og pek på filen fra scenarioet:
#   goals: {file}
# Tiltak knyttes til delmålene med delmål-id (for eksempel HG1.1) i tiltaksmalen (kolonnen delmål).
# Regler: id-er begynner med en bokstav og har bare bokstaver, sifre og _; en delmål-id er
# "<hovedgrep-id>.<nummer>". sectors.*.model_sectors er modellens sektorer: {sectors}.
# Se docs/scenarier.md (nøkkelen goals).

schema_version: 1
source: "Kilde: {name}, kommuneplanens samfunnsdel"
kommune: "{kommune}"
plan:
  name: "Kommuneplanens samfunnsdel"
  first_year: {first}
  last_year: {last}

hovedmal:
  HM1:
    text: "Eksempel: gode og bærekraftige tjenester for alle innbyggere"
    short: "Bærekraftige tjenester"

sectors:
  helse_og_omsorg:
    name: "Helse og omsorg"
    model_sectors: [helse_og_omsorg]

hovedgrep:
  HG1:
    sector: helse_og_omsorg
    title: "Eksempel: mestring og selvhjulpenhet"
    hovedmal: [HM1]
    delmal:
      HG1.1: "eksempel: flere eldre skal kunne bo hjemme lenger"
"""


def write_goals_template(path: str | Path, kommune: str = "0000", name: str | None = None,
                         first_year: int = 2026, last_year: int = 2038) -> Path:
    """Write an empty målstruktur file with one example hovedmål, sector, hovedgrep and delmål.

    The file is valid as written (:func:`load_goals` reads it), so a kommune can start from it
    and replace the examples. Written atomically; an existing file is not overwritten.

    Parameters
    ----------
    path : str or Path
        The ``.yaml`` file to write.
    kommune : str
        Kommune number (four digits) written into the file.
    name : str, optional
        The kommune's name for the comments and ``source`` (default: ``"Kommunen"``).
    first_year, last_year : int
        The plan period.

    Raises
    ------
    planmodel.core.errors.InputError
        If the file exists already, or its folder does not.
    """
    path = Path(path)
    if path.exists():
        raise InputError(str(path), "", "filen finnes allerede; velg et annet filnavn eller slett den først")
    if not path.parent.exists():
        raise InputError(str(path), "", f"mappen {path.parent} finnes ikke")
    if not re.fullmatch(r"\d{4}", str(kommune)):
        raise InputError("kommune", str(kommune), "forventet et kommunenummer med fire sifre, f.eks. \"1151\"")
    sectors = list(load_catalogue().sectors)
    text = TEMPLATE_TEXT.format(name=name or "Kommunen", kommune=kommune, file=path.name, sectors=", ".join(sectors),
                                first=first_year, last=last_year)
    parse_goals(load_strict(str(path), text=text), str(path), sectors)  # valid as written
    return write_text_atomic(path, text)


class _PlanEntry(FileModel):
    name: Text()
    first_year: Integer("et årstall", 1900, 2200)
    last_year: Integer("et årstall", 1900, 2200)


class _HovedmalEntry(FileModel):
    text: Text()
    short: Text() = ""


class _SectorEntry(FileModel):
    name: Text()
    model_sectors: list[Text()]


class _DelmalEntry(FileModel):
    text: Text()
    note: Text() = ""


class _HovedgrepEntry(FileModel):
    sector: Text()
    title: Text()
    hovedmal: list[Text()]
    delmal: dict[Text(), one_or_per_key(Text(), _DelmalEntry, "<tekst>", "<med merknad>")]
    reference: Text() = ""
    note: Text() = ""


class _RetiredEntry(FileModel):
    replaced_by: Text()
    reason: Text()


class GoalsFile(FileModel):
    """A goal hierarchy file (``data/mal/baerum_kommuneplan.yaml``)."""

    schema_version: Version(SCHEMA_VERSION)
    source: Text("kildehenvisning som vises med alt som bygger på planen")
    kommune: Text("kommunenummer i anførselstegn")
    plan: _PlanEntry
    hovedmal: dict[Text(), _HovedmalEntry]
    sectors: dict[Text(), _SectorEntry]
    hovedgrep: dict[Text(), _HovedgrepEntry]
    retired_delmal: dict[Text(), _RetiredEntry] = {}


def parse_goals(raw: Any, source: str, model_sectors: Iterable[str]) -> GoalHierarchy:
    """Validate the parsed YAML of a goal file and build the hierarchy (pure; see :func:`load_goals`).

    The schema (:class:`GoalsFile`) checks keys and types; the rules below check ids and what
    refers to what. Every error names the key path with its line."""
    f = validate(GoalsFile, raw, source)
    r = Rules(source, raw)
    model_sectors = list(model_sectors)
    r.check(bool(re.fullmatch(r"\d{4}", f.kommune)), ("kommune",),
            f"{f.kommune!r}: forventet et kommunenummer med fire sifre, f.eks. \"3201\"")
    r.check(f.plan.first_year <= f.plan.last_year, ("plan", "last_year"),
            f"{f.plan.last_year} er før first_year {f.plan.first_year}")
    plan = Plan(f.plan.name, f.plan.first_year, f.plan.last_year)
    seen: dict[str, str] = {}  # every id -> key path where it was defined, across all levels

    def new_id(key: str, loc: tuple, what: str) -> None:
        r.check(bool(_ID.match(key)), loc, f"{key!r}: en {what}-id er tekst som begynner med en bokstav og bare har "
                "bokstaver, sifre og _ (f.eks. HM1, BU2)")
        r.check(key not in seen, loc, f"id {key!r} finnes allerede ({seen.get(key)}); hver id skal være unik")
        seen[key] = r.where(loc)

    r.check(bool(f.hovedmal), ("hovedmal",), "forventet minst ett hovedmål")
    hovedmal = {}
    for hid, v in f.hovedmal.items():
        new_id(hid, ("hovedmal", hid), "hovedmål")
        hovedmal[hid] = Hovedmal(hid, v.text, v.short)
    r.check(bool(f.sectors), ("sectors",), "forventet minst én sektor")
    sectors, sector_map = {}, {}
    for sid, v in f.sectors.items():
        r.check(bool(_ID.match(sid)), ("sectors", sid),
                f"{sid!r}: en sektor-id er tekst med bokstaver, sifre og _ (f.eks. barn_og_unge)")
        r.check(bool(v.model_sectors), ("sectors", sid, "model_sectors"), "forventet minst én av modellens sektorer")
        for m in v.model_sectors:
            r.choice(m, model_sectors, ("sectors", sid, "model_sectors"))
        sectors[sid], sector_map[sid] = v.name, tuple(v.model_sectors)
    r.check(bool(f.hovedgrep), ("hovedgrep",), "forventet minst ett hovedgrep")
    hovedgrep: dict[str, Hovedgrep] = {}
    delmal: dict[str, Delmal] = {}
    for gid, v in f.hovedgrep.items():
        at = ("hovedgrep", gid)
        new_id(gid, at, "hovedgrep")
        r.choice(v.sector, sectors, at + ("sector",))
        r.check(bool(v.hovedmal), at + ("hovedmal",), "forventet minst ett hovedmål")
        for i, ref in enumerate(v.hovedmal):
            r.check(ref in hovedmal, at + ("hovedmal", i),
                    f"ukjent hovedmål {ref!r}{_did_you_mean(ref, hovedmal)}; gyldige: {', '.join(hovedmal)}")
            r.check(ref not in v.hovedmal[:i], at + ("hovedmal", i), f"hovedmål {ref!r} står to ganger")
        hovedgrep[gid] = Hovedgrep(id=gid, sector=v.sector, title=v.title, hovedmal=tuple(v.hovedmal),
                                   reference=v.reference, note=v.note)
        r.check(bool(v.delmal), at + ("delmal",), "forventet minst ett delmål")
        for did, dv in v.delmal.items():
            loc = at + ("delmal", did)
            r.check(did not in seen, loc, f"id {did!r} finnes allerede ({seen.get(did)}); hver id skal være unik")
            r.check(bool(re.fullmatch(re.escape(gid) + r"\.[1-9][0-9]*", did)), loc,
                    f"delmål-id {did!r} passer ikke til hovedgrepet; forventet '{gid}.<nummer>' "
                    f"(f.eks. '{gid}.1') fordi delmålet står under hovedgrep {gid}")
            seen[did] = r.where(loc)
            delmal[did] = Delmal(did, gid, dv) if isinstance(dv, str) else Delmal(did, gid, dv.text, dv.note)
    retired = {}
    for rid, v in f.retired_delmal.items():
        loc = ("retired_delmal", rid)
        r.check(rid not in delmal, loc, f"{rid!r} er et delmål i bruk og kan ikke samtidig være tatt ut av bruk")
        r.check(v.replaced_by in delmal, loc + ("replaced_by",),
                f"ukjent delmål {v.replaced_by!r}{_did_you_mean(v.replaced_by, delmal)}")
        retired[rid] = RetiredId(rid, v.replaced_by, v.reason)
    return GoalHierarchy(source=f.source, kommune=f.kommune, plan=plan, hovedmal=hovedmal, sectors=sectors,
                         sector_map=sector_map, hovedgrep=hovedgrep, delmal=delmal, retired=retired, file=source)


# ------------------------------------------------------------------------------ links and tables

def check_links(goals: GoalHierarchy, measures: Iterable | Mapping, source: str = "tiltak") -> None:
    """Check that every tiltak's delmål exist in the goal hierarchy.

    Parameters
    ----------
    goals : GoalHierarchy
    measures : iterable of measure objects, or mapping id -> measure
        Each with ``id`` and ``delmal`` (ids of the delmål it serves).
    source : str
        Name of the tiltak file or scenario, used in messages.

    Raises
    ------
    planmodel.core.errors.InputError
        On an unknown (or retired) delmål id, with the field ``measures.<id>.delmal``, the unknown
        id, a close match and a few valid ids; on a delmål listed twice for one tiltak, on a tiltak
        without delmål, and on two tiltak with the same id.
    """
    seen = set()
    for m in _measure_list(measures):
        field_ = f"measures.{m.id}.delmal"
        if m.id in seen:
            raise InputError(source, f"measures.{m.id}", "to tiltak har samme id")
        seen.add(m.id)
        ids = tuple(m.delmal)
        if not ids:
            raise InputError(source, field_, "et tiltak må knyttes til minst ett delmål")
        for i, did in enumerate(ids):
            if did in ids[:i]:
                raise InputError(source, field_, f"delmålet {did!r} står to ganger")
            if did in goals.retired:
                r = goals.retired[did]
                raise InputError(source, field_, f"delmål-id {did!r} er tatt ut av bruk; bruk {r.replaced_by!r} "
                                                 f"({goals.delmal[r.replaced_by].text}). Grunn: {r.reason}")
            if did not in goals.delmal:
                raise InputError(source, field_, f"ukjent delmål {did!r}{_did_you_mean(did, goals.delmal)}; "
                                                 f"gyldige er for eksempel {_examples(goals, did)} "
                                                 f"({len(goals.delmal)} delmål i {goals.file or 'målstrukturen'})")


def tidspunkt(start: int | None, end: int | None) -> str:
    """The 'Tidspunkt' column of a tiltaksmatrise from a tiltak's start and end year.

    ``(2027, 2030)`` -> ``"2027–2030"``; ``(2027, None)`` -> ``"fra 2027"``; ``(2027, 2027)`` ->
    ``"2027"``; ``(None, 2030)`` -> ``"til 2030"``; ``(None, None)`` -> ``"ikke satt"``.
    """
    if start is None and end is None:
        return "ikke satt"
    if start is None:
        return f"til {end}"
    if end is None:
        return f"fra {start}"
    return str(start) if start == end else f"{start}–{end}"


def tiltaksmatrise(goals: GoalHierarchy | None, measures: Iterable | Mapping, cost: pd.DataFrame | None = None) -> pd.DataFrame:
    """The tiltaksmatrise: one row per (delmål, tiltak) link, traced up to the hovedmål.

    Parameters
    ----------
    goals : GoalHierarchy or None
        None for a kommune without a målstruktur: one row per tiltak, empty goal columns and the
        tiltak's delmål as written in ``Delmål`` (not checked).
    measures : iterable of measure objects, or mapping id -> measure
        The chosen tiltak (see the module docstring for the attributes read).
    cost : pandas.DataFrame, optional
        Cost per tiltak and year [NOK 1000]: index = tiltak id, one column per year (int). Every
        tiltak must have a row. ``cost.attrs["units"]``, if set, is carried over.

    Returns
    -------
    pandas.DataFrame
        Index ``(delmal, measure)`` (ids). Columns ``Hovedmål`` (ids and short labels),
        ``Sektor``, ``Hovedgrep``, ``Delmål`` (id and text), ``Tiltak``, ``Ansvar``,
        ``Tidspunkt`` (see :func:`tidspunkt`), ``Status`` and, with ``cost``, one int column per
        year [NOK 1000]. Rows in plan order (sector, hovedgrep, delmål), tiltak in the given order
        within a delmål.

    Notes
    -----
    A tiltak linked to two delmål appears on two rows with the same cost, so **summing a cost
    column over the rows double counts**; :func:`tiltaksmatrise_totals` counts each tiltak once.
    The note is also in ``attrs["note"]``.
    """
    items = _measure_list(measures)
    if goals is None:  # no målstruktur: one row per tiltak, its delmål as written (free text, not checked)
        entries = [(", ".join(m.delmal), ("", "", "", ", ".join(m.delmal)), m) for m in items]
        attrs = {"source": "", "plan": "", "kommune": "", "hovedmal": {},
                 "note": "Ingen målstruktur: delmål står slik tiltaket oppgir dem, uten kontroll."}
        return _matrix(entries, cost, attrs, items)
    check_links(goals, items)
    links = [(goals.order(did), n, did, m) for n, m in enumerate(items) for did in m.delmal]
    links.sort(key=lambda x: (x[0], x[1]))
    entries = []
    for _, _, did, m in links:
        d = goals.delmal[did]
        hg = goals.hovedgrep[d.hovedgrep]
        entries.append((did, (", ".join(goals.hovedmal[h].label for h in hg.hovedmal), goals.sectors[hg.sector],
                              hg.label, d.label), m))
    return _matrix(entries, cost, _attrs(goals), items)


def _matrix(entries: list, cost: pd.DataFrame | None, attrs: dict, items: list) -> pd.DataFrame:
    """The tiltaksmatrise frame: ``entries`` (delmål key, (hovedmål, sektor, hovedgrep, delmål), tiltak),
    one row each, with the cost years when ``cost`` is given (it must have a row for every tiltak of
    ``items``)."""
    years = _cost_years(cost, [m.id for m in items])
    rows, index = [], []
    for key, (hovedmal, sektor, hovedgrep, delmal), m in entries:
        row = {"Hovedmål": hovedmal, "Sektor": sektor, "Hovedgrep": hovedgrep, "Delmål": delmal,
               "Tiltak": m.title, "Ansvar": m.ansvar,
               "Tidspunkt": tidspunkt(getattr(m, "start", None), getattr(m, "end", None)),
               "Status": getattr(m, "status", "")}
        for y, col in years:
            row[y] = float(cost.loc[m.id, col])
        rows.append(row)
        index.append((key, m.id))
    out = pd.DataFrame(rows, columns=MATRIX_COLUMNS + [y for y, _ in years],
                       index=pd.MultiIndex.from_tuples(index, names=["delmal", "measure"]))
    out.attrs.update(attrs)
    if years:
        out.attrs["units"] = cost.attrs.get("units", "NOK 1000")
    return out


def tiltaksmatrise_totals(matrise: pd.DataFrame) -> pd.DataFrame:
    """Cost per tiltak and year with each tiltak counted once, and their sum.

    Parameters
    ----------
    matrise : pandas.DataFrame
        Output of :func:`tiltaksmatrise` with ``cost`` given.

    Returns
    -------
    pandas.DataFrame
        Index: tiltak ids in first-appearance order, then ``"Sum"``. Columns ``Tiltak`` and one
        per year [NOK 1000, or ``matrise.attrs["units"]``].
    """
    years = [c for c in matrise.columns if isinstance(c, int)]
    if not years:
        raise InputError("tiltaksmatrise", "kolonner", "har ingen årskolonner med kostnader; "
                                                       "lag matrisen med tiltaksmatrise(..., cost=...)")
    per = matrise.reset_index().drop_duplicates("measure").set_index("measure")[["Tiltak"] + years]
    per.index.name = "measure"
    total = pd.DataFrame([{"Tiltak": "Sum (hvert tiltak telt én gang)", **per[years].sum().to_dict()}],
                         index=pd.Index(["Sum"], name="measure"))
    out = pd.concat([per, total])
    out.attrs.update({k: v for k, v in matrise.attrs.items() if k != "note"})
    return out


def delmal_uten_tiltak(goals: GoalHierarchy, measures: Iterable | Mapping) -> pd.DataFrame:
    """The delmål that none of the given tiltak serves, in plan order.

    Parameters
    ----------
    goals : GoalHierarchy
    measures : iterable of measure objects, or mapping id -> measure
        The chosen tiltak.

    Returns
    -------
    pandas.DataFrame
        Columns ``Sektor``, ``Hovedgrep`` (id and title), ``Delmål-id``, ``Delmål`` (text); one
        row per delmål without any tiltak.
    """
    items = _measure_list(measures)
    check_links(goals, items)
    served = {did for m in items for did in m.delmal}
    rows = []
    for did in sorted(goals.delmal, key=goals.order):
        if did in served:
            continue
        d = goals.delmal[did]
        hg = goals.hovedgrep[d.hovedgrep]
        rows.append({"Sektor": goals.sectors[hg.sector], "Hovedgrep": hg.label, "Delmål-id": did, "Delmål": d.text})
    out = pd.DataFrame(rows, columns=["Sektor", "Hovedgrep", "Delmål-id", "Delmål"])
    out.attrs.update(_attrs(goals))
    return out


def malstruktur(goals: GoalHierarchy) -> pd.DataFrame:
    """The whole goal hierarchy as a table, one row per delmål, in plan order.

    Returns
    -------
    pandas.DataFrame
        Index ``delmal`` (ids). Columns ``Hovedmål``, ``Sektor``, ``Hovedgrep``, ``Delmål``.
    """
    rows = []
    for did in sorted(goals.delmal, key=goals.order):
        d = goals.delmal[did]
        hg = goals.hovedgrep[d.hovedgrep]
        rows.append({"Hovedmål": ", ".join(goals.hovedmal[h].label for h in hg.hovedmal),
                     "Sektor": goals.sectors[hg.sector], "Hovedgrep": hg.label, "Delmål": d.text})
    out = pd.DataFrame(rows, columns=["Hovedmål", "Sektor", "Hovedgrep", "Delmål"],
                       index=pd.Index(sorted(goals.delmal, key=goals.order), name="delmal"))
    out.attrs.update(_attrs(goals))
    out.attrs.pop("note")
    return out


# ------------------------------------------------------------------------------ helpers

def _measure_list(measures: Iterable | Mapping) -> list:
    return list(measures.values()) if isinstance(measures, Mapping) else list(measures)


def _cost_years(cost: pd.DataFrame | None, ids: list[str]) -> list[tuple[int, Any]]:
    """Validate the cost table; return (year, column label) pairs in year order."""
    if cost is None:
        return []
    if not isinstance(cost, pd.DataFrame):
        raise InputError("cost", "", f"forventet en pandas.DataFrame (tiltak x år), fikk {type(cost).__name__}")
    years = []
    for col in cost.columns:
        if isinstance(col, bool) or not hasattr(col, "__index__") or not _YEAR_RANGE[0] <= int(col) <= _YEAR_RANGE[1]:
            raise InputError("cost", f"kolonne {col!r}", "forventet årstall som heltall (f.eks. 2027)")
        years.append((int(col), col))
    missing = [i for i in ids if i not in cost.index]
    if missing:
        raise InputError("cost", "index", f"mangler kostnad for tiltak {', '.join(map(repr, missing))}; "
                                          "gi en rad per tiltak (0 for tiltak uten kostnad)")
    if cost.index.has_duplicates:
        raise InputError("cost", "index", "samme tiltak står på flere rader")
    return sorted(years)


def _attrs(goals: GoalHierarchy) -> dict:
    return {"source": goals.source, "plan": f"{goals.plan.name} {goals.plan.period}", "kommune": goals.kommune,
            "hovedmal": {h.id: h.text for h in goals.hovedmal.values()}, "note": DOUBLE_COUNT_NOTE}


def _did_you_mean(key: Any, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(key), list(choices), n=1, cutoff=0.6)
    return f" (mente du {close[0]!r}?)" if close else ""


def _examples(goals: GoalHierarchy, did: str, n: int = 5) -> str:
    """A few valid delmål ids, from the same hovedgrep when the id's prefix names one."""
    prefix = str(did).rsplit(".", 1)[0]
    same = [d.id for d in goals.delmal.values() if d.hovedgrep == prefix]
    return ", ".join(same or list(goals.delmal)[:n])


def _some(table: Mapping, n: int = 8) -> str:
    keys = list(table)
    return ", ".join(keys[:n]) + (", ..." if len(keys) > n else "")
