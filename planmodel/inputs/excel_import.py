"""Tiltak from an Excel sheet: the economist's template (``data/maler/tiltaksmal.xlsx``) and its reader.

The template has two sheets to fill in:

- **Tiltak**: tiltak chosen from the shipped library (``id`` from a dropdown, ``start``,
  optional ``slutt`` and ``status``);
- **Nye tiltak**: the kommune's own tiltak, with title, sector, delmål, responsible unit,
  costs for a few years after the start and, optionally, one effect on a service.

and three to read: *Veiledning* (instructions in bokmål), *Tiltaksbibliotek* (the library's
tiltak) and *Koder* (sector, service, status, effect-type and delmål codes behind the dropdowns).

Year columns of an own tiltak, written down once (the library's two kinds of profile):

- ``investering år k`` is a **flow**: the amount [NOK 1000] spent in the year ``start + k``;
- ``drift år 0`` / ``drift fra år k`` is a **level that holds**: the yearly operating cost
  [NOK 1000 per year] from the year ``start + k`` until the next filled column (or ``slutt``);
  a negative amount is a saving.

Delmål are codes of the kommune's målstruktur (its scenario's ``goals``); a kommune without one
writes the delmål as free text (``goals=False``), which is not checked.

:func:`import_into_scenario` (``planmodel tiltak import``) writes the own tiltak into a library
file next to a scenario and the chosen tiltak into the scenario's ``measures``.

Own tiltak are amounts for this kommune (``scale: fixed``), at the library's price year (2025).
Every value gets status ``assumption`` and the row's ``kilde/begrunnelse`` as source.

:func:`import_tiltak` validates every cell, collects all problems and raises one
:class:`planmodel.core.errors.InputError` that lists each bad cell as ``Sheet!A1: problem``; a
workbook with errors never yields half a list. :func:`build_template` makes the template from
the catalogue, library and goals (``tools/make_tiltaksmal.py`` writes the shipped file), so the
dropdowns always match what the model accepts.
"""

from __future__ import annotations

import difflib
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planmodel.core.paths import data_path
from planmodel.core.errors import InputError
from planmodel.inputs.library import MEASURE_STATUSES, Library, load_library, parse_library
from planmodel.inputs.library import SHIPPED as SHIPPED_LIBRARY
from planmodel.inputs.scenario import MeasureChoice, load_scenario
from planmodel.inputs.catalogue import Catalogue, load_catalogue
from planmodel.core.yamlio import load_strict
from planmodel.inputs.goals import load_goals, scenario_goals
from planmodel.core.io import formulas_as_text, write_text_atomic

#: Where the shipped template lives (under ``data/``).
TEMPLATE = ("maler", "tiltaksmal.xlsx")
#: Start and end years a tiltak may have (inclusive).
YEAR_RANGE = (2026, 2050)
#: Effect types an own tiltak may have (a subset of planmodel.measures.EFFECT_KINDS).
EFFECT_TYPES = {
    "coverage": "dekningsgrad: relativ endring i andelen som får tjenesten",
    "unit_cost": "enhetskostnad: relativ endring i kostnad per bruker",
    "fte": "årsverk: relativ endring i årsverk per bruker",
}
#: Limits of lag and phase-in years (as in the library schema).
LAG_RANGE, PHASE_RANGE = (0, 20), (1, 20)
#: Number of years after the start with their own cost column.
INVESTMENT_YEARS = 3
OPERATING_YEARS = 3
#: Own tiltak ids: ASCII, lower case, start with a letter.
_ID = re.compile(r"^[a-z][a-z0-9_]*$")

SHEET_CHOSEN = "Tiltak"
SHEET_OWN = "Nye tiltak"
SHEET_GUIDE = "Veiledning"
SHEET_LIBRARY = "Tiltaksbibliotek"
SHEET_CODES = "Koder"

#: Columns of the *Tiltak* sheet.
CHOSEN_COLUMNS = ("id", "start", "slutt", "status")
#: Investment / operating columns of the *Nye tiltak* sheet -> year after start.
INVESTMENT_COLUMNS = {f"investering år {k}": k for k in range(INVESTMENT_YEARS)}
OPERATING_COLUMNS = {("drift år 0" if k == 0 else f"drift fra år {k}"): k for k in range(OPERATING_YEARS)}
EFFECT_COLUMNS = ("virkning på tjeneste", "type", "endring", "lav", "høy", "forsinkelse (år)", "innfasing (år)")
SOURCE_COLUMN = "kilde/begrunnelse"
#: Columns of the *Nye tiltak* sheet.
OWN_COLUMNS = (("id", "tittel", "sektor", "delmål", "ansvar", "start", "slutt", "status")
               + tuple(INVESTMENT_COLUMNS) + tuple(OPERATING_COLUMNS) + EFFECT_COLUMNS
               + (SOURCE_COLUMN, "beskrivelse"))

#: What each column means (header comments in the template and the Veiledning sheet).
COLUMN_HELP: dict[str, str] = {
    "id": "Kort navn uten mellomrom: små bokstaver a–z, tall og _ (for eksempel eget_tiltak_1). "
          "På arket Tiltak: velg fra listen.",
    "start": "Første år tiltaket virker (årstall 2026–2050).",
    "slutt": "Siste år tiltaket virker (valgfritt; tomt = varer ut perioden).",
    "status": "forslag eller vedtatt (vedtatte tiltak binder handlingsrommet). Tomt = bibliotekets status "
              "(Tiltak) eller forslag (Nye tiltak).",
    "tittel": "Navnet på tiltaket slik det skal stå i tabellene.",
    "sektor": "Sektoren som har kostnaden (velg fra listen; se arket Koder).",
    "delmål": "Delmål i kommuneplanen tiltaket svarer på, skilt med komma (for eksempel BO1.1, BO3.2); "
              "se arket Koder. Har kommunen ingen målstruktur i planmodel, skriv delmålet som tekst.",
    "ansvar": "Enhet eller leder som har ansvaret.",
    "investering år 0": "Investering i startåret, 1000 kr (2025-priser). Beløpet gjelder bare det året.",
    "investering år 1": "Investering året etter start, 1000 kr. Beløpet gjelder bare det året.",
    "investering år 2": "Investering to år etter start, 1000 kr. Beløpet gjelder bare det året.",
    "drift år 0": "Årlig driftskostnad fra startåret, 1000 kr per år. Nivået varer til neste utfylte driftskolonne. "
                  "Negativt beløp = innsparing.",
    "drift fra år 1": "Årlig driftskostnad fra året etter start (nytt nivå som varer), 1000 kr per år. "
                      "Negativt beløp = innsparing.",
    "drift fra år 2": "Årlig driftskostnad fra to år etter start (nytt nivå som varer), 1000 kr per år. "
                      "Negativt beløp = innsparing.",
    "virkning på tjeneste": "Tjenesten tiltaket virker på (valgfritt; velg fra listen).",
    "type": "coverage (dekningsgrad), unit_cost (enhetskostnad) eller fte (årsverk per bruker).",
    "endring": "Relativ endring når tiltaket virker fullt ut: -0,05 = 5 % færre / lavere. Må være større enn -1.",
    "lav": "Svakeste eller mest negative anslag (valgfritt; tomt = endring). lav ≤ endring ≤ høy.",
    "høy": "Høyeste anslag (valgfritt; tomt = endring). lav ≤ endring ≤ høy.",
    "forsinkelse (år)": "År fra start til virkningen begynner (0–20; tomt = 0).",
    "innfasing (år)": "År virkningen bruker på å nå full størrelse (1–20; tomt = 1).",
    SOURCE_COLUMN: "Kilde eller begrunnelse for beløp og virkning. Påkrevd når tiltaket har kostnad eller virkning.",
    "beskrivelse": "Kort beskrivelse (valgfritt).",
}


@dataclass(frozen=True)
class ImportedTiltak:
    """Tiltak read from a filled-in template.

    Attributes
    ----------
    choices : tuple of MeasureChoice
        Every tiltak to run: the *Tiltak* rows, then the own tiltak, in sheet order.
    library_yaml : dict
        The own tiltak in the library file schema (``schema_version``, ``price_year``,
        ``measures``), ready to be merged with the shipped library
        (:func:`merged_library_yaml`) and written as YAML (:func:`save_library_yaml`).
    source : str
        The workbook's path (used in messages).
    """

    choices: tuple[MeasureChoice, ...]
    library_yaml: dict
    source: str = ""

    @property
    def own_ids(self) -> tuple[str, ...]:
        """Ids of the own tiltak (sheet *Nye tiltak*)."""
        return tuple(self.library_yaml.get("measures", {}))


@dataclass
class _Problems:
    """Problems found so far, as ``(sheet, cell, text)``."""

    items: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, sheet: str, cell: str, text: str) -> None:
        self.items.append((sheet, cell, text))

    def lines(self) -> list[str]:
        return [f"{s}!{c}: {t}" if c else f"{s}: {t}" for s, c, t in self.items]


# ================================================================================ template

def template_path() -> Path:
    """Path of the shipped template ``data/maler/tiltaksmal.xlsx``."""
    return data_path(*TEMPLATE)


def _catalogue(catalogue: Catalogue | str | Path | None) -> Catalogue:
    return catalogue if isinstance(catalogue, Catalogue) else load_catalogue(catalogue)


def _library(library: Library | str | Path | None, catalogue: Catalogue) -> Library:
    return library if isinstance(library, Library) else load_library(library, catalogue)


def _goals(goals, catalogue: Catalogue):
    """The goal hierarchy: the given one, None for ``False`` (no målstruktur: delmål are free text),
    or the shipped Bærum kommuneplan for ``None``."""
    if goals is False:
        return None
    if goals is not None:
        return goals
    return load_goals(model_sectors=list(catalogue.sectors))


def build_template(catalogue: Catalogue | str | Path | None = None, library: Library | str | Path | None = None,
                   goals=None):
    """The tiltak template as an openpyxl workbook (not saved).

    Parameters
    ----------
    catalogue : Catalogue or path, optional
        Service catalogue for the sector and service dropdowns (default: shipped).
    library : Library or path, optional
        Tiltak library for the id dropdown (default: shipped).
    goals : GoalHierarchy or False, optional
        Goal hierarchy whose delmål are listed (default: shipped Bærum kommuneplan; ``False``: the
        kommune has none and writes delmål as text).

    Returns
    -------
    openpyxl.Workbook
        Sheets *Veiledning*, *Tiltak*, *Nye tiltak*, *Tiltaksbibliotek*, *Koder*.
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    cat = _catalogue(catalogue)
    lib = _library(library, cat)
    gh = _goals(goals, cat)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "planmodel"
    wb.properties.title = "Tiltaksmal for planmodel"
    guide = wb.create_sheet(SHEET_GUIDE)
    chosen = wb.create_sheet(SHEET_CHOSEN)
    own = wb.create_sheet(SHEET_OWN)
    libsheet = wb.create_sheet(SHEET_LIBRARY)
    codes = wb.create_sheet(SHEET_CODES)

    # --- reference sheets (dropdown sources)
    libsheet.append(["id", "tittel", "sektor", "delmål", "ansvar", "status", "beskrivelse"])
    for m in lib.measures.values():
        libsheet.append([m.id, m.title, m.sector, ", ".join(m.delmal), m.ansvar, m.status, m.description])
    n_lib = len(lib.measures)
    code_blocks = [
        ("sektor", "sektornavn", list(cat.sectors.items())),
        ("tjeneste", "tjenestenavn", [(s, v.name) for s, v in cat.services.items()]),
        ("status", "betydning", [("forslag", "foreslått, ikke vedtatt"),
                                 ("vedtatt", "vedtatt; binder handlingsrommet")]),
        ("type", "betydning", list(EFFECT_TYPES.items())),
        ("delmål", "delmål (vi vil ...)", [(d.id, d.text) for d in gh.delmal.values()] if gh is not None else
         [("(fritekst)", "kommunen har ingen målstruktur i planmodel: skriv delmålet som tekst")]),
    ]
    ranges = {}
    for b, (key, label, items) in enumerate(code_blocks):
        col = 3 * b + 1
        codes.cell(row=1, column=col, value=key).font = bold
        codes.cell(row=1, column=col + 1, value=label).font = bold
        for i, (k, text) in enumerate(items, start=2):
            codes.cell(row=i, column=col, value=k)
            codes.cell(row=i, column=col + 1, value=text)
        letter = get_column_letter(col)
        ranges[key] = f"{SHEET_CODES}!${letter}$2:${letter}${len(items) + 1}"
        codes.column_dimensions[letter].width = max(10, max(len(k) for k, _ in items) + 2)
        codes.column_dimensions[get_column_letter(col + 1)].width = 50
    codes.freeze_panes = "A2"
    for col, width in zip("ABCDEFG", (28, 45, 18, 18, 22, 10, 80)):
        libsheet.column_dimensions[col].width = width
    for cell in libsheet[1]:
        cell.font = bold
    libsheet.freeze_panes = "A2"

    def header(ws, columns, widths):
        for j, name in enumerate(columns, start=1):
            c = ws.cell(row=1, column=j, value=name)
            c.font = bold
            c.fill = fill
            c.alignment = wrap
            c.comment = Comment(COLUMN_HELP[name], "planmodel", width=300, height=110)
            ws.column_dimensions[get_column_letter(j)].width = widths.get(name, 14)
        ws.freeze_panes = "B2"

    def validate(ws, col_name, columns, dv, rows):
        letter = get_column_letter(columns.index(col_name) + 1)
        dv.add(f"{letter}2:{letter}{rows + 1}")
        ws.add_data_validation(dv)

    def listed(source, what):
        return DataValidation(type="list", formula1=f"={source}", allow_blank=True, showErrorMessage=True,
                              errorTitle="Ugyldig verdi", error=f"Velg {what} fra listen.")

    def year():
        return DataValidation(type="whole", operator="between", formula1=str(YEAR_RANGE[0]),
                              formula2=str(YEAR_RANGE[1]), allow_blank=True, showErrorMessage=True,
                              errorTitle="Ugyldig år", error=f"Skriv et årstall mellom {YEAR_RANGE[0]} og {YEAR_RANGE[1]}.")

    def amount():
        return DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                              showErrorMessage=True, errorTitle="Ugyldig beløp",
                              error="Skriv et beløp i 1000 kr (0 eller mer).")

    def level():
        return DataValidation(type="decimal", operator="between", formula1="-1000000000", formula2="1000000000",
                              allow_blank=True, showErrorMessage=True, errorTitle="Ugyldig beløp",
                              error="Skriv et beløp i 1000 kr per år (negativt = innsparing).")

    rows_chosen, rows_own = 200, 100
    header(chosen, CHOSEN_COLUMNS, {"id": 32, "status": 12})
    validate(chosen, "id", CHOSEN_COLUMNS, listed(f"{SHEET_LIBRARY}!$A$2:$A${n_lib + 1}", "et tiltak"), rows_chosen)
    for col in ("start", "slutt"):
        validate(chosen, col, CHOSEN_COLUMNS, year(), rows_chosen)
    validate(chosen, "status", CHOSEN_COLUMNS, listed(ranges["status"], "status"), rows_chosen)

    header(own, OWN_COLUMNS, {"id": 22, "tittel": 32, "sektor": 20, "delmål": 16, "ansvar": 20,
                              "virkning på tjeneste": 26, "type": 12, SOURCE_COLUMN: 40, "beskrivelse": 40})
    validate(own, "sektor", OWN_COLUMNS, listed(ranges["sektor"], "en sektor"), rows_own)
    validate(own, "status", OWN_COLUMNS, listed(ranges["status"], "status"), rows_own)
    validate(own, "virkning på tjeneste", OWN_COLUMNS, listed(ranges["tjeneste"], "en tjeneste"), rows_own)
    validate(own, "type", OWN_COLUMNS, listed(ranges["type"], "en type"), rows_own)
    for col in ("start", "slutt"):
        validate(own, col, OWN_COLUMNS, year(), rows_own)
    for col in INVESTMENT_COLUMNS:
        validate(own, col, OWN_COLUMNS, amount(), rows_own)
    for col in OPERATING_COLUMNS:
        validate(own, col, OWN_COLUMNS, level(), rows_own)

    # --- instructions
    guide.column_dimensions["A"].width = 24
    guide.column_dimensions["B"].width = 110
    for label, text in _guide_rows(lib, cat):
        guide.append([label, text])
        row = guide.max_row
        guide.cell(row=row, column=1).font = bold
        guide.cell(row=row, column=2).alignment = wrap
    guide["A1"].font = Font(bold=True, size=14)
    formulas_as_text(wb)  # library titles and descriptions are text, whatever they start with
    return wb


def _guide_rows(lib: Library, cat: Catalogue) -> list[tuple[str, str]]:
    lo, hi = YEAR_RANGE
    rows = [
        ("Tiltaksmal", "Fyll inn tiltakene for økonomiplanen her, og les filen inn i et scenario med kommandoen "
                       "planmodel tiltak import fil.xlsx --scenario scenario.yaml (ingen Python trengs). "
                       "Alle feil meldes samlet, med arket og cellen (for eksempel Tiltak!B5), slik at du kan "
                       "rette alt på én gang."),
        ("", ""),
        ("Arket Tiltak", "Tiltak fra tiltaksbiblioteket (se arket Tiltaksbibliotek). Én rad per tiltak. "
                         "Tomme rader hoppes over."),
    ]
    rows += [(f"  {c}", COLUMN_HELP[c]) for c in CHOSEN_COLUMNS]
    rows += [
        ("", ""),
        ("Arket Nye tiltak", "Kommunens egne tiltak. Beløp er i 1000 kr i faste 2025-priser for kommunen "
                             "(ikke per 100 000 innbyggere). id og tittel må være nye (ikke finnes i biblioteket)."),
    ]
    rows += [(f"  {c}", COLUMN_HELP[c]) for c in OWN_COLUMNS]
    rows += [
        ("", ""),
        ("Årsregelen", "Investering = beløpet det året (strøm): investering år 1 = 2000 betyr 2 mill. kr året etter "
                       "start og ingenting ellers. Drift = nivå som varer fra det året: drift år 0 = 500 og drift fra "
                       "år 2 = 1200 betyr 0,5 mill. kr per år de to første årene og 1,2 mill. kr per år fra det tredje "
                       "året, til sluttåret. Et negativt driftsbeløp er en innsparing: drift år 0 = -300 betyr "
                       "0,3 mill. kr lavere utgifter per år fra startåret."),
        ("Virkning", "Ett tiltak kan ha én virkning på én tjeneste. coverage endrer hvor mange som får tjenesten, "
                     "unit_cost kostnaden per bruker og fte årsverk per bruker. endring -0,05 betyr 5 % nedgang når "
                     "virkningen er fullt innfaset. lav og høy gir spennet i usikre anslag (lav ≤ endring ≤ høy); "
                     "planmodel kan regne med svak eller sterk virkning."),
        ("Kilde", "Alle beløp og virkninger regnes som anslag (status assumption) med teksten i kilde/begrunnelse "
                  "som kilde. Feltet må fylles ut når tiltaket har kostnad eller virkning."),
        ("Årstall", f"start og slutt må være hele årstall fra {lo} til {hi}; slutt kan ikke være før start."),
        ("Innlesing", "planmodel tiltak import fil.xlsx --scenario s.yaml legger de egne tiltakene i filen "
                      "s_tiltak.yaml ved siden av scenarioet (sammen med tiltaksbiblioteket scenarioet bruker) og "
                      "de valgte tiltakene under measures i scenarioet. Les du inn på nytt, erstattes tiltakene "
                      "fra forrige innlesing. Deretter: planmodel run s.yaml."),
        ("Delmål", "Delmål er kodene i kommunens målstruktur (nøkkelen goals i scenarioet; se arket Koder). "
                   "Har kommunen ingen målstruktur, skrives delmålet som tekst; det kontrolleres ikke og vises "
                   "slik i tiltaksmatrisen."),
        ("Lister", f"Nedtrekkslistene henter verdier fra arkene Tiltaksbibliotek ({len(lib.measures)} tiltak) og "
                   f"Koder ({len(cat.sectors)} sektorer, {len(cat.services)} tjenester, delmål). Ikke endre dem."),
    ]
    return rows


# ================================================================================ reading

#: openpyxl warnings when it reads a file Excel saved: it drops Excel 2010 extensions (x14 data
#: validation lists that point to another sheet, sparklines ...) and files without a default style.
#: Only cell values are read here, so these are expected and silenced for the read alone.
_READ_WARNINGS = (
    r".* extension is not supported and will be removed",
    r"Workbook contains no default style",
)


def _open(path: Path, data_only: bool):
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        for msg in _READ_WARNINGS:
            warnings.filterwarnings("ignore", message=msg, category=UserWarning)
        return load_workbook(path, data_only=data_only)


def _cast_like_openpyxl(text: str) -> None:
    """Raise ValueError when openpyxl cannot read ``text`` as the number of a numeric cell."""
    if "." in text or "E" in text or "e" in text:
        float(text)
    else:
        int(text)


def unreadable_number_cells(path: Path, limit: int = 1000) -> list[str]:
    """``Sheet!A1: ...`` for the numeric cells whose stored value is not a number (``inf``,
    ``NaN``: written by other programs, never by Excel). openpyxl refuses the whole workbook
    for one such cell; this names the cells instead. Empty when there are none or the file is
    not a readable zip of sheets."""
    import xml.etree.ElementTree as ET
    import zipfile

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
    out: list[str] = []
    try:
        with zipfile.ZipFile(path) as z:
            book = ET.fromstring(z.read("xl/workbook.xml"))
            rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("p:Relationship", ns)}
            for sheet in book.findall("m:sheets/m:sheet", ns):
                target = targets.get(sheet.get(f"{{{ns['r']}}}id"), "")
                name = target.lstrip("/") if target.startswith("/") else "xl/" + target
                if name not in z.namelist():
                    continue
                xml = z.read(name)
                for m in re.finditer(rb'<c\b([^>]*?)(?:/>|>(.*?)</c>)', xml, re.S):
                    attrs, body = m.group(1), m.group(2) or b""
                    kind = re.search(rb'\bt="([^"]*)"', attrs)
                    if kind and kind.group(1) != b"n":
                        continue
                    v = re.search(rb"<v>([^<]*)</v>", body)
                    if not v or not v.group(1).strip():
                        continue
                    text = v.group(1).decode("utf-8", "replace").strip()
                    try:
                        _cast_like_openpyxl(text)
                    except ValueError:
                        ref = re.search(rb'\br="([A-Z]+[0-9]+)"', attrs)
                        cell = ref.group(1).decode() if ref else "?"
                        out.append(f"{sheet.get('name')}!{cell}: {text!r} er ikke et tall")
                        if len(out) >= limit:
                            return out
    except (OSError, KeyError, zipfile.BadZipFile, ET.ParseError):
        return out
    return out


def unreadable_workbook(path: Path, exc: Exception, field: str = "") -> InputError:
    """The InputError for a workbook openpyxl cannot open: its bad number cells when that is the
    reason (see :func:`unreadable_number_cells`), else one line naming the file."""
    cells = unreadable_number_cells(path)
    if cells:
        return _cell_error(path, cells)
    return InputError(str(path), field, f"kan ikke leses som Excel-fil (.xlsx): {type(exc).__name__}; "
                                        "forventet en arbeidsbok lagret av Excel eller planmodel")


class _Uncalculated:
    """Marks a formula cell without a calculated value (already reported; not checked again)."""


UNCALCULATED = _Uncalculated()


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def _number(v: Any) -> float | None:
    """A cell as a number: Excel numbers, or text like ``1 500,5``, ``−0,05`` or ``-5 %``."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):  # 1e999 in a cell reads as inf: not a number anyone meant
        return float(v) if math.isfinite(v) else None
    if isinstance(v, str):
        t = v.strip().replace("\u2212", "-").replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        pct = t.endswith("%")
        t = t.rstrip("%")
        if _NUMBER.match(t):
            x = float(t.replace(",", "."))
            if not math.isfinite(x):  # "1e999"
                return None
            return x / 100.0 if pct else x
    return None


def _integer(v: Any) -> int | None:
    x = _number(v)
    if x is None or not float(x).is_integer() or (isinstance(v, str) and "%" in v):
        return None
    return int(x)


def _did_you_mean(value: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (mente du {close[0]!r}?)" if close else ""


class _Row:
    """One sheet row with its column letters, so every problem names its cell."""

    def __init__(self, sheet: str, row: int, columns: Sequence[str], values: Sequence, problems: _Problems):
        from openpyxl.utils import get_column_letter

        self.sheet, self.row, self.problems = sheet, row, problems
        self.values = dict(zip(columns, list(values) + [None] * (len(columns) - len(values))))
        self.letters = {c: get_column_letter(j) for j, c in enumerate(columns, start=1)}

    def ref(self, col: str) -> str:
        return f"{self.letters[col]}{self.row}"

    def bad(self, col: str, text: str) -> None:
        self.problems.add(self.sheet, self.ref(col), text)

    def raw(self, col: str) -> Any:
        return self.values.get(col)

    def given(self, col: str) -> bool:
        return not _blank(self.values.get(col))

    def text(self, col: str, required: str | None = None) -> str | None:
        v = self.values.get(col)
        if v is UNCALCULATED:
            return None
        if _blank(v):
            if required:
                self.bad(col, required)
            return None
        return _text(v)

    def year(self, col: str, required: bool = False) -> int | None:
        v = self.values.get(col)
        if v is UNCALCULATED:
            return None
        if _blank(v):
            if required:
                self.bad(col, "mangler årstall")
            return None
        y = _integer(v)
        if y is None:
            self.bad(col, f"{_show(v)} er ikke et årstall")
            return None
        if not YEAR_RANGE[0] <= y <= YEAR_RANGE[1]:
            self.bad(col, f"{y} er utenfor {YEAR_RANGE[0]}–{YEAR_RANGE[1]}")
            return None
        return y

    def number(self, col: str, what: str = "et tall") -> float | None:
        v = self.values.get(col)
        if v is UNCALCULATED or _blank(v):
            return None
        x = _number(v)
        if x is None:
            self.bad(col, f"{_show(v)} er ikke {what}")
        return x

    def whole(self, col: str, lo: int, hi: int) -> int | None:
        v = self.values.get(col)
        if v is UNCALCULATED or _blank(v):
            return None
        n = _integer(v)
        if n is None or not lo <= n <= hi:
            self.bad(col, f"{_show(v)} er ikke et helt antall år fra {lo} til {hi}")
            return None
        return n

    def choice(self, col: str, choices: Mapping[str, str] | Sequence[str], what: str,
               names: Mapping[str, str] | None = None) -> str | None:
        """A code from ``choices`` (case-insensitive; ``names`` maps display names to codes)."""
        v = self.values.get(col)
        if v is UNCALCULATED or _blank(v):
            return None
        t = _text(v)
        codes = list(choices)
        lookup = {c.lower(): c for c in codes}
        lookup.update({n.lower(): c for n, c in (names or {}).items()})
        if t.lower() in lookup:
            return lookup[t.lower()]
        self.bad(col, f"ukjent {what} {t!r}{_did_you_mean(t, codes)}; gyldige: {', '.join(codes)}")
        return None

    def end_after_start(self, start: int | None, col: str = "slutt") -> int | None:
        end = self.year(col)
        if end is not None and start is not None and end < start:
            self.bad(col, f"sluttåret {end} er før startåret {start}")
            return None
        return end


def _show(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return repr(v) if isinstance(v, str) else str(v)


def value_rows(ws, min_row: int = 1, max_col: int | None = None, also=None) -> list[tuple[int, tuple]]:
    """(row number, values of columns 1..``max_col``) of the rows from ``min_row`` that hold a value.

    Bounded by the cells actually in the file, not by the used range the sheet claims: an .xlsx
    may say it reaches row 1 048 576 (a styled empty cell, a stale ``<dimension>``), and walking
    that range would take minutes. ``also`` is a second worksheet (the same sheet read with its
    formulas) whose filled rows count too. ``max_col`` None: up to the last column with a value.
    """
    def filled(sheet) -> set[tuple[int, int]]:
        cells = getattr(sheet, "_cells", None)
        if cells is None:  # a read-only sheet streams its cells: keep the ones holding values
            return {(c.row, c.column) for row in sheet.iter_rows(min_row=min_row) for c in row
                    if getattr(c, "value", None) is not None}
        return {rc for rc, c in cells.items() if c.value is not None}

    present = {rc for rc in filled(ws) if rc[0] >= min_row and (max_col is None or rc[1] <= max_col)}
    if also is not None:
        present |= {rc for rc in filled(also) if rc[0] >= min_row and (max_col is None or rc[1] <= max_col)}
    if not present:
        return []
    width = max_col if max_col is not None else max(c for _, c in present)
    get = ws._cells.get if hasattr(ws, "_cells") else (lambda rc: ws.cell(row=rc[0], column=rc[1]))
    out = []
    for r in sorted({r for r, _ in present}):
        out.append((r, tuple(getattr(get((r, c)), "value", None) for c in range(1, width + 1))))
    return out


def _sheet_rows(wb, wb_formulas, name: str, columns: Sequence[str], problems: _Problems) -> list[_Row] | None:
    """The non-empty rows of a sheet (header checked), or None when the sheet cannot be read."""
    from openpyxl.utils import get_column_letter

    if name not in wb.sheetnames:
        problems.add(name, "", f"arket mangler; bruk tiltaksmalen (arkene {SHEET_CHOSEN} og {SHEET_OWN})")
        return None
    ws = wb[name]
    first = value_rows(ws, 1, len(columns))
    head = list(first[0][1]) if first and first[0][0] == 1 else [None] * len(columns)
    ok = True
    for j, (want, got) in enumerate(zip(columns, head), start=1):
        if _blank(got) or _text(got).lower() != want:
            problems.add(name, f"{get_column_letter(j)}1", f"forventet overskriften {want!r}, fant "
                                                           f"{'ingenting' if _blank(got) else repr(_text(got))}")
            ok = False
    if not ok:
        return None
    wsf = wb_formulas[name]
    rows = []
    for r, cells in value_rows(ws, 2, len(columns), also=wsf):
        row = _Row(name, r, columns, cells, problems)
        for col in columns:  # a formula Excel has never calculated has no value to read
            f = wsf[row.ref(col)].value
            if row.raw(col) is None and isinstance(f, str) and f.startswith("="):
                row.bad(col, "formelen har ingen beregnet verdi; åpne filen i Excel og lagre den, "
                             "eller skriv inn verdien")
                row.values[col] = UNCALCULATED
        if all(_blank(v) for v in row.values.values()):
            continue
        rows.append(row)
    return rows


def import_tiltak(path: str | Path, catalogue: Catalogue | str | Path | None = None,
                  library: Library | str | Path | None = None, goals=None) -> ImportedTiltak:
    """Read a filled-in tiltak template.

    Parameters
    ----------
    path : str or Path
        An ``.xlsx`` file made from ``data/maler/tiltaksmal.xlsx``.
    catalogue : Catalogue or path, optional
        Service catalogue for sector and service codes (default: shipped).
    library : Library or path, optional
        The library the *Tiltak* sheet chooses from; own ids must not clash with it
        (default: shipped).
    goals : GoalHierarchy or False, optional
        Goal hierarchy the delmål must exist in (default: shipped Bærum kommuneplan). ``False``:
        the kommune has no målstruktur; the delmål cell is free text (not checked, optional).

    Returns
    -------
    ImportedTiltak
        ``choices`` (tuple of MeasureChoice) and ``library_yaml`` (the own tiltak in the
        library schema: amounts NOK 1000 at 2025 prices, ``scale: fixed``).

    Raises
    ------
    planmodel.core.errors.InputError
        With field ``"celler"`` and a message that lists every bad cell as
        ``Sheet!A1: problem`` (bokmål), all at once.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(str(path), "", "filen finnes ikke")
    cat = _catalogue(catalogue)
    lib = _library(library, cat)
    gh = _goals(goals, cat)
    try:
        wb, wbf = _open(path, True), _open(path, False)
    except Exception as exc:  # noqa: BLE001 - zipfile, XML and openpyxl errors all mean "not a workbook"
        raise unreadable_workbook(path, exc) from None
    problems = _Problems()
    chosen_rows = _sheet_rows(wb, wbf, SHEET_CHOSEN, CHOSEN_COLUMNS, problems)
    own_rows = _sheet_rows(wb, wbf, SHEET_OWN, OWN_COLUMNS, problems)
    own_ids = {r.text("id") for r in own_rows or []} - {None}
    choices = _read_chosen(chosen_rows or [], lib, own_ids)
    own, own_choices = _read_own(own_rows or [], lib, cat, gh)
    if problems.items:
        lines = problems.lines()
        raise _cell_error(path, lines)
    library_yaml = {"schema_version": 1, "price_year": cat.price_year,
                    "description": f"Egne tiltak fra {path.name}", "measures": own}
    _check_schema(path, library_yaml, lib, cat)
    return ImportedTiltak(tuple(choices + own_choices), library_yaml, str(path))


#: At most this many bad cells are listed in the message; the rest are counted ("… og N til").
MAX_LISTED_CELLS = 50


def _cell_error(path: Path, lines: list[str]) -> InputError:
    """One InputError listing the bad cells (the first :data:`MAX_LISTED_CELLS`); ``.cells`` has all."""
    n = len(lines)
    head = "1 celle må rettes" if n == 1 else f"{n} celler må rettes"
    shown = lines[:MAX_LISTED_CELLS]
    if n > len(shown):
        shown = shown + [f"… og {n - len(shown)} til"]
    err = InputError(str(path), "celler", head + ":\n  " + "\n  ".join(shown))
    err.cells = lines
    return err


def _read_chosen(rows: list[_Row], lib: Library, own_ids: set[str]) -> list[MeasureChoice]:
    out = []
    seen: dict[str, int] = {}
    for r in rows:
        mid = r.text("id", required="mangler id (velg et tiltak fra listen)")
        if mid is not None:
            if mid in own_ids and mid not in lib.measures:
                r.bad("id", f"{mid!r} er et eget tiltak på arket {SHEET_OWN}; det velges der og skal ikke stå her")
                mid = None
            elif mid not in lib.measures:
                r.bad("id", f"ukjent tiltak {mid!r}{_did_you_mean(mid, list(lib.measures))}; "
                            f"velg fra listen (arket {SHEET_LIBRARY})")
                mid = None
            elif mid in seen:
                r.bad("id", f"tiltaket {mid!r} står allerede på rad {seen[mid]}")
                mid = None
            else:
                seen[mid] = r.row
        start = r.year("start", required=True)
        end = r.end_after_start(start)
        status = r.choice("status", MEASURE_STATUSES, "status")
        bad_status = r.given("status") and status is None
        if mid is not None and start is not None and not (r.given("slutt") and end is None) and not bad_status:
            out.append(MeasureChoice(mid, start, end, status))
    return out


def _read_own(rows: list[_Row], lib: Library, cat: Catalogue, gh) -> tuple[dict, list[MeasureChoice]]:
    measures: dict[str, dict] = {}
    choices = []
    seen_id: dict[str, int] = {}
    titles = {m.title.lower(): f"biblioteket ({m.id})" for m in lib.measures.values()}
    sector_names = {name: sid for sid, name in cat.sectors.items()}
    for r in rows:
        n_before = len(r.problems.items)
        mid = r.text("id", required="mangler id")
        if mid is not None:
            if not _ID.match(mid):
                r.bad("id", f"{mid!r} er ikke en gyldig id; bruk små bokstaver a–z, tall og _ "
                            "(for eksempel 'eget_tiltak_1')")
            elif mid in lib.measures:
                r.bad("id", f"{mid!r} finnes allerede i tiltaksbiblioteket; velg en annen id "
                            f"(eller velg bibliotekets tiltak på arket {SHEET_CHOSEN})")
            elif mid in seen_id:
                r.bad("id", f"id {mid!r} står allerede på rad {seen_id[mid]}")
            else:
                seen_id[mid] = r.row
        title = r.text("tittel", required="mangler tittel")
        if title is not None:
            if title.lower() in titles:
                r.bad("tittel", f"tittelen {title!r} brukes allerede av {titles[title.lower()]}")
            else:
                titles[title.lower()] = f"rad {r.row}"
        if not r.given("sektor"):
            r.bad("sektor", "mangler sektor")
        sector = r.choice("sektor", cat.sectors, "sektor", sector_names)
        delmal = _delmal(r, gh)
        ansvar = r.text("ansvar", required="mangler ansvar (enhet eller leder)")
        start = r.year("start", required=True)
        end = r.end_after_start(start)
        status = r.choice("status", MEASURE_STATUSES, "status") or "forslag"
        investment = _amounts(r, INVESTMENT_COLUMNS, "investering kan ikke være negativ")
        operating = _amounts(r, OPERATING_COLUMNS, None)  # negative = a saving
        effect = _effect(r, cat)
        source = r.text(SOURCE_COLUMN)
        needs_source = effect is not None or any(v != 0 for v in [*investment.values(), *operating.values()])
        if needs_source and source is None:
            r.bad(SOURCE_COLUMN, "mangler kilde/begrunnelse (kreves når tiltaket har kostnad eller virkning)")
        if len(r.problems.items) > n_before:
            continue
        src = source or "Ingen kostnad eller virkning oppgitt i tiltaksmalen."

        def value(x: float) -> dict:
            return {"value": x, "status": "assumption", "source": src}

        m: dict[str, Any] = {"title": title, "sector": sector, "delmal": delmal, "ansvar": ansvar, "scale": "fixed"}
        if r.given("beskrivelse"):
            m["description"] = r.text("beskrivelse")
        m["status"] = status
        if investment:
            m["investment"] = {k: value(v) for k, v in investment.items()}
        m["operating"] = {k: value(v) for k, v in operating.items()} or {0: value(0.0)}
        m["effects"] = []
        if effect is not None:
            change = {"value": effect["change"], "low": effect["low"], "high": effect["high"],
                      "status": "assumption", "source": src}
            m["effects"].append({"kind": effect["kind"], "service": effect["service"], "change": change,
                                 "lag_years": effect["lag"], "phase_in_years": effect["phase"]})
        measures[mid] = m
        choices.append(MeasureChoice(mid, start, end, status))
    return measures, choices


#: The delmål of an own tiltak without one, when the kommune has no målstruktur.
NO_DELMAL = "ikke oppgitt"


def _delmal(r: _Row, gh) -> list[str]:
    if gh is None:  # no målstruktur: the cell as written, not checked
        return [r.text("delmål") or NO_DELMAL]
    text = r.text("delmål", required="mangler delmål (minst ett, for eksempel BO1.1; se arket Koder)")
    if text is None:
        return []
    ids = [x.strip() for x in re.split(r"[,;\n]+", text) if x.strip()]
    out = []
    for did in ids:
        if did in gh.retired:
            rep = gh.retired[did].replaced_by
            r.bad("delmål", f"delmål {did!r} er tatt ut av bruk; bruk {rep!r}")
        elif did not in gh.delmal:
            r.bad("delmål", f"ukjent delmål {did!r}{_did_you_mean(did, list(gh.delmal))}; se arket {SHEET_CODES}")
        elif did in out:
            r.bad("delmål", f"delmål {did!r} står to ganger")
        else:
            out.append(did)
    if not ids:
        r.bad("delmål", "mangler delmål (minst ett, for eksempel BO1.1)")
    return out


def _amounts(r: _Row, columns: Mapping[str, int], negative: str | None) -> dict[int, float]:
    """The amounts of a row by year after start; ``negative`` is the problem text for a negative
    amount (None: negative amounts are allowed, e.g. savings)."""
    out = {}
    for col, k in columns.items():
        x = r.number(col, "et tall (beløp i 1000 kr)")
        if x is None:
            continue
        if x < 0 and negative is not None:
            r.bad(col, f"{_show(r.raw(col))}: {negative}")
            continue
        out[k] = x
    return out


def _effect(r: _Row, cat: Catalogue) -> dict | None:
    if not any(r.given(c) for c in EFFECT_COLUMNS):
        return None
    if not r.given("virkning på tjeneste"):
        r.bad("virkning på tjeneste", "mangler tjenesten virkningen gjelder")
    service = r.choice("virkning på tjeneste", cat.services, "tjeneste",
                       {s.name: sid for sid, s in cat.services.items()})
    if not r.given("type"):
        r.bad("type", f"mangler type ({', '.join(EFFECT_TYPES)})")
    kind = r.choice("type", EFFECT_TYPES, "type")
    if not r.given("endring"):
        r.bad("endring", "mangler endring (relativ endring, for eksempel -0,05)")
    change = r.number("endring", "et tall (relativ endring, for eksempel -0,05)")
    low = r.number("lav", "et tall (relativ endring)")
    high = r.number("høy", "et tall (relativ endring)")
    for col, x in (("endring", change), ("lav", low), ("høy", high)):
        if x is not None and x <= -1:
            r.bad(col, f"{x:g}: en relativ endring må være større enn -1 (-100 %)")
    if change is not None and change > -1:
        low = change if low is None else low
        high = change if high is None else high
        if low > change:
            r.bad("lav", f"lav {low:g} er større enn endring {change:g}; forventet lav ≤ endring ≤ høy")
        if high < change:
            r.bad("høy", f"høy {high:g} er mindre enn endring {change:g}; forventet lav ≤ endring ≤ høy")
    lag = r.whole("forsinkelse (år)", *LAG_RANGE)
    phase = r.whole("innfasing (år)", *PHASE_RANGE)
    return {"service": service, "kind": kind, "change": change, "low": low, "high": high,
            "lag": LAG_RANGE[0] if lag is None else lag, "phase": PHASE_RANGE[0] if phase is None else phase}


def _check_schema(path: Path, own: dict, lib: Library, cat: Catalogue) -> None:
    """Validate the own tiltak with the library parser (what run() will do with the file)."""
    try:
        parse_library(own, f"{path.name} (egne tiltak)", cat)
    except InputError as exc:  # a cell check above should have caught this: say where it came from
        raise InputError(str(path), "celler", f"de egne tiltakene passer ikke i tiltaksbiblioteket: {exc}") from None


# ================================================================================ library files

def _plain(x: Any) -> Any:
    """Nested LineDicts/lists from the strict loader -> plain dicts and lists (for yaml.safe_dump)."""
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain(v) for v in x]
    return x


def merged_library_yaml(imported: ImportedTiltak | Mapping, base: str | Path | None = None) -> dict:
    """The shipped (or ``base``) library with the own tiltak added, as one library dict.

    :func:`planmodel.measures.load_library` reads one file, so a scenario with both library and
    own tiltak needs them in one file: write this with :func:`save_library_yaml`.

    Parameters
    ----------
    imported : ImportedTiltak or dict
        The result of :func:`import_tiltak` (or its ``library_yaml``).
    base : str or Path, optional
        Library file to start from (default: ``data/tiltak/tiltaksbibliotek.yaml``).

    Returns
    -------
    dict
        Library schema (``schema_version``, ``price_year``, ``description``, ``measures``).

    Raises
    ------
    planmodel.core.errors.InputError
        If an own id is already in the base library, or the price years differ.
    """
    own = imported.library_yaml if isinstance(imported, ImportedTiltak) else dict(imported)
    name = str(base) if base is not None else "data/tiltak/tiltaksbibliotek.yaml"
    raw = _plain(load_strict(base if base is not None else data_path("tiltak", "tiltaksbibliotek.yaml")))
    return _merge_library(raw, name, own)


def _merge_library(raw: dict, name: str, own: Mapping) -> dict:
    if raw.get("price_year") != own.get("price_year"):
        raise InputError(name, "price_year", f"{raw.get('price_year')!r}: de egne tiltakene har prisår "
                                             f"{own.get('price_year')!r}")
    clash = [m for m in own.get("measures", {}) if m in raw.get("measures", {})]
    if clash:
        raise InputError(name, "measures", f"{', '.join(map(repr, clash))} finnes allerede i biblioteket")
    out = dict(raw)
    desc = raw.get("description", "")
    out["description"] = (desc + " + " if desc else "") + own.get("description", "egne tiltak")
    out["measures"] = {**raw.get("measures", {}), **_plain(own.get("measures", {}))}
    return out


def save_library_yaml(library_yaml: Mapping, path: str | Path, header: str = "") -> Path:
    """Write a library dict as YAML (UTF-8, keys in the given order, atomically) that
    :func:`planmodel.measures.load_library` reads; ``header`` is written first (comment lines)."""
    return write_text_atomic(path, _library_text(library_yaml, header))


def _library_text(library_yaml: Mapping, header: str = "") -> str:
    import yaml

    text = header + ("# planmodel tiltaksbibliotek, skrevet av planmodel.inputs.excel_import. Beløp i 1000 kr "
                     "(faste priser);\n# investment = beløp det året (strøm), operating = nivå som varer fra det "
                     "året (negativt = innsparing).\n")
    return text + yaml.safe_dump(_plain(dict(library_yaml)), allow_unicode=True, sort_keys=False, width=110)


# ================================================================================ into a scenario

#: First line of a library file written by :func:`import_into_scenario`; the JSON after it names
#: the tiltak the last import added (so that the next import replaces them).
IMPORT_MARK = "# planmodel tiltak import: "


@dataclass(frozen=True)
class ScenarioImport:
    """What :func:`import_into_scenario` did.

    Attributes
    ----------
    scenario, library : Path
        The scenario file rewritten and the library file written.
    own : tuple of str
        Ids of the own tiltak added to the library (sheet *Nye tiltak*).
    chosen : tuple of MeasureChoice
        Every tiltak the workbook chose (now in the scenario's ``measures``).
    replaced : tuple of str
        Ids from the previous import that this one replaced or removed.
    """

    scenario: Path
    library: Path
    own: tuple[str, ...]
    chosen: tuple[MeasureChoice, ...]
    replaced: tuple[str, ...] = ()


def library_file_for(scenario_path: str | Path) -> Path:
    """The library file :func:`import_into_scenario` writes: ``<scenario-stem>_tiltak.yaml`` next to it."""
    p = Path(scenario_path)
    return p.with_name(f"{p.stem}_tiltak.yaml")


def _read_mark(path: Path) -> dict:
    import json

    try:
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    except OSError:
        return {}
    if not first.startswith(IMPORT_MARK):
        return {}
    try:
        mark = json.loads(first[len(IMPORT_MARK):])
    except ValueError:
        return {}
    return mark if isinstance(mark, dict) else {}


def import_into_scenario(workbook: str | Path, scenario_path: str | Path) -> ScenarioImport:
    """Read a filled-in tiltak template into a scenario file (``planmodel tiltak import``).

    1. The own tiltak (sheet *Nye tiltak*) are added to the library the scenario uses (its
       ``library``, or the shipped one) and written as ``<scenario-stem>_tiltak.yaml`` next to the
       scenario; the scenario's ``library`` then names that file.
    2. Every tiltak the workbook chooses is put in the scenario's ``measures`` (an entry with the
       same id is replaced; other entries are kept).
    3. A new import replaces what the previous one added (own tiltak and chosen entries, listed
       on the first line of the library file), so importing twice does not duplicate anything.

    Delmål are checked against the scenario's målstruktur (:func:`planmodel.inputs.goals.scenario_goals`);
    without one they are free text. The scenario file is rewritten atomically, and only its
    top-level ``measures`` and ``library`` keys change: every other line, comment included, is
    kept (a comment *inside* the old ``measures`` list is lost). Nothing is written unless the
    new scenario validates.

    Raises
    ------
    planmodel.core.errors.InputError
        Bad cells (all at once, ``Sheet!A1: problem``), a bad scenario, or an own id that clashes
        with the scenario's library.
    """
    import json


    scenario_path, workbook = Path(scenario_path), Path(workbook)
    if not scenario_path.exists():
        raise InputError(str(scenario_path), "", "scenariofilen finnes ikke")
    s = load_scenario(scenario_path)
    cat = load_catalogue(s.catalogue)
    target = library_file_for(scenario_path)
    current = Path(s.library) if s.library else None
    ours = current is not None and current.exists() and current.resolve() == target.resolve()
    mark = _read_mark(target) if ours else {}
    prev_own = [str(x) for x in mark.get("own", [])]
    prev_chosen = [str(x) for x in mark.get("chosen", [])]
    base_name = str(current) if current is not None else "data/" + "/".join(SHIPPED_LIBRARY)
    raw = _plain(load_strict(current if current is not None else data_path(*SHIPPED_LIBRARY)))
    if not isinstance(raw, dict):
        raise InputError(base_name, "", "forventet et tiltaksbibliotek (nøkkel: verdi øverst i filen)")
    base = {**raw, "measures": {k: v for k, v in (raw.get("measures") or {}).items() if k not in prev_own}}
    if ours and "description" in base:  # drop the previous import's part of the description
        base["description"] = str(base["description"]).split(" + Egne tiltak fra ")[0]
    base_lib = parse_library(base, base_name, cat)
    goals = scenario_goals(s)
    imp = import_tiltak(workbook, cat, base_lib, goals if goals is not None else False)
    merged = _merge_library(base, base_name, imp.library_yaml)
    new_ids = [c.id for c in imp.choices]
    drop = set(prev_own) | set(prev_chosen) | set(new_ids)
    measures = [m for m in s.measures if m.id not in drop] + list(imp.choices)
    header = IMPORT_MARK + json.dumps({"workbook": workbook.name, "own": list(imp.own_ids), "chosen": new_ids},
                                      ensure_ascii=False) + "\n"
    library_text = _library_text(merged, header)
    old_scenario = scenario_path.read_text(encoding="utf-8")
    new_scenario = set_top_level(old_scenario, "measures", _measures_yaml(measures))
    new_scenario = set_top_level(new_scenario, "library", _scalar_yaml("library", target.name))
    old_library = target.read_text(encoding="utf-8") if target.exists() else None
    write_text_atomic(target, library_text)
    write_text_atomic(scenario_path, new_scenario)
    try:
        load_scenario(scenario_path)
    except InputError:  # put both files back as they were
        write_text_atomic(scenario_path, old_scenario)
        if old_library is None:
            target.unlink(missing_ok=True)
        else:
            write_text_atomic(target, old_library)
        raise
    replaced = tuple(dict.fromkeys(x for x in prev_own + prev_chosen))
    return ScenarioImport(scenario_path, target, imp.own_ids, imp.choices, replaced)


def _measures_yaml(measures: Sequence[MeasureChoice]) -> str:
    import yaml

    items = [{k: v for k, v in (("id", m.id), ("start", m.start), ("end", m.end), ("status", m.status))
              if v is not None} for m in measures]
    if not items:
        return "measures: []\n"
    return yaml.safe_dump({"measures": items}, allow_unicode=True, sort_keys=False, default_flow_style=None,
                          width=200)


def _scalar_yaml(key: str, value: str) -> str:
    import yaml

    return yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False)


_TOP_KEY = re.compile(r"^([^\s#-][^:]*?)\s*:")


def set_top_level(text: str, key: str, block: str) -> str:
    r"""YAML text with the top-level ``key`` (its line and the indented lines under it) replaced by
    ``block``, or ``block`` appended when the key is missing. Every other line is kept as it was,
    comments included; comment lines just above the next key stay with that key.

    Examples
    --------
    >>> set_top_level("id: a\n# valg\nmeasures: []\nx: 1\n", "measures", "measures:\n- {id: b, start: 2027}\n")
    'id: a\n# valg\nmeasures:\n- {id: b, start: 2027}\nx: 1\n'
    """
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if (m := _TOP_KEY.match(line)) and m.group(1).strip() == key),
                 None)
    if not block.endswith("\n"):
        block += "\n"
    if start is None:
        sep = "" if not text or text.endswith("\n") else "\n"
        return text + sep + block
    end = start + 1
    while end < len(lines) and not (_TOP_KEY.match(lines[end]) or lines[end].startswith("---")):
        end += 1
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1  # blank lines and comments at the margin before the next key belong to that key
    return "".join(lines[:start]) + block + "".join(lines[end:])
