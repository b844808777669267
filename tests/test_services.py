"""The service catalogue: the shipped file is complete and sourced; every validation rule gives a
clear error naming the file, the key path and what was expected; calibration reproduces the
kommune's observed users."""

from pathlib import Path

import pandas as pd
import pytest

from planmodel.inputs import data
from planmodel.services.calibration import calibrate, coverage_basis
from planmodel.core.errors import InputError
from planmodel.inputs.catalogue import STATUSES, load_catalogue

MINI = Path(__file__).parent / "fixtures" / "services" / "mini.yaml"


def test_shipped_catalogue_has_the_sectors_services_and_a_source_for_every_value():
    cat = load_catalogue()
    assert set(cat.sectors) == {"barn_og_unge", "helse_og_omsorg", "sosial", "miljo_idrett_kultur", "administrasjon"}
    assert len(cat.services) >= 15
    assert {s.sector for s in cat.services.values()} == set(cat.sectors)
    table = cat.parameter_table()
    for col in ("dekningsgrad_status", "enhetskostnad_status", "årsverk_status"):
        assert set(table[col]) <= {"kilde", "beregnet", "anslag"}
    assert (table["kilde_dekningsgrad"].str.len() > 0).all()
    # the flagged estimates stay visible: some values are assumptions, some are sourced
    assert (table["enhetskostnad_status"] == "anslag").any() and (table["dekningsgrad_status"] == "kilde").any()
    # every care level 0-4 has a service, and the optional components the issue names exist
    assert sorted(cat.by_care_level()) == [0, 1, 2, 3, 4]
    for sid in ("dagaktivitet", "forebyggende_hjemmebesok", "kulturskole", "fritidsklubb", "frivilligsentral",
                "apen_barnehage", "lavterskel_psykisk_helse"):
        assert not cat.services[sid].mandatory
    for sid in ("grunnskole", "barnehage", "sykehjem_langtid", "hjemmesykepleie", "sosialhjelp"):
        assert cat.services[sid].mandatory


def test_catalogue_values_are_the_documented_kostra_figures():
    cat = load_catalogue()
    band = {b.ages: b for b in cat.services["barnehage"].bands}
    assert band[(1, 2)].coverage.value == 0.897 and band[(1, 2)].coverage.status == "sourced"
    assert cat.services["grunnskole"].bands[0].unit_cost.value == 163131
    assert cat.services["sykehjem_langtid"].bands[0].unit_cost.value == 5543 * 365 - 195  # 2 023 000 rounded


RULES = [
    # (description, replacement (old, new) in mini.yaml, expected key path, expected text)
    ("unknown key", ("    mandatory: true\n    basis: inhabitants", "    mandatory: true\n    basis: inhabitants\n    colour: red"),
     "services.skole.colour", "ukjent nøkkel"),
    ("duplicate key", ("  hjemme:\n", "  skole:\n"), "linje", "nøkkelen finnes to ganger: 'skole'"),
    ("coverage above 1", ("coverage: {value: 0.2,", "coverage: {value: 1.4,"),
     "services.hjemme.bands[0].coverage.value", "1.4 er utenfor gyldig område; forventet en andel mellom 0 og 1"),
    ("negative cost", ("unit_cost: {value: 200000,", "unit_cost: {value: -5,"),
     "services.hjemme.bands[0].unit_cost.value", "-5 er utenfor gyldig område"),
    ("unknown sector", ("    sector: omsorg\n    kostra_function: \"254\"", "    sector: helse\n    kostra_function: \"254\""),
     "services.hjemme.sector", "ukjent verdi 'helse'; gyldige: omsorg, oppvekst"),
    ("unknown service as effect target", ("target: sykehjem", "target: sykehus"),
     "services.dagsenter.effects[0].target", "ukjent verdi 'sykehus'"),
    ("mandatory service with breadth", ("    mandatory: false\n    breadth:", "    mandatory: true\n    breadth:"),
     "services.dagsenter.breadth", "en lovpålagt tjeneste kan ikke ha tilbudsbredde"),
    ("unquoted code", ('kostra_function: "202"', "kostra_function: 202"),
     "services.skole.kostra_function", "202 er ikke tekst (sett koder i anførselstegn"),
    ("unknown status", ("status: sourced, source: \"test\"}\n        unit_cost: {value: 100000",
                        "status: sikker, source: \"test\"}\n        unit_cost: {value: 100000"),
     "services.skole.bands[0].coverage.status", "ukjent verdi 'sikker'; gyldige: sourced, derived, assumption"),
    ("missing source", ("coverage: {value: 0.1, status: sourced, source: \"test\"}", "coverage: {value: 0.1, status: sourced, source: \" \"}"),
     "services.sykehjem.bands[0].coverage.source", "kilde eller begrunnelse mangler"),
    ("bad age band", ("ages: [6, 15]", "ages: [15, 6]"), "services.skole.bands[0].ages", "forventet 0 <= fra <= til"),
    ("range does not contain value", ("light_change: {value: 0.2, low: 0.1, high: 0.3", "light_change: {value: 0.2, low: 0.25, high: 0.3"),
     "threshold_groups.eldre.low.light_change", "må ligge mellom low"),
    ("staff shares do not sum to 1", ("omsorg: [0.8, 0.2]", "omsorg: [0.8, 0.3]"),
     "staff_age_profile.sectors.omsorg", "summerer til 1"),
    ("yaml syntax", ("services:\n", "services: [\n"), "linje", "ugyldig YAML"),
]


@pytest.mark.parametrize("desc, change, path, text", RULES, ids=[r[0] for r in RULES])
def test_every_validation_rule_names_file_key_and_expectation(tmp_path, desc, change, path, text):
    src = MINI.read_text(encoding="utf-8")
    assert change[0] in src, f"fixture text for '{desc}' not found"
    bad = tmp_path / f"{desc.replace(' ', '_')}.yaml"
    bad.write_text(src.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_catalogue(bad)
    msg = str(err.value)
    assert msg.startswith(str(bad) + ": "), msg
    assert path in msg and text in msg, msg


def test_calibrated_base_year_reproduces_baerums_observed_users():
    cat = load_catalogue()
    pop = data.kommune_population("3201").sel(year=2026).sum("sex")
    cal = calibrate(cat, pop, "3201", 2025)
    cov = cal.coverage
    home = ["praktisk_bistand", "hjemmesykepleie"]

    def users(services, lo, hi=105):
        return float((cov.sel(service=services) * pop).sel(age=slice(lo, hi)).sum())

    # KOSTRA 2025 for Bærum (panel): 2 118 / 767 (total minus the others) / 1 485 home-service
    # users; 668 in 24-hour housing; 149 and 543 long-term residents 67-79 and 80+
    assert users(home, 0, 66) == pytest.approx(2118)
    assert users(home, 67, 79) == pytest.approx(4370 - 2118 - 1485)
    assert users(home, 80) == pytest.approx(1485)
    assert users(["heldogn_omsorgsbolig"], 0) == pytest.approx(668)
    assert users(["sykehjem_langtid"], 67, 79) == pytest.approx(149)
    assert users(["sykehjem_langtid"], 80) == pytest.approx(543)
    # KOSTRA 9.0 % of 80+ with an institution stay: the rest beyond long-term are short stays
    p80 = float(pop.sel(age=slice(80, None)).sum())
    assert users(["sykehjem_langtid", "korttid_rehabilitering"], 80) == pytest.approx(0.09 * p80)
    # the 17/83 split of home services is kept
    assert users(["praktisk_bistand"], 80) / users(home, 80) == pytest.approx(0.0422 / (0.0422 + 0.2058))
    assert "KOSTRA 2025" in cal.basis_text() and "2\u00a0118" in cal.basis_text()
    basis = coverage_basis(cat, cal)
    assert basis.set_index(["service", "alder"]).loc[("barnehage", "1–2"), "grunnlag"].startswith("katalogverdi")
    assert basis.set_index(["service", "alder"]).loc[("hjemmesykepleie", "80+"), "grunnlag"].startswith("kalibrert")


def test_kommune_without_observations_keeps_national_values():
    # The KOSTRA care panel covers every kommune since the all-kommune data; 1580 Haram has no
    # rows for 2020-2023 (it was part of 1507 Ålesund then), so KOSTRA year 2022 has no
    # observations. (1.1.2023 is not available for 1580; the population only matters for
    # KOSTRA's 80+ shares, which 1580 does not have, so 1.1.2025 stands in.)
    cat = load_catalogue()
    pop = data.kommune_population("1580").sel(year=2025)
    cal = calibrate(cat, pop, "1580", 2022)
    assert cal.table.empty
    pd.testing.assert_series_equal(cal.coverage.to_series(), cat.arrays()["coverage"].to_series(), check_names=False)
    assert "nasjonale dekningsgrader" in cal.basis_text()


def test_statuses_are_the_documented_three():
    assert STATUSES == ("sourced", "derived", "assumption")
