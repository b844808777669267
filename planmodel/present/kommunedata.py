"""The kommunedata workbook: everything the model knows about one kommune, for the economist to overwrite.

``planmodel kommunedata <kommune> --out k.xlsx`` writes it (:func:`write_kommunedata`);
``planmodel kommunedata import k.xlsx --out s.yaml`` reads it back into a scenario
(:func:`planmodel.inputs.kommunedata.import_kommunedata`). One sheet per topic; on every sheet
column A holds the key the import reads, the model's value stands beside an empty column
**Egen verdi** (own value), and each row says its unit and source. Only the cells the user fills
become part of the scenario; an empty cell keeps the model's value.

The layout (sheet names, header row, columns) is defined once in
:mod:`planmodel.inputs.kommunedata` and used by both directions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from planmodel.budget import INCOME_PARTS
from planmodel.core.errors import InputError
from planmodel.core.formatting import prosent
from planmodel.core.labels import USER_KEYS
from planmodel.inputs.accounts import ACCOUNTS_YEAR, OWN_FIGURES, SECTOR_AREAS, kommune_accounts
from planmodel.inputs.catalogue import load_catalogue
from planmodel.inputs.data import BASE_YEAR
from planmodel.inputs.demographic import SCENARIOS
from planmodel.inputs.economy import load_economy
from planmodel.inputs.goals import scenario_goals
from planmodel.inputs.kommunedata import (COLUMNS, EXPENSE_LINES, FIRST_ROW, GOAL_LEVELS, HEADER_ROW, INCOME_LINES,
                                          PRICES_NB, SHEETS, YEAR_COLUMNS_FIRST, goals_rows, line_years)
from planmodel.inputs.kommuner import resolve_kommune
from planmodel.inputs.readers import read_population
from planmodel.inputs.scenario import PlanScenario
from planmodel.model.chain import run
from planmodel.services.calibration import observed_users
from planmodel.present.export import save_workbook

SOURCE_SSB = "Kilde: Statistisk sentralbyrå (SSB 07459, 1.1.2026; CC BY 4.0)"
SOURCE_KOSTRA = f"KOSTRA {ACCOUNTS_YEAR} (SSB 12134/12362/12365, konsern; CC BY 4.0)"
SOURCE_KDD = f"Inntektssystemet {ACCOUNTS_YEAR} (KDD, beregningsteknisk dokumentasjon og sluttavregning)"
MONEY = '#,##0;-#,##0'


def write_kommunedata(kommune: str, path: str | Path, scenario: PlanScenario | None = None) -> Path:
    """Write the kommunedata workbook for ``kommune`` to ``path`` (.xlsx, atomically).

    With ``scenario`` (a scenario for the same kommune) the column **Egen verdi** is filled from
    it (its own figures, amounts, places, assumptions and population file), so that a scenario can
    go to Excel and back; otherwise that column is empty."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    code = resolve_kommune(kommune).code
    if scenario is not None and scenario.kommune != code:
        raise InputError(scenario.source, "kommune", f"scenarioet gjelder {scenario.kommune}, ikke {code}; "
                         "bruk samme kommune")
    if scenario is not None and scenario.base_year != BASE_YEAR:
        raise InputError(scenario.source, "demography.base_population",
                         f"scenarioet har basisår {scenario.base_year} (fra befolkningsfilen); arbeidsboken gjelder "
                         f"basisåret {BASE_YEAR}. Endre tallene i scenariofilen, eller bruk en befolkningsfil som "
                         f"slutter i {BASE_YEAR}")
    basis = PlanScenario(id="basis", title="Basisalternativ", kommune=code)
    ds = run(basis)
    name = str(ds.attrs.get("kommune_name", code))
    accounts = kommune_accounts(code)
    eco = load_economy()
    own = scenario
    wb = Workbook()
    bold = Font(bold=True)
    title_font = Font(bold=True, size=13)
    fill = PatternFill("solid", fgColor="FFF2CC")

    def sheet(key: str, title: str, note: str, header: list[str]):
        ws = wb.create_sheet(SHEETS[key])
        ws.cell(row=1, column=1, value=title).font = title_font
        ws.cell(row=2, column=1, value=note)
        for j, h in enumerate(header, start=1):
            ws.cell(row=HEADER_ROW, column=j, value=h).font = bold
        ws.freeze_panes = ws.cell(row=FIRST_ROW, column=2)
        return ws

    def own_cell(ws, row: int, col: int, value: Any, fmt: str | None = MONEY):
        c = ws.cell(row=row, column=col, value=_plain(value))
        c.fill = fill
        if fmt and isinstance(value, (int, float)):
            c.number_format = fmt
        return c

    def widths(ws, cols: dict[str, int]):
        for letter, w in cols.items():
            ws.column_dimensions[letter].width = w

    # ---------------------------------------------------------------- Les meg
    ws = wb.active
    ws.title = SHEETS["readme"]
    text = [
        (f"Kommunedata for {name} ({code})", title_font),
        ("Alt planmodel vet om kommunen, med enhet og kilde. Skriv egne tall i de gule cellene (kolonnen «Egen verdi»); "
         "tomme celler beholder modellens verdi.", None),
        ("Beløp er i 1000 kr. Regnskapstall gjelder " f"{ACCOUNTS_YEAR}; befolkningen er 1. januar {BASE_YEAR}.", None),
        ("Slik gjør du det:", bold),
        ("1. Fyll inn det du vet: frie inntekter år for år (for eksempel fra KS' prognosemodell), lånegjeld og "
         "disposisjonsfond i kroner, netto driftsutgifter per sektor, plasser, eiendomsskatt og andre generelle "
         "inntekter, pensjon/premieavvik som egen linje.", None),
        ("2. Lagre filen og kjør:  planmodel kommunedata import " f"{code}.xlsx --out scenarier/min_kommune.yaml", None),
        ("3. Kjør scenarioet:  planmodel run scenarier/min_kommune.yaml", None),
        ("Ark:", bold),
        (f"«{SHEETS['scenario']}»: scenarioets id, tittel og befolkningsalternativ.", None),
        (f"«{SHEETS['population']}»: befolkningen etter alder og kjønn; fyll begge de gule kolonnene helt ut for å "
         "bruke egne tall (alle aldre), ellers brukes SSBs.", None),
        (f"«{SHEETS['accounts']}»: regnskapet {ACCOUNTS_YEAR} (KOSTRA og inntektssystemet); egne tall erstatter dem i "
         "basisåret. Egne netto driftsutgifter per sektor skalerer enhetskostnadene i sektoren.", None),
        (f"«{SHEETS['years']}»: egne beløp år for år. Frie inntekter gjelder de årene du fyller; senere år følger "
         "modellens utvikling fra ditt siste nivå. En linje (eiendomsskatt, pensjon …) holder sitt nivå til neste "
         f"år som er fylt; kolonnen {ACCOUNTS_YEAR} er beløpet i regnskapet.", None),
        (f"«{SHEETS['places']}»: plasser i dag (modellens anslag er dagens brukere rundet opp).", None),
        (f"«{SHEETS['users']}»: brukere i omsorgstjenestene (KOSTRA); egne tall kalibrerer dekningsgradene.", None),
        (f"«{SHEETS['economy']}»: de økonomiske forutsetningene, med gyldig område og kilde.", None),
        (f"«{SHEETS['goals']}»: kommunens målstruktur (hovedmål, hovedgrep, delmål) som tiltakene knyttes til; "
         "tom betyr ingen målstruktur.", None),
        ("Modellens verdier er basisalternativet i planmodel. Kilde for befolkning og KOSTRA: Statistisk sentralbyrå "
         "(CC BY 4.0).", None),
    ]
    for i, (t, font) in enumerate(text, start=1):
        c = ws.cell(row=i, column=1, value=t)
        if font is not None:
            c.font = font
    widths(ws, {"A": 130})

    # ---------------------------------------------------------------- Scenario
    ws = sheet("scenario", f"Scenario for {name}", "Id brukes som filnavn (a–z, 0–9, _ og -).",
               ["nøkkel", "Hva", "Modellens verdi", "Egen verdi", "Forklaring"])
    rows = [("kommune", "Kommune", code, None, f"{name}; kan ikke endres her (lag en ny arbeidsbok for en annen kommune)"),
            ("id", "Scenarioets id", "(filnavnet)", own.id if own else None,
             "a–z, 0–9, _ og -; tom: navnet på scenariofilen som skrives ved import"),
            ("title", "Tittel", f"Egne tall for {name}", own.title if own else None, "vises i tabeller og notater"),
            ("demographic", "Befolkningsalternativ", "main", own.demographic if own and own.demographic != "main" else None,
             "; ".join(f"{k} = {v.label}" for k, v in SCENARIOS.items() if not k.startswith("ssb"))),
            ("horizon", "Siste år i det lange perspektivet", basis.horizon,
             own.horizon if own and own.horizon != basis.horizon else None, "år (etter økonomiplanperioden)")]
    for i, (key, what, model, mine, expl) in enumerate(rows):
        r = FIRST_ROW + i
        ws.cell(row=r, column=1, value=key)
        ws.cell(row=r, column=2, value=what)
        ws.cell(row=r, column=3, value=model)
        if key != "kommune":
            own_cell(ws, r, 4, mine, None)
        ws.cell(row=r, column=5, value=expl)
    dv = DataValidation(type="list", formula1='"' + ",".join(k for k in SCENARIOS if not k.startswith("ssb")) + '"',
                        allow_blank=True)
    ws.add_data_validation(dv)
    dv.add(f"D{FIRST_ROW + 3}")
    widths(ws, {"A": 14, "B": 36, "C": 24, "D": 24, "E": 90})

    # ---------------------------------------------------------------- Befolkning
    ws = sheet("population", f"Befolkning 1. januar {BASE_YEAR} etter alder og kjønn (personer)",
               f"{SOURCE_SSB}. Fyll begge de gule kolonnene for alle aldre for å bruke egne tall.",
               COLUMNS["population"])
    pop0 = ds["population"].sel(year=BASE_YEAR).transpose("age", "sex").values
    own_pop = _own_population(own)
    for a in range(pop0.shape[0]):
        r = FIRST_ROW + a
        ws.cell(row=r, column=1, value=a)
        ws.cell(row=r, column=2, value=float(pop0[a, 0])).number_format = MONEY
        ws.cell(row=r, column=3, value=float(pop0[a, 1])).number_format = MONEY
        own_cell(ws, r, 4, None if own_pop is None else float(own_pop[a, 0]))
        own_cell(ws, r, 5, None if own_pop is None else float(own_pop[a, 1]))
    widths(ws, {"A": 10, "B": 16, "C": 16, "D": 16, "E": 16})

    # ---------------------------------------------------------------- Regnskap
    ws = sheet("accounts", f"Regnskapet {ACCOUNTS_YEAR} (1000 kr)",
               "Basisåret i økonomiplanen er kommunens regnskap. Egne tall erstatter KOSTRA/KDD.",
               COLUMNS["accounts"])
    fund0 = float(eco.fund_share.value * accounts.gross_operating_income)
    model = {"free_income": (accounts.free_income, SOURCE_KDD), "tax": (accounts.tax, SOURCE_KDD),
             "gross_operating_income": (accounts.gross_operating_income, SOURCE_KOSTRA),
             "net_operating_result": (accounts.net_operating_result, SOURCE_KOSTRA),
             "net_debt": (accounts.net_debt, SOURCE_KOSTRA),
             "fund": (fund0, f"Antakelse: landets andel {prosent(eco.fund_share.value)} av driftsinntektene "
                      "(kommunens eget fond er ikke i dataene)")}
    r = FIRST_ROW
    for key, label in OWN_FIGURES.items():
        value, source = model[key]
        ws.cell(row=r, column=1, value=key)
        ws.cell(row=r, column=2, value=label)
        ws.cell(row=r, column=3, value="1000 kr")
        ws.cell(row=r, column=4, value=float(value)).number_format = MONEY
        own_cell(ws, r, 5, own.accounts.get(key) if own else None)
        ws.cell(row=r, column=6, value=source)
        r += 1
    for area, (label, functions) in SECTOR_AREAS.items():
        ws.cell(row=r, column=1, value=f"sectors.{area}")
        ws.cell(row=r, column=2, value=f"Netto driftsutgifter, {label.lower()}")
        ws.cell(row=r, column=3, value="1000 kr")
        ws.cell(row=r, column=4, value=float(accounts.sectors[area])).number_format = MONEY
        own_cell(ws, r, 5, own.accounts.get("sectors", {}).get(area) if own else None)
        ws.cell(row=r, column=6, value=f"{SOURCE_KOSTRA}, funksjon {', '.join(functions)}")
        r += 1
    r += 1
    ws.cell(row=r, column=2, value=f"Inntektssystemet {ACCOUNTS_YEAR}, delene av de frie inntektene (til orientering)").font = bold
    r += 1
    for part, label in INCOME_PARTS.items():
        ws.cell(row=r, column=1, value=f"info.{part}")
        ws.cell(row=r, column=2, value=label)
        ws.cell(row=r, column=3, value="1000 kr")
        ws.cell(row=r, column=4, value=float(ds[part].sel(year=BASE_YEAR))).number_format = MONEY
        ws.cell(row=r, column=6, value=SOURCE_KDD + "; innbyggertilskuddet er likt per innbygger")
        r += 1
    widths(ws, {"A": 28, "B": 44, "C": 10, "D": 18, "E": 18, "F": 90})

    # ---------------------------------------------------------------- År for år
    years = line_years(basis.horizon)
    ws = sheet("years", "Egne beløp år for år (1000 kr)",
               "Frie inntekter: modellens bane står over; skriv egne tall i den gule raden. Linjene holder nivået til "
               f"neste utfylte år; {ACCOUNTS_YEAR} er beløpet i regnskapet.",
               ["nøkkel", "Linje", "Enhet"] + [f"{y} (regnskap)" if y == ACCOUNTS_YEAR else str(y) for y in years])
    budget = own.budget if own else {}
    r = FIRST_ROW
    ws.cell(row=r, column=1, value="prices")
    ws.cell(row=r, column=2, value="Prisgrunnlag for beløpene på dette arket")
    own_cell(ws, r, YEAR_COLUMNS_FIRST, PRICES_NB[budget.get("prices", "fixed")], None)
    ws.cell(row=r, column=YEAR_COLUMNS_FIRST + 1,
            value=f"«{PRICES_NB['fixed']}» eller «{PRICES_NB['nominal']}» (løpende priser omregnes til faste med "
                  f"deflatoren {prosent(eco.deflator.value)} per år)")
    dv = DataValidation(type="list", formula1='"' + ",".join(PRICES_NB.values()) + '"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add(ws.cell(row=r, column=YEAR_COLUMNS_FIRST).coordinate)
    r += 1
    ws.cell(row=r, column=1, value="model_free_income")
    ws.cell(row=r, column=2, value="Frie inntekter, modellen (basisalternativet, faste 2025-priser)")
    ws.cell(row=r, column=3, value="1000 kr")
    fi = ds["frie_inntekter"]
    for j, y in enumerate(years):
        v = accounts.free_income if y == ACCOUNTS_YEAR else float(fi.sel(year=y))
        ws.cell(row=r, column=YEAR_COLUMNS_FIRST + j, value=float(v)).number_format = MONEY
    r += 1
    ws.cell(row=r, column=1, value="free_income")
    ws.cell(row=r, column=2, value="Frie inntekter, egne tall (for eksempel KS' prognosemodell)")
    ws.cell(row=r, column=3, value="1000 kr")
    for j, y in enumerate(years):
        if y != ACCOUNTS_YEAR:
            own_cell(ws, r, YEAR_COLUMNS_FIRST + j, budget.get("free_income", {}).get(y))
    r += 1
    for kind, lines in (("income_lines", INCOME_LINES), ("expense_lines", EXPENSE_LINES)):
        given = dict(budget.get(kind, {}))
        names = list(lines) + [n for n in given if n not in lines]
        for line in names:
            ws.cell(row=r, column=1, value=f"{kind}.{line}")
            ws.cell(row=r, column=2, value=lines.get(line, line))
            ws.cell(row=r, column=3, value="1000 kr")
            for j, y in enumerate(years):
                own_cell(ws, r, YEAR_COLUMNS_FIRST + j, given.get(line, {}).get(y))
            r += 1
    widths(ws, {"A": 34, "B": 62, "C": 10, **{_letter(YEAR_COLUMNS_FIRST + j): 14 for j in range(len(years))}})

    # ---------------------------------------------------------------- Plasser
    ws = sheet("places", f"Plasser i basisåret {BASE_YEAR} (antall plasser)",
               "Modellens anslag er dagens brukere rundet opp til hele plasser. Oppgi det kommunen faktisk har.",
               COLUMNS["places"])
    catalogue = load_catalogue()
    r = FIRST_ROW
    existing = ds["plasser_eksisterende"] if "plasser_eksisterende" in ds else None
    for pid, pt in catalogue.place_types.items():
        ws.cell(row=r, column=1, value=pid)
        ws.cell(row=r, column=2, value=pt.name)
        ws.cell(row=r, column=3, value="plasser")
        if existing is not None and pid in existing["place_type"].values:
            ws.cell(row=r, column=4, value=float(existing.sel(place_type=pid))).number_format = MONEY
        own_cell(ws, r, 5, own.existing_places.get(pid) if own else None)
        ws.cell(row=r, column=6, value="KOSTRA-brukere i basisåret (modellens kalibrering)")
        r += 1
    widths(ws, {"A": 22, "B": 40, "C": 10, "D": 16, "E": 16, "F": 60})

    # ---------------------------------------------------------------- Brukere
    ws = sheet("users", f"Brukere i omsorgstjenestene, KOSTRA {ACCOUNTS_YEAR} (personer)",
               "Tjenestenes dekningsgrader kalibreres mot disse tallene. Tom KOSTRA-celle: tallet er skjermet eller "
               "mangler, og katalogens nasjonale dekningsgrad brukes; egne tall fyller hullet.",
               COLUMNS["users"])
    observed = observed_users(code, ACCOUNTS_YEAR, ds["population"].sel(year=BASE_YEAR).sum("sex"))
    r = FIRST_ROW
    for key, label in USER_KEYS.items():
        group, band = key.split(".")
        value, source = observed.get((group, band), (None, "ikke i KOSTRA for kommunen (skjermet eller mangler)"))
        ws.cell(row=r, column=1, value=key)
        ws.cell(row=r, column=2, value=label)
        ws.cell(row=r, column=3, value="personer")
        if value is not None:
            ws.cell(row=r, column=4, value=float(value)).number_format = MONEY
        own_cell(ws, r, 5, own.users.get(key) if own else None)
        ws.cell(row=r, column=6, value=source)
        r += 1
    widths(ws, {"A": 26, "B": 62, "C": 10, "D": 14, "E": 14, "F": 80})

    # ---------------------------------------------------------------- Forutsetninger
    ws = sheet("economy", "Økonomiske forutsetninger", "Gyldig område står i kolonne D; kilde og begrunnelse i G.",
               COLUMNS["economy"])
    r = FIRST_ROW
    for key in eco.names:
        a = eco.entry(key)
        if a.value is None:  # set by the kommune's own accounts (sheet Regnskap)
            continue
        ws.cell(row=r, column=1, value=key)
        ws.cell(row=r, column=2, value=a.label)
        ws.cell(row=r, column=3, value=_UNIT_NB.get(a.unit, a.unit))
        ws.cell(row=r, column=4, value=f"{a.minimum:g} – {a.maximum:g}")
        ws.cell(row=r, column=5, value=float(a.value))
        own_cell(ws, r, 6, own.economy.get(key) if own else None, None)
        ws.cell(row=r, column=7, value=a.source)
        r += 1
    widths(ws, {"A": 30, "B": 60, "C": 22, "D": 16, "E": 14, "F": 14, "G": 90})

    # ---------------------------------------------------------------- Målstruktur
    ws = sheet("goals", "Målstruktur: kommuneplanens hovedmål, sektorer, hovedgrep og delmål",
               "Én rad per mål; kolonne A sier nivået: " + "; ".join(GOAL_LEVELS.values()) +
               ". Eksempel: hovedmal | HM1 | Gode tjenester for alle | Gode tjenester; sektor | HO | Helse og omsorg | "
               "helse_og_omsorg; hovedgrep | HG1 | Mestring | HO | HM1; delmal | HG1.1 | Flere bor hjemme lenger. "
               "Tom: kommunen har ingen målstruktur i planmodel (tiltak vises uten mål). Modellens sektorer: "
               + ", ".join(load_catalogue().sectors) + ".",
               COLUMNS["goals"])
    own_goals = scenario_goals(own) if own is not None and own.goals is not None else None
    for i, row in enumerate(goals_rows(own_goals) if own_goals is not None else []):
        for j, v in enumerate(row, start=1):
            if v is not None:
                own_cell(ws, FIRST_ROW + i, j, v, None)
    dv = DataValidation(type="list", formula1='"' + ",".join(GOAL_LEVELS) + '"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add(f"A{FIRST_ROW}:A{FIRST_ROW + 300}")
    widths(ws, {"A": 12, "B": 12, "C": 70, "D": 34, "E": 22})
    return save_workbook(wb, path)


_UNIT_NB = {"share": "andel (0,02 = 2 %)", "share per year": "andel per år", "NOK per inhabitant": "kr per innbygger",
            "years": "år"}


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def _plain(v: Any) -> Any:
    if isinstance(v, (np.floating, np.integer)):
        return v.item()
    return v


def _own_population(scenario: PlanScenario | None) -> np.ndarray | None:
    """The scenario's own population in the base year (age, sex) [persons], or None."""
    if scenario is None or scenario.base_population is None:
        return None
    pop = read_population(scenario.base_population, kommune=scenario.kommune)
    return pop.sel(year=BASE_YEAR).transpose("age", "sex").values
