"""Calibration of the base year (planmodel.services.calibration): observed users reproduced
exactly per group and age band, the split between services in a group kept, one suppressed band
derived as total minus the others, kommuner without data keep national values, coverage above 1
refused, ``calibration_for`` cached per base population, and ``coverage_basis``.

Hand-checked numbers use a small catalogue written below (two home services split 20/80, one
heldøgn service, long-term and short-term institution) and observations of our own for a made-up
kommune "9999" (the KOSTRA tables are replaced with ``monkeypatch``). The population is 1 000
persons aged 30, 200 aged 70 and 100 aged 85. Before calibration the model has:

=====================  ===================================  =====
group, band            coverage x persons                   users
=====================  ===================================  =====
hjemmetjenester 0-66   (0.01 + 0.04) x 1 000                50
hjemmetjenester 67-79  (0.02 + 0.08) x 200                  20
hjemmetjenester 80+    (0.05 + 0.20) x 100                  25
heldøgn, all ages      0.02 x (200 + 100)                   6
langtid 67-79          0.01 x 200                           2
langtid 80+            0.10 x 100                           10
korttid 80+            0.02 x 100                           2
=====================  ===================================  =====
"""

from unittest import mock

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from planmodel.core.ages import AGES
from planmodel.core.errors import InputError
from planmodel.inputs import data
from planmodel.inputs.catalogue import load_catalogue
from planmodel.population.demography import population_for
from planmodel.services import calibration as C
from planmodel.services.calibration import calibrate, calibration_for, coverage_basis, observed_users

CATALOGUE = """\
schema_version: 1
price_year: 2025
sectors:
  omsorg: Omsorg
  oppvekst: Oppvekst
care_levels:
  2: Hjemme
  3: Heldøgn
  4: Institusjon
capacity_groups:
  institusjon:
    name: Sykehjem
    services: [langtid, korttid]
    step_down_to: heldogn
    waiting_cost: {value: 1, status: assumption, source: t}
staff_age_profile:
  status: assumption
  source: test
  age_groups: ["20-59", "60-66"]
  sectors:
    omsorg: [0.8, 0.2]
    oppvekst: [0.9, 0.1]
  retirement_rate_60_66: 0.1
services:
  skole:
    name: Skole
    sector: oppvekst
    kostra_function: "202"
    mandatory: true
    basis: inhabitants
    bands:
      - {ages: [6, 15], coverage: {value: 1.0, status: sourced, source: t}, unit_cost: {value: 1, status: sourced, source: t}, fte_per_user: {value: 0, status: sourced, source: t}}
  praktisk:
    name: Praktisk bistand
    sector: omsorg
    kostra_function: "254"
    mandatory: true
    care_level: 2
    calibrate: {group: hjemmetjenester, share: 0.2}
    bands:
      - {ages: [0, 66], coverage: {value: 0.01, status: sourced, source: t}, unit_cost: {value: 1, status: sourced, source: t}, fte_per_user: {value: 0, status: sourced, source: t}}
      - {ages: [67, 79], coverage: {value: 0.02, status: sourced, source: t}, unit_cost: {value: 1, status: sourced, source: t}, fte_per_user: {value: 0, status: sourced, source: t}}
      - {ages: [80, 105], coverage: {value: 0.05, status: sourced, source: t}, unit_cost: {value: 1, status: sourced, source: t}, fte_per_user: {value: 0, status: sourced, source: t}}
  sykepleie:
    name: Hjemmesykepleie
    sector: omsorg
    kostra_function: "254"
    mandatory: true
    care_level: 2
    calibrate: {group: hjemmetjenester, share: 0.8}
    bands:
      - {ages: [0, 66], coverage: {value: 0.04, status: sourced, source: t}, unit_cost: {value: 1, status: sourced, source: t}, fte_per_user: {value: 0, status: sourced, source: t}}
      - {ages: [67, 79], coverage: {value: 0.08, status: sourced, source: t}, unit_cost: {value: 1, status: sourced, source: t}, fte_per_user: {value: 0, status: sourced, source: t}}
      - {ages: [80, 105], coverage: {value: 0.2, status: sourced, source: t}, unit_cost: {value: 1, status: sourced, source: t}, fte_per_user: {value: 0, status: sourced, source: t}}
  heldogn:
    name: Heldøgns omsorgsbolig
    sector: omsorg
    kostra_function: "254"
    mandatory: true
    care_level: 3
    calibrate: {group: heldogn_bolig, share: 1.0}
    bands:
      - {ages: [67, 105], coverage: {value: 0.02, status: sourced, source: t}, unit_cost: {value: 1, status: sourced, source: t}, fte_per_user: {value: 0, status: sourced, source: t}}
  langtid:
    name: Langtidsplass
    sector: omsorg
    kostra_function: "253"
    mandatory: true
    care_level: 4
    capacity_group: institusjon
    calibrate: {group: institusjon_langtid, share: 1.0}
    bands:
      - {ages: [67, 79], coverage: {value: 0.01, status: sourced, source: t}, unit_cost: {value: 1, status: sourced, source: t}, fte_per_user: {value: 0, status: sourced, source: t}}
      - {ages: [80, 105], coverage: {value: 0.1, status: sourced, source: t}, unit_cost: {value: 1, status: sourced, source: t}, fte_per_user: {value: 0, status: sourced, source: t}}
  korttid:
    name: Korttidsplass
    sector: omsorg
    kostra_function: "253"
    mandatory: true
    care_level: 4
    capacity_group: institusjon
    bands:
      - {ages: [80, 105], coverage: {value: 0.02, status: sourced, source: t}, unit_cost: {value: 1, status: sourced, source: t}, fte_per_user: {value: 0, status: sourced, source: t}}
"""

PANEL_COLUMNS = ["kommune", "year", "hjemmetjenester_0_66", "hjemmetjenester_67_79", "hjemmetjenester_80p",
                 "hjemmetjenester_total", "heldogn_bolig_total", "institusjon_langtid_0_66",
                 "institusjon_langtid_67_79", "institusjon_langtid_80p", "institusjon_langtid_total"]
#: observed users of "9999" in 2025: the 67-79 home-service band is suppressed (100 - 60 - 30 = 10)
PANEL_ROW = {"kommune": "9999", "year": 2025, "hjemmetjenester_0_66": 60.0, "hjemmetjenester_67_79": np.nan,
             "hjemmetjenester_80p": 30.0, "hjemmetjenester_total": 100.0, "heldogn_bolig_total": 9.0,
             "institusjon_langtid_0_66": np.nan, "institusjon_langtid_67_79": 4.0, "institusjon_langtid_80p": 8.0,
             "institusjon_langtid_total": 12.0}
#: KOSTRA's shares of 80+: 40 % with home services (ignored: the panel has the band), 12 % in institutions
RADAR_ROW = {"kommune": "9999", "name": "Testby", "year": 2025, "persons_80plus_2026": 100,
             "hjemmetjenester_80p_pct": 40.0, "institusjon_80p_pct": 12.0}


@pytest.fixture(scope="module")
def cat(tmp_path_factory):
    path = tmp_path_factory.mktemp("calibration") / "katalog.yaml"
    path.write_text(CATALOGUE, encoding="utf-8")
    return load_catalogue(path)


def pop_base(n30=1000.0, n70=200.0, n85=100.0) -> xr.DataArray:
    vals = np.zeros(AGES.size)
    vals[30], vals[70], vals[85] = n30, n70, n85
    return xr.DataArray(vals, coords={"age": AGES}, dims="age")


def use_tables(monkeypatch, panel_rows=(PANEL_ROW,), radar_rows=(RADAR_ROW,)):
    panel = pd.DataFrame(list(panel_rows), columns=PANEL_COLUMNS)
    radar = pd.DataFrame(list(radar_rows), columns=list(RADAR_ROW))
    monkeypatch.setattr(C, "_panel", lambda: panel)
    monkeypatch.setattr(C, "_radar", lambda: radar)


def model_users(cov: xr.DataArray, pop: xr.DataArray, services, lo, hi=105) -> float:
    return float((cov.sel(service=services) * pop).sel(age=slice(lo, hi)).sum())


# ------------------------------------------------------------------------ observed users

def test_observed_users_from_the_panel_and_the_radar(monkeypatch):
    use_tables(monkeypatch)
    obs = observed_users("9999", 2025, pop_base())
    values = {k: v for k, (v, _) in obs.items()}
    assert values == {
        ("hjemmetjenester", "0_66"): 60.0, ("hjemmetjenester", "67_79"): 10.0, ("hjemmetjenester", "80p"): 30.0,
        ("heldogn_bolig", "total"): 9.0,
        ("institusjon_langtid", "67_79"): 4.0, ("institusjon_langtid", "80p"): 8.0,
        ("institusjon_alle", "80p"): 12.0,  # 12 % of the 100 aged 80+
    }
    assert obs[("hjemmetjenester", "67_79")][1].endswith("(beregnet som total minus de andre aldersgruppene)")
    assert "beregnet" not in obs[("hjemmetjenester", "0_66")][1]
    assert obs[("institusjon_alle", "80p")][1] == "KOSTRA 2025 (SSB 12209): andel 80+ med institusjonsopphold 12,0 %"
    # another year has no row: nothing observed
    assert observed_users("9999", 2024, pop_base()) == {}


def test_two_suppressed_bands_are_not_derived(monkeypatch):
    row = dict(PANEL_ROW, hjemmetjenester_80p=np.nan)
    use_tables(monkeypatch, [row])
    values = {k: v for k, (v, _) in observed_users("9999", 2025, pop_base()).items()}
    assert ("hjemmetjenester", "67_79") not in values
    # 80+ then comes from the radar's share: 40 % of 100
    assert values[("hjemmetjenester", "80p")] == pytest.approx(40.0)
    assert values[("hjemmetjenester", "0_66")] == 60.0


def test_one_suppressed_band_without_a_total_is_not_derived(monkeypatch):
    use_tables(monkeypatch, [dict(PANEL_ROW, hjemmetjenester_total=np.nan)], [])
    values = {k: v for k, (v, _) in observed_users("9999", 2025, pop_base()).items()}
    assert ("hjemmetjenester", "67_79") not in values and values[("hjemmetjenester", "80p")] == 30.0


# ------------------------------------------------------------------------------ calibrate

def test_calibration_reproduces_every_observation_by_hand(cat, monkeypatch):
    use_tables(monkeypatch)
    pop = pop_base()
    cal = calibrate(cat, pop, "9999", 2025)
    cov = cal.coverage
    home = ["praktisk", "sykepleie"]
    # factors 60/50, 10/20, 30/25; heldøgn 9/6; langtid 4/2, 8/10; korttid (12 - 8)/2
    assert float(cov.sel(service="praktisk", age=30)) == pytest.approx(0.012)
    assert float(cov.sel(service="sykepleie", age=30)) == pytest.approx(0.048)
    assert float(cov.sel(service="sykepleie", age=70)) == pytest.approx(0.04)
    assert float(cov.sel(service="sykepleie", age=85)) == pytest.approx(0.24)
    assert float(cov.sel(service="heldogn", age=70)) == pytest.approx(0.03)
    assert float(cov.sel(service="langtid", age=70)) == pytest.approx(0.02)
    assert float(cov.sel(service="langtid", age=85)) == pytest.approx(0.08)
    assert float(cov.sel(service="korttid", age=85)) == pytest.approx(0.04)
    # ... so the model reproduces what was observed, band by band
    assert model_users(cov, pop, home, 0, 66) == pytest.approx(60.0)
    assert model_users(cov, pop, home, 67, 79) == pytest.approx(10.0)
    assert model_users(cov, pop, home, 80) == pytest.approx(30.0)
    assert model_users(cov, pop, ["heldogn"], 0) == pytest.approx(9.0)
    assert model_users(cov, pop, ["langtid", "korttid"], 80) == pytest.approx(12.0)
    # the split inside the group is kept (20/80) in every band
    for age in (30, 70, 85):
        c = cov.sel(age=age)
        assert float(c.sel(service="praktisk") / (c.sel(service="praktisk") + c.sel(service="sykepleie"))) \
            == pytest.approx(0.2)
    # services outside every group keep the catalogue's coverage
    assert float(cov.sel(service="skole", age=10)) == 1.0
    assert cov.attrs == {"units": "share of inhabitants", "calibrated_to": "9999", "kostra_year": 2025}


def test_calibration_table_and_basis_text(cat, monkeypatch):
    use_tables(monkeypatch)
    cal = calibrate(cat, pop_base(), "9999", 2025)
    t = cal.table
    assert list(t.columns) == ["gruppe", "alder", "observert", "modell_før", "faktor", "kilde"]
    assert list(zip(t.gruppe, t.alder)) == [
        ("Hjemmetjenester", "0–66 år"), ("Hjemmetjenester", "67–79 år"), ("Hjemmetjenester", "80 år og over"),
        ("Heldøgns omsorgsbolig", "alle aldre"), ("Sykehjem, langtid", "67–79 år"),
        ("Sykehjem, langtid", "80 år og over"), ("Sykehjem, korttid", "80 år og over")]
    np.testing.assert_allclose(t.observert, [60, 10, 30, 9, 4, 8, 4])
    np.testing.assert_allclose(t["modell_før"], [50, 20, 25, 6, 2, 10, 2])
    np.testing.assert_allclose(t.faktor, [1.2, 0.5, 1.2, 1.5, 2.0, 0.8, 2.0])
    assert t.kilde.iloc[-1].endswith(", minus langtidsbeboerne")
    assert cal.kommune == "9999" and cal.kostra_year == 2025
    assert cal.basis_text().startswith("Basisåret er kalibrert mot kommunens brukere i KOSTRA 2025 (Hjemmetjenester 0–66 år: 60;")
    assert cal.basis == cal.basis_text()


def test_population_by_sex_gives_the_same_calibration(cat, monkeypatch):
    use_tables(monkeypatch)
    pop = pop_base()
    by_sex = xr.concat([pop * 0.4, pop * 0.6], dim=pd.Index(["male", "female"], name="sex"))
    xr.testing.assert_allclose(calibrate(cat, by_sex, "9999", 2025).coverage, calibrate(cat, pop, "9999", 2025).coverage)


def test_without_observations_the_national_values_stay(cat, monkeypatch):
    use_tables(monkeypatch)
    cal = calibrate(cat, pop_base(), "1151", 2025)
    assert cal.table.empty and list(cal.table.columns)[:3] == ["gruppe", "alder", "observert"]
    np.testing.assert_array_equal(cal.coverage.values, cat.arrays()["coverage"].values)
    assert cal.basis_text() == ("Ingen kommunale brukertall for 1151; nasjonale dekningsgrader "
                                "(KOSTRA 2025 Landet) brukt.")


def test_coverage_above_one_is_refused(cat, monkeypatch):
    use_tables(monkeypatch, [dict(PANEL_ROW, hjemmetjenester_80p=500.0, hjemmetjenester_total=570.0)], [])
    # 80+: factor 500 / 25 = 20 -> sykepleie 0.2 x 20 = 4
    with pytest.raises(InputError) as err:
        calibrate(cat, pop_base(), "9999", 2025)
    assert str(err.value) == "kalibrering 9999: services.sykepleie.coverage: kalibrert dekningsgrad 4.000 er over 1"


@pytest.mark.filterwarnings("error::FutureWarning")
def test_coverage_above_one_is_refused_without_a_warning(cat, monkeypatch):
    use_tables(monkeypatch, [dict(PANEL_ROW, hjemmetjenester_80p=500.0, hjemmetjenester_total=570.0)], [])
    with pytest.raises(InputError, match="kalibrert dekningsgrad 4.000 er over 1"):
        calibrate(cat, pop_base(), "9999", 2025)


def test_negative_derived_band_and_empty_model_band_are_refused(cat, monkeypatch):
    # total 80 < 60 + 30: the derived 67-79 band would be -10
    use_tables(monkeypatch, [dict(PANEL_ROW, hjemmetjenester_total=80.0)], [])
    with pytest.raises(InputError, match="hjemmetjenester 67–79 år: kan ikke kalibrere: modellen har 20 og observert er -10"):
        calibrate(cat, pop_base(), "9999", 2025)
    # nobody aged 67-79 in the model but users observed there
    use_tables(monkeypatch)
    with pytest.raises(InputError, match="kan ikke kalibrere: modellen har 0 og observert er 10 brukere"):
        calibrate(cat, pop_base(n70=0.0), "9999", 2025)


def test_shipped_panel_is_reproduced_for_the_panel_kommuner():
    """Every (group, band) observed for Oslo, Asker and Lillestrøm is met exactly with the shipped catalogue."""
    cat = load_catalogue()
    members = {"hjemmetjenester": [s for s, v in cat.services.items() if v.calibrate and v.calibrate[0] == "hjemmetjenester"],
               "heldogn_bolig": [s for s, v in cat.services.items() if v.calibrate and v.calibrate[0] == "heldogn_bolig"],
               "institusjon_langtid": [s for s, v in cat.services.items()
                                       if v.calibrate and v.calibrate[0] == "institusjon_langtid"],
               "institusjon_alle": [s for s, v in cat.services.items() if v.capacity_group == "institusjon"]}
    for kommune in ("0301", "3203", "3205"):
        pop = data.kommune_population(kommune).sel(year=2026).sum("sex")
        obs = observed_users(kommune, 2025, pop)
        assert obs, kommune
        cal = calibrate(cat, pop, kommune, 2025)
        assert len(cal.table) == len(obs)
        for (group, band), (observed, _) in obs.items():
            lo, hi = (0, 105) if band == "total" else C.BANDS[band]
            got = model_users(cal.coverage, pop, members[group], lo, hi)
            assert got == pytest.approx(observed, rel=1e-9), (kommune, group, band)


# -------------------------------------------------------------------------- calibration_for

@pytest.fixture(scope="module")
def asker():
    return population_for("3203", "main", 2035)


def test_calibration_for_is_cached_per_base_population(asker):
    cat = load_catalogue()
    a = calibration_for(cat, asker, "3203", 2026)
    assert calibration_for(cat, asker, "3203", 2026) is a
    # only the base year matters: a shorter path with the same base year gives the same object
    assert calibration_for(cat, asker.isel(year=slice(0, 3)), "3203", 2026) is a
    # a different base population is calibrated again: the observed users are the same, so the
    # calibrated coverage of a fully observed band scales with 1 / 1.01
    bigger = asker * 1.01
    b = calibration_for(cat, bigger, "3203", 2026)
    assert b is not a
    ratio = b.coverage.sel(service="hjemmesykepleie", age=85) / a.coverage.sel(service="hjemmesykepleie", age=85)
    assert float(ratio) == pytest.approx(1 / 1.01, rel=1e-9)
    # the catalogue's own coverage is the same for a band nobody observes (barnehage)
    assert float(b.coverage.sel(service="barnehage", age=3)) == float(a.coverage.sel(service="barnehage", age=3))
    # another base year is its own entry, matched against the KOSTRA year before it
    earlier = calibration_for(cat, asker, "3203", 2025)
    assert earlier is not a and earlier.kostra_year == 2024
    assert a.kommune == "3203" and a.kostra_year == 2025


def test_cached_calibration_is_read_only(asker):
    cal = calibration_for(load_catalogue(), asker, "3203", 2026)
    with pytest.raises(ValueError):
        cal.coverage.values[0, 0] = 0.5


# ---------------------------------------------------------------------------- coverage_basis

def test_coverage_basis_says_what_was_calibrated(cat, monkeypatch):
    use_tables(monkeypatch)
    cal = calibrate(cat, pop_base(), "9999", 2025)
    basis = coverage_basis(cat, cal).set_index(["service", "alder"])
    assert len(basis) == 1 + 3 + 3 + 1 + 2 + 1  # one row per service and band
    assert list(coverage_basis(cat, cal).columns) == ["service", "tjeneste", "alder", "dekningsgrad_katalog",
                                                      "dekningsgrad_brukt", "grunnlag"]
    row = basis.loc[("sykepleie", "80+")]
    assert row.dekningsgrad_katalog == pytest.approx(0.2) and row.dekningsgrad_brukt == pytest.approx(0.24)
    assert row.grunnlag == "kalibrert mot 9999s brukere (KOSTRA 2025)"
    assert basis.loc[("skole", "6–15"), "grunnlag"] == "katalogverdi (nasjonal eller anslag)"
    assert basis.loc[("praktisk", "0–66"), "dekningsgrad_brukt"] == pytest.approx(0.012)
    assert basis.loc[("heldogn", "67+"), "tjeneste"] == "Heldøgns omsorgsbolig"


# ------------------------------------------------------------------------------ property

@settings(max_examples=40, deadline=None)
@given(st.floats(1, 200), st.floats(1, 200), st.floats(0.5, 500), st.floats(1, 100))
def test_any_feasible_observation_is_met_exactly_and_keeps_the_split(cat, home_0_66, home_80, heldogn, pop_scale):
    row = dict(PANEL_ROW, hjemmetjenester_0_66=home_0_66, hjemmetjenester_67_79=5.0, hjemmetjenester_80p=home_80,
               heldogn_bolig_total=heldogn, institusjon_langtid_67_79=np.nan, institusjon_langtid_80p=np.nan)
    panel = pd.DataFrame([row], columns=PANEL_COLUMNS)
    pop = pop_base(1000 * pop_scale, 200 * pop_scale, 100 * pop_scale)
    # sykepleie holds 80 % of the home-service users aged 85; heldøgn serves the 300 x scale aged 67+
    too_high = max(0.8 * home_80 / (100 * pop_scale), heldogn / (300 * pop_scale))
    assume(abs(too_high - 1.0) > 1e-9)
    with mock.patch.object(C, "_panel", lambda: panel), \
            mock.patch.object(C, "_radar", lambda: pd.DataFrame(columns=list(RADAR_ROW))):
        if too_high > 1.0:
            with pytest.raises(InputError, match="er over 1"):
                calibrate(cat, pop, "9999", 2025)
            return
        cal = calibrate(cat, pop, "9999", 2025)
    home = ["praktisk", "sykepleie"]
    assert model_users(cal.coverage, pop, home, 0, 66) == pytest.approx(home_0_66, rel=1e-9)
    assert model_users(cal.coverage, pop, home, 67, 79) == pytest.approx(5.0, rel=1e-9)
    assert model_users(cal.coverage, pop, home, 80) == pytest.approx(home_80, rel=1e-9)
    assert model_users(cal.coverage, pop, ["heldogn"], 0) == pytest.approx(heldogn, rel=1e-9)
    c = cal.coverage.sel(age=85)
    assert float(c.sel(service="praktisk") / c.sel(service=home).sum()) == pytest.approx(0.2, rel=1e-9)
    # bands nobody observed keep the catalogue's value
    assert float(cal.coverage.sel(service="langtid", age=85)) == pytest.approx(0.1)
