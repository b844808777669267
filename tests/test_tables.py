"""Tables for Norwegian readers (planmodel.tables): hand-checked cells, Sum rows, units, 2×2 corners.

Three kinds of input:

- a tiny hand-built Dataset (two sectors, three years) for the cost tables, where every cell
  can be checked in the head;
- the mini catalogue (``tests/fixtures/services/mini.yaml``) run through the real pipeline on a
  fixed population of 200 ten-year-olds, 100 forty-year-olds and 100 eighty-year-olds, for the
  care staircase and the crisis 2×2 (corners worked out by hand below);
- Bærum (3201) with the shipped catalogue, where table cells are compared with the Dataset.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from planmodel.present import tables as T
from planmodel.core.ages import AGES, SEXES
from planmodel.services.calibration import Calibration, calibrate
from planmodel.core.errors import InputError
from planmodel.core.formatting import MINUS, NBSP
from planmodel.analysis.crisis import BREADTH_VALUES, THRESHOLD_VALUES, crisis_matrix
from planmodel.core.labels import BREADTH_CORNER, THRESHOLD_CORNER
from planmodel.inputs.catalogue import load_catalogue
from planmodel.inputs.scenario import PlanScenario
from planmodel.services.demand import ServiceOptions
from planmodel.services.servicemodel import run_services, service_results

MINI = Path(__file__).parent / "fixtures" / "services" / "mini.yaml"
YEARS = np.arange(2026, 2031)


# --------------------------------------------------------------------------------- fixtures

def tiny_dataset() -> xr.Dataset:
    """Two sectors, years 2026-2028, money in NOK 1000."""
    years = [2026, 2027, 2028]
    cost = [[1_000.0, 2_000.0, 3_460.0],    # Omsorg:  1,0  2,0  3,46 mill. kr
            [12_340.0, 12_340.0, 500.0]]    # Oppvekst: 12,34 12,34 0,5
    demo = [[1_000.0, 1_500.0, 2_240.0],
            [12_340.0, 12_000.0, 11_500.0]]
    units = "NOK 1000, 2025 prices"
    ds = xr.Dataset(
        {"cost_sector": (("sector", "year"), cost, {"units": units}),
         "demographic_cost_sector": (("sector", "year"), demo, {"units": units})},
        coords={"sector": ["omsorg", "oppvekst"], "year": years,
                "sector_name": ("sector", ["Omsorg", "Oppvekst"])},
    )
    ds.attrs.update(price_year=2025, kommune_name="Testby")
    return ds


@pytest.fixture(scope="module")
def mini():
    return load_catalogue(MINI)


def catalogue_calibration(catalogue) -> Calibration:
    """A calibration with the catalogue's own coverage and unit costs (no kommune data)."""
    return Calibration(catalogue.arrays()["coverage"], table=pd.DataFrame(), kommune="test", kostra_year=2025)


def mini_population() -> xr.DataArray:
    vals = np.zeros((YEARS.size, AGES.size, 2))
    vals[:, 10, :] = 100.0
    vals[:, 40, :] = 50.0
    vals[:, 80, :] = 50.0
    return xr.DataArray(vals, coords={"year": YEARS, "age": AGES, "sex": list(SEXES)},
                        dims=("year", "age", "sex"))


def mini_run(mini, options=None) -> xr.Dataset:
    pop = mini_population()
    ds = service_results(pop, mini, catalogue_calibration(mini), options or ServiceOptions())
    ds["population"] = pop
    return ds


@pytest.fixture(scope="module")
def mini_crisis(mini):
    """The 2×2 on the mini catalogue through the service model alone (terskel and tilbud as
    dimensions that broadcast through every step), labelled as crisis_matrix labels it."""
    th = xr.DataArray(list(THRESHOLD_VALUES.values()), dims="threshold_option",
                      coords={"threshold_option": list(THRESHOLD_VALUES)})
    br = xr.DataArray(list(BREADTH_VALUES.values()), dims="breadth_option",
                      coords={"breadth_option": list(BREADTH_VALUES)})
    ds = mini_run(mini, ServiceOptions(threshold=th, breadth=br))
    return ds.assign_coords(
        threshold_label=("threshold_option", [THRESHOLD_CORNER[t] for t in THRESHOLD_VALUES]),
        breadth_label=("breadth_option", [BREADTH_CORNER[b] for b in BREADTH_VALUES]),
    )


@pytest.fixture(scope="module")
def baerum():
    return run_services("3201", end_year=2040)


@pytest.fixture(scope="module")
def baerum_crisis():
    return crisis_matrix(PlanScenario(kommune="3201", horizon=2040))


# ---------------------------------------------------------------------------- cost tables

def test_sector_cost_table_by_hand():
    df = T.sector_cost_table(tiny_dataset(), [2026, 2028])
    assert list(df.index) == ["Omsorg", "Oppvekst", "Sum"]
    assert list(df.columns) == [2026, 2028] and df.columns.name == "År"
    # NOK 1000 / 1000 = mill. kr, one decimal
    assert df.loc["Omsorg"].tolist() == [1.0, 3.5]
    assert df.loc["Oppvekst"].tolist() == [12.3, 0.5]
    # Sum of the unrounded values, then rounded: 13.34 -> 13.3, 3.96 -> 4.0
    assert df.loc["Sum"].tolist() == [13.3, 4.0]
    assert df.attrs["units"] == "mill. kr, faste 2025-priser"
    assert df.attrs["title"] == "Kostnad etter sektor – Testby"
    assert df.attrs["decimals"] == 1


def test_demographic_tables_by_hand():
    ds = tiny_dataset()
    level = T.sector_cost_table(ds, [2027], demographic=True)
    assert level[2027].tolist() == [1.5, 12.0, 13.5]
    assert level.attrs["title"].startswith("Demografikostnad")
    change = T.demographic_cost_change_table(ds, [2027, 2028])
    # from the base year 2026: omsorg +0.5, +1.24; oppvekst -0.34, -0.84
    assert change.loc["Omsorg"].tolist() == [0.5, 1.2]
    assert change.loc["Oppvekst"].tolist() == [-0.3, -0.8]
    assert change.loc["Sum"].tolist() == [0.2, 0.4]
    assert change.attrs["units"] == "mill. kr, faste 2025-priser"
    assert "2026" in change.attrs["title"]
    from_2027 = T.demographic_cost_change_table(ds, [2028], base_year=2027)
    assert from_2027.loc["Omsorg", 2028] == pytest.approx(0.7)


def test_sum_row_is_the_sum_within_rounding(baerum):
    years = [2026, 2030, 2035, 2040]
    for df in (T.sector_cost_table(baerum, years), T.demographic_cost_change_table(baerum, years)):
        parts = df.drop(index=T.SUM).sum()
        # at most 0.05 per row of rounding difference
        assert np.all(np.abs(df.loc[T.SUM] - parts) <= 0.05 * (len(df) - 1) + 1e-9)


def test_baerum_sector_costs_match_the_dataset(baerum):
    df = T.sector_cost_table(baerum, [2026, 2040])
    expected = baerum.cost_sector.sel(sector="helse_og_omsorg", year=2040) / 1000
    assert df.loc["Helse og omsorg", 2040] == pytest.approx(float(expected), abs=0.05)
    assert df.loc[T.SUM, 2026] == pytest.approx(float(baerum.cost_sector.sel(year=2026).sum()) / 1000, abs=0.05)
    change = T.demographic_cost_change_table(baerum, [2040])
    d = baerum.demographic_cost_sector.sel(sector="helse_og_omsorg")
    assert change.loc["Helse og omsorg", 2040] == pytest.approx(float(d.sel(year=2040) - d.sel(year=2026)) / 1000, abs=0.05)
    # the 80+ wave makes care dearer at constant coverage and standard
    assert change.loc["Helse og omsorg", 2040] > 1000


def test_cost_per_inhabitant_table(baerum):
    df = T.cost_per_inhabitant_table(baerum)
    assert list(df.index)[:-1] == list(baerum.age_group.values) and df.index[-1] == "I alt"
    cpi = baerum.cost_per_inhabitant
    assert df.loc["90+", "Kr per innbygger"] == pytest.approx(float(cpi.sel(age_group="90+")), abs=0.5)
    ratio = float(cpi.sel(age_group="90+") / cpi.sel(age_group="20-44"))
    assert df.loc["90+", "Forhold til 20–44 år"] == pytest.approx(ratio, abs=0.05)
    assert df.loc["20-44", "Forhold til 20–44 år"] == 1.0
    # group totals add up to the base year's cost of all services
    total = float(baerum.cost_sector.sel(year=2026).sum()) / 1000
    assert df.loc["I alt", "Kostnad i alt (mill. kr)"] == pytest.approx(total, abs=0.05)
    assert df.loc["I alt", "Innbyggere 1.1.2026"] == pytest.approx(float(baerum.population.sel(year=2026).sum()))
    assert "kr per innbygger" in df.attrs["units"]


# ------------------------------------------------------------------------- care staircase

def test_care_level_table_on_the_mini_catalogue(mini):
    from planmodel.services.demand import ServiceOptions

    ds = mini_run(mini, ServiceOptions(threshold=1.0))
    df = T.care_level_table(ds, [2026, 2028], catalogue=mini)
    assert df.loc[("Brukere", "Nivå 2: Hjemmesykepleie"), 2026] == 20
    assert df.loc[("Brukere", "Nivå 2: Hjemmesykepleie"), 2028] == 16  # 20 x (1 - 0.2)
    # heavy +10 % after the 2-year lag: need 11, 10 places, 1 waiting
    assert df.loc[("Behov", "Sykehjem"), 2028] == 11
    assert df.loc[("Plasser", "Sykehjem"), 2028] == 10
    assert df.loc[("Ventende", "Sykehjem"), 2028] == 1
    assert df.loc[("Trinn ned", "Sykehjem"), 2028] == 0
    assert df.index.names == ["Mål", "Nivå / gruppe"]
    assert df.attrs["units"].startswith("personer")


def test_care_level_table_baerum_need_minus_places_is_the_queue(baerum):
    years = [2026, 2030, 2040]
    df = T.care_level_table(baerum, years)
    for g in ("Sykehjemsplasser (langtid og korttid)", "Heldøgns bemannede omsorgsboliger"):
        gap = df.loc[("Behov", g)] - df.loc[("Plasser", g)]
        assert np.all(np.abs(gap - df.loc[("Ventende", g)]) <= 1)
    lvl4 = baerum.users_by_level.sel(care_level=4, year=2040)
    assert df.loc[("Brukere", "Nivå 4: Langtidsplass i sykehjem"), 2040] == round(float(lvl4))


# --------------------------------------------------------------------------------- workforce

def test_workforce_table(baerum):
    years = [2026, 2040]
    df = T.workforce_table(baerum, years)
    care = df.loc["Helse og omsorg"]
    assert care.loc["Behov", 2040] == round(float(baerum.fte_sector.sel(sector="helse_og_omsorg", year=2040)))
    assert abs(care.loc["Gap (behov − tilgang)", 2040] - (care.loc["Behov", 2040] - care.loc["Tilgang", 2040])) <= 1
    assert care.loc["Gap (behov − tilgang)", 2026] == 0
    assert care.loc["Rekrutteringsbehov per år", 2040] >= care.loc["herav pensjonering", 2040]
    assert list(df.index.get_level_values("Sektor").unique())[-1] == T.SUM
    total = float(baerum.fte_sector.sel(year=2040).sum())
    assert df.loc[(T.SUM, "Behov"), 2040] == round(total)


# ------------------------------------------------------------------------------- crisis 2×2

def test_crisis_table_corners_by_hand(mini_crisis):
    """Mini catalogue, 2028 (the heavy lag of 2 years is fully phased in):

    high threshold, narrow: home care 20 x 0.8 = 16 (3 200), nursing home demand
    10 x 1.1 (threshold) x 1.1 (day centre dropped) = 12.1 -> 10 places (10 000), day centre 0;
    low threshold, broad: home care 24 (4 800), nursing home 10 x 0.9 x 0.95 = 8.55 (8 550),
    day centre 7.5 (750); school 200 x 100 000 = 20 000 in every corner [NOK 1000].
    """
    cost = T.crisis_table(mini_crisis, 2028)
    assert list(cost.index) == ["Smalt tilbud", "Bredt tilbud"]
    assert list(cost.columns) == ["Høy terskel", "Lav terskel"]
    assert cost.loc["Smalt tilbud", "Høy terskel"] == pytest.approx(33.2)
    assert cost.loc["Bredt tilbud", "Lav terskel"] == pytest.approx(34.1)
    queue = T.crisis_table(mini_crisis, 2028, "queue_total")
    # narrow/high 12.1 - 10; broad/high 10 x 1.1 x 0.95 = 10.45; low threshold: under capacity
    assert queue.loc["Smalt tilbud", "Høy terskel"] == 2
    assert queue.loc["Bredt tilbud", "Høy terskel"] == 0
    assert queue.loc[:, "Lav terskel"].tolist() == [0, 0]
    unmet = T.crisis_table(mini_crisis, 2028, "unmet_need_total")
    assert unmet.loc[:, "Høy terskel"].tolist() == [8, 8]  # 24 at the lowest threshold - 16
    gap = T.crisis_table(mini_crisis, 2028, "fte_gap_total")
    assert gap.loc["Smalt tilbud", "Høy terskel"] == -1  # 13.2 needed - 14.5 supply (school unchanged)
    assert cost.attrs["units"] == "mill. kr, faste 2025-priser"
    assert queue.attrs["units"] == "personer"


def test_crisis_table_matches_the_dataset(baerum_crisis):
    cm = baerum_crisis
    for metric, var, dim in [("cost_total", "sektor_ramme", "sector"), ("queue_total", "queue", "capacity_group"),
                             ("unmet_need_total", "unmet_need", "threshold_group")]:
        df = T.crisis_table(cm, 2040, metric)
        decimals = T.CRISIS_METRICS[metric][2]
        scale = 1000 if metric == "cost_total" else 1
        for b, bl in zip(cm.breadth_option.values, cm.breadth_label.values):
            for t, tl in zip(cm.threshold_option.values, cm.threshold_label.values):
                value = float(cm[var].sel(year=2040, breadth_option=b, threshold_option=t).sum(dim)) / scale
                assert df.loc[str(bl), str(tl)] == pytest.approx(round(value, decimals)), (metric, b, t)
    care = T.crisis_table(cm, 2040, "fte_gap_care")
    v = cm.fte_gap.sel(year=2040, sector="helse_og_omsorg", breadth_option="narrow", threshold_option="low")
    assert care.loc["Smalt tilbud", "Lav terskel"] == round(float(v))


def test_crisis_overview(baerum_crisis):
    df = T.crisis_overview(baerum_crisis, [2030, 2040])
    assert df.index.names == ["År", "Tilbud", "Terskel"]
    assert len(df) == 8
    assert list(df.columns) == ["Kostnad i alt (mill. kr)", "Årsverksgap helse og omsorg",
                                "Årsverksgap alle sektorer (netto)", "Udekket behov", "Ventende"]
    row = df.loc[(2040, "Smalt tilbud", "Høy terskel")]
    table = T.crisis_table(baerum_crisis, 2040, "cost_total")
    assert row["Kostnad i alt (mill. kr)"] == table.loc["Smalt tilbud", "Høy terskel"]
    # unmet need is measured against the low threshold: zero there by definition
    assert (df.xs("Lav terskel", level="Terskel")["Udekket behov"] == 0).all()
    assert (df.xs("Høy terskel", level="Terskel")["Udekket behov"] > 0).all()


# ------------------------------------------------------------------------------ catalogue

def test_parameter_table_keeps_status_visible():
    cat = load_catalogue()
    df = T.parameter_table(cat)
    assert len(df) == len(cat.parameter_table())
    statuses = set(df[("Dekningsgrad (%)", "status")]) | set(df[("Kr per bruker og år", "status")]) \
        | set(df[("Årsverk per bruker", "status")])
    assert statuses == {"kilde", "beregnet", "anslag"}
    row = df.loc[("Barnehage", "1–2")]
    assert row[("Dekningsgrad (%)", "katalog")] == pytest.approx(89.7)
    assert row[("Kr per bruker og år", "verdi")] == 380_000
    assert row[("Lovpålagt", "")] == "ja"
    some = T.parameter_table(cat, ["sykehjem_langtid", "barnehage"])
    assert list(some.index.get_level_values("Tjeneste").unique()) == ["Langtidsplass i sykehjem", "Barnehage"]
    with pytest.raises(InputError, match="ukjente tjenester"):
        T.parameter_table(cat, ["sykehjem"])


def test_parameter_table_says_what_was_calibrated(baerum):
    cat = load_catalogue()
    cal = calibrate(cat, baerum.population.sel(year=2026), "3201", 2025)
    df = T.parameter_table(cat, ["hjemmesykepleie", "barnehage"], calibration=cal)
    basis = df[("Dekningsgrad (%)", "grunnlag")]
    assert set(basis.xs("Hjemmesykepleie (helsetjenester i hjemmet)", level="Tjeneste")) == {"kalibrert"}
    assert set(basis.xs("Barnehage", level="Tjeneste")) == {"katalog"}
    used = df.loc[("Hjemmesykepleie (helsetjenester i hjemmet)", "80+"), ("Dekningsgrad (%)", "brukt")]
    assert used == pytest.approx(100 * float(cal.coverage.sel(service="hjemmesykepleie", age=85)), abs=0.005)
    ct = T.calibration_table(cal)
    assert ct.loc[("Heldøgns omsorgsbolig", "alle aldre"), "Observert"] == 668
    assert "SSB" in ct.attrs["note"]


def test_threshold_and_breadth_tables():
    cat = load_catalogue()
    th = T.threshold_table(cat)
    row = th.loc[("Pleie og omsorg (omsorgstrappen)", "Lav terskel", "lette")]
    assert (row["Anslag"], row["Lav"], row["Høy"]) == (25, 15, 35)
    assert th.loc[("Pleie og omsorg (omsorgstrappen)", "Høy terskel", "tunge"), "Etterslep (år)"] == 3
    br = T.breadth_table(cat)
    assert br.loc[("Dagaktivitetstilbud", "Langtidsplass i sykehjem"), "Endring (%)"] == -2
    assert br.loc[("Kulturskole", "–"), "Smalt tilbud"] == "beholder 50 %"
    assert set(br.index.get_level_values("Tjeneste")) == {cat.services[s].name for s in cat.optional()}


# ----------------------------------------------------------------------- errors and format

def test_errors_name_the_problem(baerum_crisis, mini_crisis):
    ds = tiny_dataset()
    with pytest.raises(InputError, match=r"years: \[2031\] finnes ikke"):
        T.sector_cost_table(ds, [2026, 2031])
    with pytest.raises(InputError, match="ekstra dimensjoner"):
        T.sector_cost_table(mini_crisis, [2030])
    with pytest.raises(InputError, match="crisis_matrix"):
        T.crisis_table(ds, 2027)
    with pytest.raises(InputError, match="gyldige"):
        T.crisis_table(baerum_crisis, 2030, "kostnad")
    bad = ds.copy()
    bad["cost_sector"].attrs["units"] = "NOK"
    with pytest.raises(InputError, match="NOK 1000"):
        T.sector_cost_table(bad, [2026])


def test_formatted_and_as_text_use_norwegian_numbers():
    df = T.demographic_cost_change_table(tiny_dataset(), [2027, 2028])
    text = T.formatted(df)
    assert text.loc["Oppvekst", 2028] == f"{MINUS}0,8"
    big = T.sector_cost_table(tiny_dataset().assign(cost_sector=lambda d: d.cost_sector * 1000), [2026])
    assert T.formatted(big).loc["Oppvekst", 2026] == f"12{NBSP}340,0"
    block = T.as_text(df)
    assert block.splitlines()[0] == df.attrs["title"]
    assert block.splitlines()[1] == "[mill. kr, faste 2025-priser]"
    assert block.splitlines()[-1] == df.attrs["note"]
    # no negative zero anywhere
    zero = T.demographic_cost_change_table(tiny_dataset(), [2026])
    assert T.formatted(zero).loc["Omsorg", 2026] == "0,0"
    assert isinstance(df, pd.DataFrame) and df.attrs["decimals"] == 1


def test_status_table_counts_every_value():
    cat = load_catalogue()
    df = T.status_table(cat)
    n = len(cat.parameter_table())
    assert df.loc["Dekningsgrad", "I alt"] == n
    assert df.loc["I alt", "I alt"] == 3 * n
    assert list(df.columns) == ["kilde", "beregnet", "anslag", "I alt"]
    pt = cat.parameter_table()
    assert df.loc["Årsverk per bruker", "anslag"] == (pt["årsverk_status"] == "anslag").sum()
    assert df["I alt"].dtype.kind == "i"  # counts stay whole numbers


# =============================================================================================
# Økonomiplan tables (planmodel.model.run): every cell against the Dataset, sums, units
# =============================================================================================

from planmodel.analysis.followup import Actuals, plan_vs_actual, roll_forward, stress_tests  # noqa: E402
from planmodel.inputs.library import load_library  # noqa: E402
from planmodel.model.chain import run  # noqa: E402
from planmodel.inputs.scenario import MeasureChoice  # noqa: E402

PLAN = [2027, 2028, 2029, 2030]
LONG = [2027, 2030, 2035, 2040]
PACKAGE = ("hverdagsrehabilitering", "trygghetspakke", "frivillighet", "samlokalisering", "tidlig_innsats_barn")


def _mill(da) -> float:
    """NOK 1000 -> mill. kr, rounded as the tables round (1 decimal)."""
    return round(float(da) / 1000.0, 1) + 0.0


@pytest.fixture(scope="module")
def plan():
    """Bærum, basisalternativ (no tiltak)."""
    return run(PlanScenario())


def package_scenario() -> PlanScenario:
    """Bærum with a few tiltak (one vedtatt) and a higher threshold: every frame part is non-zero."""
    measures = tuple(MeasureChoice(m, 2027, status="vedtatt" if m == "hverdagsrehabilitering" else None)
                     for m in PACKAGE)
    return PlanScenario(id="pakke", measures=measures, threshold=0.5)


@pytest.fixture(scope="module")
def package():
    return run(package_scenario())


def test_okonomiplan_table_cells_are_the_dataset(plan):
    df = T.okonomiplan_table(plan)
    assert list(df.columns) == PLAN and df.columns.name == "År"  # default: the plan period
    sectors = [str(s) for s in plan.sector_name.values]
    assert list(df.index) == (["Frie inntekter"] + sectors + [
        "Øvrige netto driftsutgifter", "Sum netto driftsutgifter", "Brutto driftsresultat", "Netto renteutgifter",
        "Avdrag", "Netto driftsresultat", "Netto driftsresultat i % av driftsinntektene", "Mål (1,75 %)",
        "Inndekningsbehov", "Netto driftsresultat i %, med demografikompensasjon",
        "Inndekningsbehov, med demografikompensasjon", "Netto driftsresultat i %, uten demografikompensasjon",
        "Inndekningsbehov, uten demografikompensasjon"])
    for y in PLAN:
        at = plan.sel(year=y)
        assert df.loc["Frie inntekter", y] == _mill(at.frie_inntekter)
        assert df.loc["Helse og omsorg", y] == _mill(at.sektor_ramme.sel(sector="helse_og_omsorg"))
        assert df.loc["Øvrige netto driftsutgifter", y] == _mill(at.ovrige_netto_driftsutgifter)
        assert df.loc["Sum netto driftsutgifter", y] == _mill(at.netto_driftsutgifter_sektorer + at.ovrige_netto_driftsutgifter)
        assert df.loc["Brutto driftsresultat", y] == _mill(at.brutto_driftsresultat)
        assert df.loc["Netto renteutgifter", y] == _mill(at.renter)
        assert df.loc["Avdrag", y] == _mill(at.avdrag)
        assert df.loc["Netto driftsresultat", y] == _mill(at.netto_driftsresultat)
        assert df.loc["Netto driftsresultat i % av driftsinntektene", y] == round(100 * float(at.netto_driftsresultat_andel), 1)
        assert df.loc["Mål (1,75 %)", y] == _mill(at.resultatmal)
        assert df.loc["Inndekningsbehov", y] == _mill(at.inndekningsbehov)
    assert df.attrs["units"] == "mill. kr, faste 2025-priser"
    assert df.attrs["decimals"] == 1
    assert df.attrs["title"] == "Økonomiplan 2027–2030 – Bærum"


def test_okonomiplan_table_sums_hold(plan):
    df = T.okonomiplan_table(plan, LONG)
    sectors = [str(s) for s in plan.sector_name.values]
    tol = 0.05 * (len(sectors) + 2) + 1e-9  # half a unit of the last decimal per rounded cell
    assert np.all(np.abs(df.loc[sectors + ["Øvrige netto driftsutgifter"]].sum() - df.loc["Sum netto driftsutgifter"]) <= tol)
    assert np.all(np.abs(df.loc["Frie inntekter"] - df.loc["Sum netto driftsutgifter"] - df.loc["Brutto driftsresultat"]) <= 0.15)
    ndr = df.loc["Brutto driftsresultat"] - df.loc["Netto renteutgifter"] - df.loc["Avdrag"]
    assert np.all(np.abs(ndr - df.loc["Netto driftsresultat"]) <= 0.15)
    gap = np.maximum(df.loc["Mål (1,75 %)"] - df.loc["Netto driftsresultat"], 0)
    assert np.all(np.abs(gap - df.loc["Inndekningsbehov"]) <= 0.15)
    # both income rules side by side; the main lines are the scenario's rule
    rule = plan.attrs["income_rule"]
    for r, short in (("med_demografi", "med demografikompensasjon"), ("uten_demografi", "uten demografikompensasjon")):
        got = df.loc[f"Netto driftsresultat i %, {short}"]
        want = 100 * plan.netto_driftsresultat_andel_inntektsregel.sel(income_rule=r, year=list(got.index))
        np.testing.assert_allclose(got.values, want.values.round(1))
    assert (df.loc[f"Netto driftsresultat i %, {'med' if rule == 'med_demografi' else 'uten'} demografikompensasjon"]
            == df.loc["Netto driftsresultat i % av driftsinntektene"]).all()
    # without the state's demographic compensation Bærum's result falls over the long view
    assert df.loc["Netto driftsresultat i %, uten demografikompensasjon", 2040] < \
        df.loc["Netto driftsresultat i %, med demografikompensasjon", 2040]
    assert "begge inntektsreglene" in df.attrs["note"]


def test_sector_frame_table_parts_add_up(package):
    years = [2027, 2030, 2040]
    df = T.sector_frame_table(package, "helse_og_omsorg", years)
    assert list(df.index) == ["Basisramme", "Demografi", "Valg (terskel, tilbud, kapasitet)", "Tiltak (virkning)",
                              "Tiltak (drift)", "Ramme"]
    at = package.sel(sector="helse_og_omsorg")
    for var, label in T.FRAME_PARTS.items():
        for y in years:
            assert df.loc[label, y] == _mill(at[var].sel(year=y)), (label, y)
    assert df.loc["Ramme", 2040] == _mill(at.sektor_ramme.sel(year=2040))
    parts = df.drop(index="Ramme").sum()
    assert np.all(np.abs(parts - df.loc["Ramme"]) <= 0.05 * 5 + 1e-9)
    # a higher threshold and the tiltak save money; the tiltak cost something to run
    assert (df.loc["Valg (terskel, tilbud, kapasitet)"] < 0).all()
    assert (df.loc["Tiltak (virkning)"] < 0).all() and (df.loc["Tiltak (drift)"] > 0).all()
    same = T.sector_frame_table(package, "Helse og omsorg", years)  # the Norwegian name works too
    pd.testing.assert_frame_equal(df, same)
    assert df.attrs["units"] == "mill. kr, faste 2025-priser"
    assert list(T.sector_frame_table(package, "sosial").columns) == PLAN
    with pytest.raises(InputError, match="gyldige: barn_og_unge"):
        T.sector_frame_table(package, "omsorg")


def test_sector_frame_table_after_rullering_has_a_correction_row(plan):
    actual = Actuals(2027, sector_costs={"helse_og_omsorg": float(plan.sektor_ramme.sel(sector="helse_og_omsorg", year=2027)) + 50_000})
    rolled = roll_forward(PlanScenario(), actual)
    df = T.sector_frame_table(rolled, "helse_og_omsorg", [2028, 2029])
    assert T.FRAME_ADJUSTMENT in df.index
    assert df.loc[T.FRAME_ADJUSTMENT].tolist() == [50.0, 50.0]
    assert np.all(np.abs(df.drop(index="Ramme").sum() - df.loc["Ramme"]) <= 0.35)


def test_handlingsrom_table(package):
    years = [2026, 2027, 2030, 2040]
    df = T.handlingsrom_table(package, years)
    assert list(df.index) == (["Frie inntekter", T.OTHER_INCOME_ROW] + list(T.BOUND_PARTS.values())
                              + ["Sum bundet", "Handlingsrom", "Handlingsrom i % av frie inntekter"])
    for y in years:
        at = package.sel(year=y)
        for var, label in T.BOUND_PARTS.items():
            assert df.loc[label, y] == _mill(at[var]), (label, y)
        assert df.loc["Handlingsrom", y] == _mill(at.handlingsrom)
        assert df.loc["Handlingsrom i % av frie inntekter", y] == round(100 * float(at.handlingsrom / at.frie_inntekter), 1)
    bound = df.loc[list(T.BOUND_PARTS.values())].sum()
    assert np.all(np.abs(bound - df.loc["Sum bundet"]) <= 0.05 * 5 + 1e-9)
    assert np.all(np.abs(df.loc["Frie inntekter"] + df.loc[T.OTHER_INCOME_ROW] - df.loc["Sum bundet"]
                         - df.loc["Handlingsrom"]) <= 0.15)
    # no binding is negative; Bærum's øvrige line is a net income (its financial income)
    assert (df.loc[list(T.BOUND_PARTS.values())] >= 0).all().all()
    assert (df.loc[T.OTHER_INCOME_ROW] > 0).all()
    # a vedtatt tiltak binds its operating cost; the short-term binding is gone after four years
    assert df.loc["Bundet: vedtatte tiltak", 2030] > 0
    assert df.loc["Bundet på kort sikt: dagens øvrige utgifter", 2030] == 0
    # the short-term binding of today's spending is gone by 2030 ...
    assert df.loc["Bundet på kort sikt: dagens øvrige utgifter", 2026] > 0
    assert df.attrs["units"] == "mill. kr, faste 2025-priser"


def test_balance_table(plan):
    df = T.balance_table(plan, LONG)
    names = {"Investeringer": "investeringer", "Tilskudd og momskompensasjon": "investeringstilskudd",
             "Nye lån": "nye_lan", "Egenfinansiering (fra disposisjonsfondet)": "egenfinansiering",
             "Lånegjeld 31.12.": "lanegjeld", "Disposisjonsfond 31.12.": "disposisjonsfond"}
    assert list(df.index)[:6] == list(names)
    for label, var in names.items():
        assert df.loc[label].tolist() == [_mill(plan[var].sel(year=y)) for y in LONG]
    # investeringer = tilskudd + lån + egenfinansiering (each rounded to 0,1)
    parts = df.loc[["Tilskudd og momskompensasjon", "Nye lån", "Egenfinansiering (fra disposisjonsfondet)"]].sum()
    assert np.all(np.abs(parts - df.loc["Investeringer"]) <= 0.15 + 1e-9)
    inv = 100 * plan.investeringer.sel(year=2027) / plan.driftsinntekter.sel(year=2027)
    assert df.loc["Investeringer i % av driftsinntektene", 2027] == round(float(inv), 1)
    share = 100 * plan.lanegjeld.sel(year=2030) / plan.driftsinntekter.sel(year=2030)
    assert df.loc["Lånegjeld i % av driftsinntektene", 2030] == round(float(share), 1)
    assert df.attrs["units"] == "mill. kr, faste 2025-priser"
    assert list(T.balance_table(plan).columns) == PLAN


def test_measure_cost_frame_feeds_the_tiltaksmatrise(package):
    from planmodel.inputs.goals import load_goals, tiltaksmatrise, tiltaksmatrise_totals

    cost = T.measure_cost_frame(package)
    assert list(cost.index) == list(PACKAGE) and list(cost.columns) == PLAN
    expected = (package.tiltak_drift + package.tiltak_investering).sel(measure="samlokalisering", year=2027)
    assert cost.loc["samlokalisering", 2027] == pytest.approx(float(expected))  # NOK 1000, unrounded
    assert cost.loc["samlokalisering", 2027] > 0 and cost.loc["samlokalisering", 2029] == 0  # investment only
    assert cost.attrs["units"] == "NOK 1000, faste 2025-priser"
    lib = load_library()
    measures = [lib.measures[m].chosen(2027) for m in PACKAGE]
    matrix = tiltaksmatrise(load_goals(), measures, cost=cost)
    totals = tiltaksmatrise_totals(matrix)
    assert totals.loc["Sum", 2028] == pytest.approx(float(cost[2028].sum()))
    assert matrix.attrs["units"] == "NOK 1000, faste 2025-priser"


def test_stress_table():
    st = stress_tests(PlanScenario())
    df = T.stress_table(st, [2027, 2030])
    change = df.loc[T.STRESS_CHANGE]
    share = df.loc[T.STRESS_SHARE]
    assert list(change.index) == ["Frie inntekter −4 %", "Rente +2 prosentpoeng", "Investeringer +25 %"]
    assert list(share.index) == ["Scenarioet"] + list(change.index)
    for key, label in zip(st.stress.values, st.stress_label.values):
        for y in (2027, 2030):
            if key != "scenario":
                assert change.loc[str(label), y] == _mill(st.endring_ndr.sel(stress=key, year=y))
            assert share.loc[str(label), y] == round(100 * float(st.netto_driftsresultat_andel.sel(stress=key, year=y)), 1)
    assert (change <= 0).all().all()  # a stress test never improves the result
    assert df.attrs["units"] == "mill. kr, faste 2025-priser; prosent"
    assert list(T.stress_table(st).columns) == PLAN
    with pytest.raises(InputError, match="stress_tests"):
        T.stress_table(run(PlanScenario()))


def test_places_table(plan):
    df = T.places_table(plan)
    opening_years = [c for c in df.columns if isinstance(c, int)]
    assert opening_years == [int(y) for y in plan.year.values if float(plan.plasser_nye.sel(year=y).sum()) > 0.5]
    assert "Sykehjemsplasser" in df.index and df.index[-1] == T.SUM
    for pid, name in zip(plan.place_type.values, plan.place_type_name.values):
        new = plan.plasser_nye.sel(place_type=pid)
        assert [df.loc[str(name), y] for y in opening_years] == [round(float(new.sel(year=y))) for y in opening_years]
        assert df.loc[str(name), "Nye plasser i alt"] == round(float(new.sum()))
        assert df.loc[str(name), "Investering i alt (mill. kr)"] == _mill(plan.plasser_investering.sel(place_type=pid).sum())
    assert df.loc[T.SUM, "Investering i alt (mill. kr)"] == _mill(plan.plasser_investering.sum())
    assert np.isnan(df.loc[T.SUM, "Nye plasser i alt"])
    assert "plasser" in df.attrs["units"] and "mill. kr, faste 2025-priser" in df.attrs["units"]
    # places open in blocks sized to Bærum (at most one block a year), never beyond the need
    for pid, name in zip(plan.place_type.values, plan.place_type_name.values):
        block = float(plan.plasser_blokk.sel(place_type=pid))
        assert max(df.loc[str(name), y] for y in opening_years) <= block * np.ceil(
            float(plan.plasser_nye.sel(place_type=pid).max()) / block)
        need = float(plan.plasser_behov.sel(place_type=pid).max() - plan.plasser_eksisterende.sel(place_type=pid))
        assert df.loc[str(name), "Nye plasser i alt"] <= max(0.0, np.ceil(need))
    text = T.formatted(df)
    assert text.loc[T.SUM, "Nye plasser i alt"] == "–"
    assert list(df["Plasser i basisåret"].iloc[:-1]) == list(plan.plasser_eksisterende.values)
    assert list(df["Plasser per ny enhet"].iloc[:-1]) == list(plan.plasser_blokk.values)
    without = T.places_table(run(PlanScenario(behovsanalyse=False)))
    assert (without.loc[["Sykehjemsplasser", "Heldøgns omsorgsboliger"], "Nye plasser i alt"] == 0).all()
    assert without.loc["Skoleplasser", "Nye plasser i alt"] == df.loc["Skoleplasser", "Nye plasser i alt"]
    assert "bygger ikke sykehjemsplasser" in without.attrs["note"]


def test_scenario_comparison_table(plan, package):
    df = T.scenario_comparison_table({"Basis": plan, "Pakke": package}, [2030, 2040])
    assert list(df.index.get_level_values("Nøkkeltall").unique()) == list(T.COMPARISON_ROWS)
    assert df.loc[("Netto driftsresultat i % av driftsinntektene", "Pakke"), 2040] == round(
        100 * float(package.netto_driftsresultat_andel.sel(year=2040)), 1)
    assert df.loc[("Udekket behov (personer)", "Basis"), 2030] == round(float(plan.unmet_need.sel(year=2030).sum()))
    assert df.loc[("Årsverksgap helse og omsorg (årsverk)", "Pakke"), 2040] == round(
        float(package.fte_gap.sel(sector="helse_og_omsorg", year=2040)))
    # a higher threshold: more people without the light services
    assert df.loc[("Udekket behov (personer)", "Pakke"), 2040] > df.loc[("Udekket behov (personer)", "Basis"), 2040]
    text = T.formatted(df)
    assert text.loc[("Netto driftsresultat i % av driftsinntektene", "Basis"), 2030].count(",") == 1
    assert "," not in text.loc[("Udekket behov (personer)", "Basis"), 2030]  # persons: whole numbers
    step = run(PlanScenario(behovsanalyse=False, overflow="step_down"))
    sd = T.scenario_comparison_table({"Trinn ned": step}, [2040])
    assert sd.loc[("Trinn ned fra sykehjem (personer)", "Trinn ned"), 2040] == round(
        float(step.stepped_down.sel(capacity_group="institusjon", year=2040)))
    assert sd.loc[("Trinn ned fra sykehjem (personer)", "Trinn ned"), 2040] > 0


def test_plan_change_table_actuals_equal_to_the_plan_change_nothing(plan):
    at = plan.sel(year=2027)
    same = Actuals(2027, frie_inntekter=float(at.frie_inntekter),
                   sector_costs={str(s): float(at.sektor_ramme.sel(sector=s)) for s in plan.sector.values},
                   debt=float(at.lanegjeld), fund=float(at.disposisjonsfond))
    rolled = roll_forward(PlanScenario(), same)
    df = T.plan_change_table(plan, rolled, [2028, 2031], labels=("Plan", "Rullert"))
    assert (df.xs("Endring", level="Versjon") == 0).all().all()
    assert df.loc[("Netto driftsresultat", "Plan"), 2031] == _mill(plan.netto_driftsresultat.sel(year=2031))
    lower = Actuals(2027, frie_inntekter=float(at.frie_inntekter) - 100_000)
    df2 = T.plan_change_table(plan, roll_forward(PlanScenario(), lower), [2028])
    assert df2.loc[("Frie inntekter", "Endring"), 2028] == -100.0
    assert df2.loc[("Netto driftsresultat", "Endring"), 2028] == -100.0
    assert list(df2.index.get_level_values("Versjon")[:3]) == ["Opprinnelig plan", "Ny plan", "Endring"]


def test_library_tables_show_every_tiltak_and_status():
    lib = load_library()
    effects = T.measure_library_table(lib)
    assert set(effects.index.get_level_values("Tiltak")) == {m.title for m in lib.measures.values()}
    assert len(effects) == sum(len(m.effects) for m in lib.measures.values())
    row = effects.loc[("Hverdagsrehabilitering", "Hjemmesykepleie (helsetjenester i hjemmet) (67 år og over)")]
    assert (row["Anslag"], row["Lav"], row["Høy"], row["Status"]) == (-8, -15, -3, "anslag")
    overview = T.measure_overview_table(lib)
    assert len(overview) == len(lib.measures)
    assert overview.loc["Hverdagsrehabilitering", "Drift (1000 kr/år)"] == 6000
    assert overview.loc["Samlokalisering og større enheter i sykehjem", "Investering (1000 kr)"] == 40_000


def test_plan_actual_table_converts_to_mill_kr(package):
    at = package.sel(year=2028)
    actual = Actuals(2028, frie_inntekter=float(at.frie_inntekter) - 50_000,
                     sector_costs={"helse_og_omsorg": float(at.sektor_ramme.sel(sector="helse_og_omsorg")) + 20_000},
                     users={"hjemmesykepleie": 3000.0})
    pva = plan_vs_actual(package_scenario(), actual)
    sek = T.plan_actual_table(pva["sektorer"])
    assert sek.loc["Helse og omsorg", "Avvik (mill. kr)"] == 20.0
    assert np.isnan(sek.loc["Sosial", "Regnskap (mill. kr)"])
    assert T.formatted(sek).loc["Sosial", "Regnskap (mill. kr)"] == "–"
    lines = T.plan_actual_table(pva["linjer"])
    assert lines.loc["Frie inntekter", "Avvik (mill. kr)"] == -50.0
    tiltak = T.plan_actual_table(pva["tiltak"])
    assert "Andel realisert (%)" in tiltak.columns
    assert "mill. kr" in sek.attrs["units"]
