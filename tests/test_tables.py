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

from planmodel import tables as T
from planmodel.ages import AGES, SEXES
from planmodel.calibration import calibrate
from planmodel.errors import InputError
from planmodel.formatting import MINUS, NBSP
from planmodel.servicemodel import (
    BREADTH_OPTIONS,
    THRESHOLD_OPTIONS,
    crisis_matrix,
    crisis_options,
    run_services,
    service_results,
)
from planmodel.services import load_catalogue

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


class _Cal:
    """Calibration stand-in: the catalogue's own coverage (no kommune data)."""

    def __init__(self, catalogue):
        self.coverage = catalogue.arrays()["coverage"]

    def basis_text(self):
        return "katalogverdier"


def mini_population() -> xr.DataArray:
    vals = np.zeros((YEARS.size, AGES.size, 2))
    vals[:, 10, :] = 100.0
    vals[:, 40, :] = 50.0
    vals[:, 80, :] = 50.0
    return xr.DataArray(vals, coords={"year": YEARS, "age": AGES, "sex": list(SEXES)},
                        dims=("year", "age", "sex"))


def mini_run(mini, options=None) -> xr.Dataset:
    from planmodel.demand import ServiceOptions

    pop = mini_population()
    ds = service_results(pop, mini, _Cal(mini), options or ServiceOptions())
    ds["population"] = pop
    return ds


@pytest.fixture(scope="module")
def mini_crisis(mini):
    """The 2×2 on the mini catalogue, labelled as crisis_matrix labels it."""
    ds = mini_run(mini, crisis_options())
    return ds.assign_coords(
        threshold_label=("threshold_option", [v[0] for v in THRESHOLD_OPTIONS.values()]),
        breadth_label=("breadth_option", [v[0] for v in BREADTH_OPTIONS.values()]),
    )


@pytest.fixture(scope="module")
def baerum():
    return run_services("3201", end_year=2040)


@pytest.fixture(scope="module")
def baerum_crisis():
    return crisis_matrix("3201", end_year=2040)


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
    from planmodel.demand import ServiceOptions

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
    for metric, var, dim in [("cost_total", "cost_sector", "sector"), ("queue_total", "queue", "capacity_group"),
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

def test_errors_name_the_problem(baerum_crisis):
    ds = tiny_dataset()
    with pytest.raises(InputError, match=r"years: \[2031\] finnes ikke"):
        T.sector_cost_table(ds, [2026, 2031])
    with pytest.raises(InputError, match="ekstra dimensjoner"):
        T.sector_cost_table(baerum_crisis, [2030])
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
