"""The whole country: the basis scenario for every kommune, checked against its own accounts.

:func:`check_kommuner` runs the basis (only ``kommune`` changed) for all 357 kommuner (or a
subset) and gives one row per kommune: the base year against the data (netto driftsresultat, frie
inntekter, driftsinntekter, lånegjeld), the result in 2027, 2030 and 2040 with and without the
inntektssystem's demographic compensation, the largest investment share, the population change
and the data warnings. ``planmodel sjekk --alle`` writes it; ``docs/landet.md`` summarises it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import pandas as pd

from planmodel.core.errors import PlanmodelError
from planmodel.inputs.accounts import kommune_accounts
from planmodel.inputs.kommuner import all_kommuner
from planmodel.inputs.scenario import PlanScenario
from planmodel.model import run

#: The band of netto driftsresultat [share of driftsinntektene] a basis should stay in (issue 10).
BAND = (-0.06, 0.10)
#: The years whose result the table shows.
CHECK_YEARS = (2027, 2030, 2040)
#: Columns of the table, with their meaning and unit (bokmål headings are in the docs).
COLUMNS = {
    "kommune": "kommunenummer", "navn": "navn", "innbyggere_2026": "innbyggere 1.1.2026 [personer]",
    "ndr_data": "netto driftsresultat 2025, regnskap [andel]", "ndr_basis": "netto driftsresultat i basisåret [andel]",
    "fi_data": "frie inntekter 2025 [NOK 1000]", "fi_basis": "frie inntekter i basisåret [NOK 1000]",
    "di_data": "brutto driftsinntekter 2025 [NOK 1000]", "di_basis": "driftsinntekter i basisåret [NOK 1000]",
    "gjeld_data": "netto lånegjeld 2025 [NOK 1000]", "gjeld_basis": "lånegjeld i basisåret [NOK 1000]",
    **{f"ndr_{y}": f"netto driftsresultat {y}, med demografikompensasjon [andel]" for y in CHECK_YEARS},
    **{f"ndr_{y}_uten": f"netto driftsresultat {y}, uten demografikompensasjon [andel]" for y in CHECK_YEARS},
    "investering_maks": "største investeringsandel av driftsinntektene i ett år [andel]",
    "fond_min": "laveste disposisjonsfond i forhold til driftsinntektene [andel]",
    "nye_plasser_sykehjem": "nye sykehjemsplasser til 2040 [plasser]",
    "befolkning_2040": "endring i folketallet 2026-2040 [andel]",
    "advarsler": "antall dataadvarsler", "advarsel_tekst": "dataadvarslene",
    "feil": "feilmelding hvis kommunen ikke kunne beregnes",
}


def check_kommune(code: str, horizon: int = 2040, base: PlanScenario | None = None) -> dict:
    """One row of :func:`check_kommuner` for a kommune (2024 number)."""
    scenario = replace(base or PlanScenario(horizon=horizon), kommune=code)
    acc = kommune_accounts(code)
    ds = run(scenario)
    ndr = ds["netto_driftsresultat_andel"]
    rule = ds["netto_driftsresultat_andel_inntektsregel"].sel(income_rule="uten_demografi")
    pop = ds["population"].sum(["age", "sex"])
    warnings = list(ds.plan.warnings)
    row = {
        "kommune": code, "navn": ds.attrs.get("kommune_name", code), "innbyggere_2026": float(pop.isel(year=0)),
        "ndr_data": acc.ndr_share, "ndr_basis": float(ndr.isel(year=0)),
        "fi_data": acc.free_income, "fi_basis": float(ds["frie_inntekter"].isel(year=0)),
        "di_data": acc.gross_operating_income, "di_basis": float(ds["driftsinntekter"].isel(year=0)),
        "gjeld_data": acc.net_debt, "gjeld_basis": float(ds["lanegjeld"].isel(year=0)),
        "investering_maks": float(ds["investeringer_andel"].max()),
        "fond_min": float((ds["disposisjonsfond"] / ds["driftsinntekter"]).min()),
        "nye_plasser_sykehjem": float(ds["plasser_nye"].sel(place_type="institusjon").sum())
        if "institusjon" in ds["place_type"].values else 0.0,
        "befolkning_2040": float(pop.sel(year=min(2040, int(pop["year"][-1]))) / pop.isel(year=0)) - 1.0,
        "advarsler": len(warnings), "advarsel_tekst": " | ".join(warnings), "feil": "",
    }
    for y in CHECK_YEARS:
        row[f"ndr_{y}"] = float(ndr.sel(year=y)) if y in ndr["year"] else np.nan
        row[f"ndr_{y}_uten"] = float(rule.sel(year=y)) if y in rule["year"] else np.nan
    return row


def check_kommuner(codes: Iterable[str] | None = None, horizon: int = 2040) -> pd.DataFrame:
    """The basis for every kommune (default: all 357), one row each (columns :data:`COLUMNS`).

    A kommune the model cannot compute gets a row with its error message in ``feil`` instead of
    stopping the whole run, so that the table shows every kommune."""
    codes = list(all_kommuner()["kommune"]) if codes is None else list(codes)
    base = PlanScenario(horizon=horizon)
    rows = []
    for code in codes:  # one model run per kommune; each run is vectorised inside
        try:
            rows.append(check_kommune(code, horizon, base))
        except PlanmodelError as exc:
            rows.append({"kommune": code, "navn": code, "feil": str(exc)})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def summary(table: pd.DataFrame) -> dict:
    """Key figures of the country table: base-year closure, the distribution of the result in
    2030 and 2040, investment shares, warnings."""
    ok = table[table["feil"] == ""]
    ndr2030 = ok["ndr_2030"]
    lo, hi = BAND
    return {
        "kommuner": len(table), "feil": int((table["feil"] != "").sum()),
        "basis_avvik_ndr_maks": float((ok["ndr_basis"] - ok["ndr_data"]).abs().max()),
        "basis_avvik_fi_maks": float(((ok["fi_basis"] - ok["fi_data"]) / ok["fi_data"]).abs().max()),
        "ndr_2030_innenfor": float(((ndr2030 >= lo) & (ndr2030 <= hi)).mean()),
        "ndr_data_innenfor": float(((ok["ndr_data"] >= lo) & (ok["ndr_data"] <= hi)).mean()),
        "ndr_2030_percentiler": {q: float(ndr2030.quantile(q)) for q in (0.05, 0.25, 0.5, 0.75, 0.95)},
        "ndr_2040_percentiler": {q: float(ok["ndr_2040"].quantile(q)) for q in (0.05, 0.25, 0.5, 0.75, 0.95)},
        "ndr_2040_uten_percentiler": {q: float(ok["ndr_2040_uten"].quantile(q)) for q in (0.05, 0.5, 0.95)},
        "investering_maks": float(ok["investering_maks"].max()),
        "fond_negativt": int((ok["fond_min"] < 0).sum()),
        "med_advarsler": int((ok["advarsler"] > 0).sum()),
    }
