"""Reading the kommunedata workbook back: the economist's own numbers as a scenario.

The workbook (written by :func:`planmodel.present.kommunedata.write_kommunedata`) has one sheet
per topic; column A holds the key, and the user's column (**Egen verdi**, or the year columns of
the sheet *År for år*) holds what they know. :func:`import_kommunedata` reads every filled own
cell, checks it (a finite number in range, a known choice, whole places), collects every problem
as ``Sheet!Cell: problem`` and raises one :class:`~planmodel.core.errors.InputError` listing them;
only a workbook without problems gives a scenario. :func:`write_scenario` writes the scenario
file and, when the population sheet is filled, a population file beside it (SSB 07459 layout),
after the scenario has validated: nothing is written half.

The layout constants here are the one description of the workbook, used by both directions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from planmodel.core.errors import InputError
from planmodel.core.labels import USER_KEYS
from planmodel.core.io import write_text_atomic
from planmodel.inputs.accounts import ACCOUNTS_YEAR, OWN_FIGURES, SECTOR_AREAS
from planmodel.inputs.data import BASE_YEAR
from planmodel.core.yamlio import dump_yaml
from planmodel.inputs.catalogue import load_catalogue
from planmodel.inputs.demographic import SCENARIOS
from planmodel.inputs.economy import load_economy
from planmodel.inputs.excel_import import _Problems, _blank, _cell_error, _number, _open, _text, unreadable_workbook, value_rows
from planmodel.inputs.goals import parse_goals
from planmodel.inputs.kommuner import resolve_kommune
from planmodel.inputs.scenario import AMOUNT_LIMIT, parse_scenario

#: Sheet names by topic.
SHEETS = {"readme": "Les meg", "scenario": "Scenario", "population": "Befolkning", "accounts": "Regnskap",
          "years": "År for år", "places": "Plasser", "users": "Brukere", "economy": "Forutsetninger",
          "goals": "Målstruktur"}
#: The header row and the first data row of every data sheet.
HEADER_ROW, FIRST_ROW = 4, 5
#: Headers of the sheets with fixed columns.
COLUMNS = {
    "population": ["Alder", f"Menn, SSB {BASE_YEAR}", f"Kvinner, SSB {BASE_YEAR}", "Menn, egne", "Kvinner, egne"],
    "accounts": ["nøkkel", "Hva", "Enhet", f"Modellens verdi ({ACCOUNTS_YEAR})", "Egen verdi", "Kilde"],
    "places": ["nøkkel", "Plasstype", "Enhet", "Modellens verdi", "Egen verdi", "Kilde"],
    "users": ["nøkkel", "Brukere", "Enhet", f"KOSTRA {ACCOUNTS_YEAR}", "Egen verdi", "Kilde"],
    "goals": ["nivå", "id", "tekst / tittel / navn", "kort navn / sektor / modellens sektorer / første år",
              "hovedmål / siste år"],
    "economy": ["nøkkel", "Forutsetning", "Enhet", "Gyldig område", "Modellens verdi", "Egen verdi", "Kilde"],
}
#: The first year column of the sheet *År for år* (after key, line and unit).
YEAR_COLUMNS_FIRST = 4
#: Price basis of the amounts on *År for år*, as shown in the workbook.
PRICES_NB = {"fixed": "faste 2025-priser", "nominal": "løpende priser"}
#: Income and expense lines offered in the workbook (the user may add rows with other names).
INCOME_LINES = {"eiendomsskatt": "Eiendomsskatt", "kraftinntekter": "Konsesjonskraft, naturressursskatt o.l.",
                "finansinntekter": "Finansinntekter (renter og utbytte)",
                "andre_generelle_inntekter": "Andre generelle inntekter"}
EXPENSE_LINES = {"pensjon": "Pensjon: premieavvik og amortisering (netto utgift)",
                 "andre_utgifter": "Andre egne utgiftslinjer"}


def line_years(horizon: int, plan_years: int = 4) -> list[int]:
    """The year columns of *År for år*: the accounts year and the økonomiplan years."""
    return [ACCOUNTS_YEAR] + list(range(BASE_YEAR + 1, BASE_YEAR + 1 + plan_years))


#: The levels of the sheet *Målstruktur* (column A) and what columns B–E hold on each.
GOAL_LEVELS = {
    "plan": "plan: navn | første år | siste år",
    "hovedmal": "hovedmål: id | tekst | kort navn",
    "sektor": "sektor: id | navn | modellens sektorer (kommaliste)",
    "hovedgrep": "hovedgrep: id | tittel | sektor-id | hovedmål-id-er (kommaliste)",
    "delmal": "delmål: id (<hovedgrep-id>.<nummer>) | tekst",
}


@dataclass(frozen=True)
class KommuneData:
    """What a filled workbook says: the scenario mapping (as a scenario file), when the population
    sheet is filled the population (age, sex) [persons] for the base year, and when the sheet
    *Målstruktur* is filled the goals file's mapping."""

    scenario: dict
    population: np.ndarray | None
    source: str
    goals: dict | None = None


def goals_rows(goals) -> list[tuple]:
    """A :class:`~planmodel.inputs.goals.GoalHierarchy` as rows of the sheet *Målstruktur*."""
    rows: list[tuple] = [("plan", goals.plan.name, None, goals.plan.first_year, goals.plan.last_year)]
    rows += [("hovedmal", h.id, h.text, h.short, None) for h in goals.hovedmal.values()]
    rows += [("sektor", sid, name, ", ".join(goals.sector_map.get(sid, ())), None) for sid, name in goals.sectors.items()]
    rows += [("hovedgrep", g.id, g.title, g.sector, ", ".join(g.hovedmal)) for g in goals.hovedgrep.values()]
    rows += [("delmal", d.id, d.text, None, None) for d in goals.delmal.values()]
    return rows


def _cell(col: int, row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


class _Reader:
    def __init__(self, wb, problems: _Problems):
        self.wb, self.problems = wb, problems

    def sheet(self, key: str):
        name = SHEETS[key]
        if name not in self.wb.sheetnames:
            self.problems.add(name, "", f"arket mangler; forventet arkene {', '.join(SHEETS.values())} "
                                        "(lag arbeidsboken med planmodel kommunedata)")
            return None
        return self.wb[name]

    def rows(self, ws, last_col: int):
        """(row number, key, cells) for the data rows (keys in column A), bounded by the rows that
        hold values (not by the used range the file claims, which may reach row 1 048 576)."""
        out = []
        for r, values in value_rows(ws, FIRST_ROW, last_col):
            if values and not _blank(values[0]):
                out.append((r, _text(values[0]), list(values) + [None] * (last_col - len(values))))
        return out

    def number(self, ws, row: int, col: int, v: Any, what: str, lo: float, hi: float,
               integer: bool = False) -> float | None:
        if _blank(v):
            return None
        x = _number(v)
        where = _cell(col, row)
        if x is None or not math.isfinite(x):
            self.problems.add(ws.title, where, f"{v!r} er ikke et tall; forventet {what}")
            return None
        if not lo <= x <= hi:
            self.problems.add(ws.title, where, f"{_show(x)} er utenfor gyldig område; forventet {what} mellom "
                                               f"{_show(lo)} og {_show(hi)}")
            return None
        if integer and not float(x).is_integer():
            self.problems.add(ws.title, where, f"{_show(x)} er ikke et helt tall; forventet {what}")
            return None
        return float(x)


    def own_values(self, key: str, last_col: int, col: int, spec) -> dict[str, float]:
        """{row key: number} of the filled own cells in column ``col`` of a sheet with one value per
        row; ``spec(key)`` gives (what, lowest, highest) for the keys to read, None for the others."""
        ws = self.sheet(key)
        out: dict[str, float] = {}
        if ws is None:
            return out
        for r, k, cells in self.rows(ws, last_col):
            s = spec(k)
            if s is not None:
                x = self.number(ws, r, col, cells[col - 1], *s)
                if x is not None:
                    out[k] = x
        return out


def _show(x: float) -> str:
    return f"{x:,.0f}".replace(",", " ") if abs(x) >= 1000 and float(x).is_integer() else f"{x:g}"


def import_kommunedata(path: str | Path) -> KommuneData:
    """Read a filled kommunedata workbook; every bad cell is reported (sheet, cell, problem) in
    one :class:`InputError`. The result is not yet validated as a scenario (see :func:`write_scenario`)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "fil", "finnes ikke; forventet en arbeidsbok fra planmodel kommunedata (.xlsx)")
    try:
        wb = _open(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise unreadable_workbook(path, exc, "fil") from None
    problems = _Problems()
    rd = _Reader(wb, problems)
    out: dict = {}

    ws = rd.sheet("scenario")
    if ws is not None:
        rows = {key: (r, cells) for r, key, cells in rd.rows(ws, 5)}
        values = {key: (r, cells[3]) for key, (r, cells) in rows.items()}
        code = _text(rows["kommune"][1][2]) if "kommune" in rows and not _blank(rows["kommune"][1][2]) else None
        if not code:
            problems.add(ws.title, "C5", "mangler kommunenummeret; lag arbeidsboken på nytt med planmodel kommunedata")
        if "id" in values and not _blank(values["id"][1]):
            out["id"] = _text(values["id"][1])
        model_title, own_title = rows.get("title", (0, [None] * 5))[1][2:4]
        title = own_title if not _blank(own_title) else model_title
        out["title"] = f"Egne tall for {code}" if _blank(title) else _text(title)
        out["kommune"] = code
        if "demographic" in values and not _blank(values["demographic"][1]):
            r, v = values["demographic"]
            choice = _text(v)
            if choice not in SCENARIOS:
                problems.add(ws.title, f"D{r}", f"{choice!r} er ikke et befolkningsalternativ; forventet ett av "
                                                f"{', '.join(SCENARIOS)}")
            else:
                out["demography"] = {"scenario": choice}
        if "horizon" in values:
            r, v = values["horizon"]
            h = rd.number(ws, r, 4, v, "et årstall", BASE_YEAR + 5, 2060, integer=True)
            if h is not None:
                out["plan"] = {"horizon": int(h)}

    population = None
    ws = rd.sheet("population")
    if ws is not None:
        rows = rd.rows(ws, 5)
        own = np.full((106, 2), np.nan)
        filled = 0
        for r, key, cells in rows:
            age = _number(key)
            if age is None or not float(age).is_integer() or not 0 <= age <= 105:
                continue
            for j, col in ((0, 4), (1, 5)):
                x = rd.number(ws, r, col, cells[col - 1], "et antall personer", 0, 1e7, integer=True)
                if x is not None:
                    own[int(age), j] = x
                    filled += 1
                elif _blank(cells[col - 1]):
                    pass
        if 0 < filled < own.size:
            missing = int(np.isnan(own).sum())
            problems.add(ws.title, "D:E", f"{missing} av {own.size} celler er tomme; fyll begge kolonnene for alle "
                                          "aldre 0–105, eller tøm dem for å bruke SSBs befolkning")
        elif filled == own.size:
            if own.sum() <= 0:
                problems.add(ws.title, "D:E", "befolkningen er 0; forventet kommunens innbyggere")
            else:
                population = own

    ws = rd.sheet("accounts")
    if ws is not None:
        accounts: dict = {}
        for r, key, cells in rd.rows(ws, 6):
            v = cells[4]
            if key.startswith("sectors."):
                area = key.split(".", 1)[1]
                if area in SECTOR_AREAS:
                    x = rd.number(ws, r, 5, v, "netto driftsutgifter i 1000 kr", -AMOUNT_LIMIT, AMOUNT_LIMIT)
                    if x is not None:
                        accounts.setdefault("sectors", {})[area] = x
            elif key in OWN_FIGURES:
                lo = 0.0 if key in ("free_income", "tax", "gross_operating_income") else -AMOUNT_LIMIT
                x = rd.number(ws, r, 5, v, f"{OWN_FIGURES[key].lower()} i 1000 kr", lo, AMOUNT_LIMIT)
                if x is not None:
                    accounts[key] = x
        if accounts:
            out["accounts"] = accounts

    ws = rd.sheet("years")
    if ws is not None:
        header = next((v for r, v in value_rows(ws, HEADER_ROW) if r == HEADER_ROW), ())
        years: dict[int, int] = {}
        for col, h in enumerate(header, start=1):
            if col >= YEAR_COLUMNS_FIRST and not _blank(h):
                y = _number(_text(h).split(" ")[0])
                if y is not None and float(y).is_integer():
                    years[col] = int(y)
        budget: dict = {}
        last = max(years, default=YEAR_COLUMNS_FIRST)
        for r, key, cells in rd.rows(ws, last):
            if key == "prices":
                v = cells[YEAR_COLUMNS_FIRST - 1]
                if not _blank(v):
                    by_text = {t: k for k, t in PRICES_NB.items()}
                    if _text(v) not in by_text:
                        problems.add(ws.title, _cell(YEAR_COLUMNS_FIRST, r),
                                     f"{_text(v)!r}: forventet «{PRICES_NB['fixed']}» eller «{PRICES_NB['nominal']}»")
                    elif by_text[_text(v)] == "nominal":
                        budget["prices"] = "nominal"
                continue
            kind, _, name = key.partition(".")
            if key == "free_income":
                target = budget.setdefault("free_income", {})
                what, lo = "frie inntekter i 1000 kr", 0.0
            elif kind in ("income_lines", "expense_lines") and name:
                target = budget.setdefault(kind, {}).setdefault(name, {})
                what, lo = ("en inntekt" if kind == "income_lines" else "en utgift") + " i 1000 kr", -AMOUNT_LIMIT
            else:
                continue
            for col, y in years.items():
                if key == "free_income" and y == ACCOUNTS_YEAR:
                    continue
                x = rd.number(ws, r, col, cells[col - 1], what, lo, AMOUNT_LIMIT)
                if x is not None:
                    target[y] = x
        for kind in ("income_lines", "expense_lines"):
            lines = {k: v for k, v in budget.get(kind, {}).items() if v}
            if lines:
                budget[kind] = lines
            else:
                budget.pop(kind, None)
        if not budget.get("free_income"):
            budget.pop("free_income", None)
        if set(budget) - {"prices"}:
            out["budget"] = budget

    catalogue, eco = load_catalogue(), load_economy()
    places = rd.own_values("places", 6, 5, lambda key: ("et antall plasser", 0, 1e6) if key in catalogue.place_types
                           else None)
    if places:
        out.setdefault("services", {})["existing_places"] = places
    users = rd.own_values("users", 6, 5, lambda key: ("et antall brukere", 0, 1e7) if key in USER_KEYS else None)
    if users:
        out.setdefault("services", {})["users"] = users
    own_eco = rd.own_values("economy", 7, 6, lambda key: (eco.entry(key).label.lower(), eco.entry(key).minimum,
                                                          eco.entry(key).maximum) if key in eco.names else None)
    if own_eco:
        out["economy"] = own_eco

    goals = _read_goals(rd, out.get("kommune") or "", problems)
    if problems.items:
        raise _cell_error(path, problems.lines())
    return KommuneData(out, population, str(path), goals)


def _read_goals(rd: _Reader, kommune: str, problems: _Problems) -> dict | None:
    """The goals file mapping from the filled sheet *Målstruktur*, or None when it is empty."""
    ws = rd.sheet("goals")
    if ws is None:
        return None
    rows = rd.rows(ws, 5)
    if not rows:
        return None
    raw: dict = {"schema_version": 1, "source": f"Kilde: {kommune}, kommuneplanens samfunnsdel (kommunedata-arbeidsboken)",
                 "kommune": kommune, "plan": {"name": "Kommuneplanens samfunnsdel", "first_year": BASE_YEAR,
                                              "last_year": BASE_YEAR + 12},
                 "hovedmal": {}, "sectors": {}, "hovedgrep": {}}
    delmal: list[tuple[int, str, str]] = []

    def text(r: int, col: int, v: Any, what: str) -> str | None:
        if _blank(v):
            problems.add(ws.title, _cell(col, r), f"mangler {what}")
            return None
        return _text(v)

    def ids(v: Any) -> list[str]:
        return [] if _blank(v) else [x.strip() for x in _text(v).split(",") if x.strip()]

    for r, level, cells in rows:
        if level not in GOAL_LEVELS:
            problems.add(ws.title, _cell(1, r), f"{level!r}: forventet et nivå: {', '.join(GOAL_LEVELS)}")
            continue
        if level == "plan":
            first = rd.number(ws, r, 4, cells[3], "et årstall", 1990, 2100, integer=True)
            last = rd.number(ws, r, 5, cells[4], "et årstall", 1990, 2100, integer=True)
            raw["plan"] = {"name": _text(cells[1]) if not _blank(cells[1]) else "Kommuneplanens samfunnsdel",
                           "first_year": int(first) if first is not None else BASE_YEAR,
                           "last_year": int(last) if last is not None else BASE_YEAR + 12}
            continue
        gid = text(r, 2, cells[1], f"id for {level}")
        body = text(r, 3, cells[2], "tekst")
        if gid is None or body is None:
            continue
        if level == "hovedmal":
            raw["hovedmal"][gid] = {"text": body, "short": _text(cells[3]) if not _blank(cells[3]) else body[:40]}
        elif level == "sektor":
            raw["sectors"][gid] = {"name": body, "model_sectors": ids(cells[3])}
        elif level == "hovedgrep":
            raw["hovedgrep"][gid] = {"sector": _text(cells[3]) if not _blank(cells[3]) else "",
                                     "title": body, "hovedmal": ids(cells[4]), "delmal": {}}
        else:
            delmal.append((r, gid, body))
    for r, did, body in delmal:
        owner = did.rsplit(".", 1)[0]
        if owner not in raw["hovedgrep"]:
            problems.add(ws.title, _cell(2, r), f"{did!r}: forventet <hovedgrep-id>.<nummer> for et hovedgrep på arket "
                                                f"({', '.join(raw['hovedgrep']) or 'ingen'})")
            continue
        raw["hovedgrep"][owner]["delmal"][did] = body
    if problems.items:
        return None
    try:
        parse_goals(raw, f"{ws.title} (målstrukturen)", list(load_catalogue().sectors))
    except InputError as exc:
        problems.add(ws.title, "", str(exc))
        return None
    return raw


def population_csv(population: np.ndarray, kommune: str, name: str) -> str:
    """A population (age, sex) [persons] as a StatBank CSV of table 07459 for the base year
    (the layout :func:`planmodel.inputs.readers.read_population` reads)."""
    lines = ['"07459: Population, by region, age, contents, year and sex"', "",
             f'"region";"age";"Persons {BASE_YEAR} Males";"Persons {BASE_YEAR} Females"']
    for a in range(population.shape[0]):
        label = "105 years or older" if a == 105 else ("1 year" if a == 1 else f"{a} years")
        m, f = (f"{x:.10g}" for x in population[a])
        lines.append(f'"K-{kommune} {name}";"{label}";{m};{f}')
    return "\n".join(lines) + "\n"


def write_scenario(data: KommuneData, out: str | Path) -> tuple[Path, Path | None]:
    """Write the scenario file ``out``, and beside it ``<stem>_befolkning.csv`` when the workbook
    has an own population and ``<stem>_mal.yaml`` when it has a målstruktur. The scenario is
    validated first, with the side files under temporary names; an invalid scenario writes nothing."""
    out = Path(out)
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise InputError(str(out), "--out", f"{out.suffix or 'ingen filtype'}: forventet en scenariofil (.yaml)")
    if not out.parent.is_dir():
        raise InputError(str(out), "--out", "mappen finnes ikke; lag den først")
    raw = dict(data.scenario)
    if not raw.get("id"):  # no own id: the file name, as a scenario id
        stem = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "_-") else "_" for ch in out.stem.lower())
        raw = {"id": stem or "egne_tall", **raw}
    side: list[tuple[Path, Path]] = []  # (temporary, final) files beside the scenario
    try:
        if data.population is not None:
            k = resolve_kommune(raw["kommune"])
            final, tmp = out.with_name(f"{out.stem}_befolkning.csv"), out.with_name(f".{out.stem}_befolkning.csv.tmp")
            write_text_atomic(tmp, population_csv(data.population, k.code, k.name))
            side.append((tmp, final))
            raw.setdefault("demography", {})["base_population"] = tmp.name
        if data.goals is not None:
            final, tmp = out.with_name(f"{out.stem}_mal.yaml"), out.with_name(f".{out.stem}_mal.yaml.tmp")
            write_text_atomic(tmp, "# Målstruktur fra kommunedata-arbeidsboken " + Path(data.source).name +
                              " (se docs/egne-tall.md)\n" + dump_yaml(data.goals))
            side.append((tmp, final))
            raw["goals"] = tmp.name
        parse_scenario(raw, str(out))
        if data.population is not None:
            raw["demography"]["base_population"] = out.with_name(f"{out.stem}_befolkning.csv").name
        if data.goals is not None:
            raw["goals"] = out.with_name(f"{out.stem}_mal.yaml").name
        for tmp, final in side:
            tmp.replace(final)
        side = []
        text = "# planmodel-scenario fra kommunedata-arbeidsboken " + Path(data.source).name + \
            " (se docs/egne-tall.md)\n" + dump_yaml(raw)
        write_text_atomic(out, text)
    finally:
        for tmp, _ in side:
            if tmp.exists():
                tmp.unlink()
    pop = out.with_name(f"{out.stem}_befolkning.csv") if data.population is not None else None
    return out, pop
