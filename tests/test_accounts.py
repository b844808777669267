"""Every kommune's own economy in the base year (planmodel.inputs.accounts): hand-checked against
the source figures for Bærum (data/README.md, KOSTRA 2025 and KDD's sluttavregning 2025), the data
warnings, landet, and the error paths."""

from __future__ import annotations

import pytest

from planmodel.core.errors import InputError
from planmodel.inputs import accounts as acc
from planmodel.inputs.accounts import (SECTOR_AREAS, area_of_function, kommune_accounts, national_accounts,
                                       national_free_income_per_capita)


def test_baerum_by_hand():
    a = kommune_accounts("3201")
    # KOSTRA 2025 (NOK 1000): brutto driftsinntekter, netto driftsresultat 6,03 %, netto lånegjeld,
    # helse og omsorg
    assert a.gross_operating_income == 15_036_185
    assert a.ndr_share == pytest.approx(0.0603, abs=5e-5)
    assert a.net_debt == 12_613_146
    assert a.sectors["helse_omsorg"] == 4_271_025
    # inntektssystemet 2025: skatt, inntektsutjevning, utgiftsutjevning, rammetilskudd (NOK 1000)
    assert a.tax == pytest.approx(8_666_260, abs=1)
    assert a.income_equalisation == pytest.approx(-1_954_406, abs=1)
    assert a.expenditure_equalisation == pytest.approx(-30_802, abs=1)
    assert a.block_grant == 2_527_518
    # frie inntekter = skatt + rammetilskudd; per innbygger 1.1.2025 (132 358)
    assert a.free_income == pytest.approx(a.tax + a.block_grant, abs=1)
    assert a.free_income_per_capita == pytest.approx(a.free_income * 1000 / 132_358)
    assert a.warnings == ()
    with pytest.raises(TypeError):
        a.sectors["sosial"] = 0.0


def test_landet_and_its_free_income_per_capita():
    landet = national_accounts()
    assert landet["population_1jan"] == 5_594_340  # SSB 1.1.2025
    assert landet["tax"] == pytest.approx(236.47e6, rel=1e-4)  # 236,47 mrd. kr
    assert national_free_income_per_capita() == pytest.approx(landet["free_income"] * 1000 / 5_594_340)
    assert 75_000 < national_free_income_per_capita() < 82_000


def test_warnings_name_what_is_special():
    assert any("fylkeskommunens del" in w for w in kommune_accounts("0301").warnings)
    assert any("Kostnadsindeksen 2025 mangler" in w for w in kommune_accounts("4629").warnings)
    sauda = kommune_accounts("1135")
    assert sauda.sectors["sosial"] < 0 and any(w.startswith("Sosialtjeneste") for w in sauda.warnings)


def test_sector_areas_map_kostra_functions():
    assert area_of_function("254") == "helse_omsorg" and area_of_function("201") == "barnehage"
    assert area_of_function("999") is None
    functions = [f for _, fs in SECTOR_AREAS.values() for f in fs]
    assert len(functions) == len(set(functions))  # each function in one area


def test_unknown_kommune_and_bad_numbers_are_clear_errors(monkeypatch):
    with pytest.raises(InputError, match=r"data/kostra/kostra_2025_okonomi_kommuner.csv: kommune: 9999: ingen regnskap 2025"):
        kommune_accounts("9999")
    kostra, landet, income, dki = acc._tables()
    broken = kostra.copy()
    broken.loc["3201", "net_debt"] = float("nan")
    monkeypatch.setattr(acc, "_tables", lambda: (broken, landet, income, dki))
    acc._accounts.cache_clear()
    try:
        with pytest.raises(InputError, match=r"kostra_2025_okonomi_kommuner.csv: 3201.net_debt: nan er ikke et endelig tall"):
            kommune_accounts("3201")
        text = broken.copy()
        text["gross_operating_income"] = text["gross_operating_income"].astype(object)
        text.loc["3201", "gross_operating_income"] = "mange"
        monkeypatch.setattr(acc, "_tables", lambda: (text, landet, income, dki))
        acc._accounts.cache_clear()
        with pytest.raises(InputError, match=r"3201.gross_operating_income: 'mange' er ikke et tall"):
            kommune_accounts("3201")
    finally:
        acc._accounts.cache_clear()
