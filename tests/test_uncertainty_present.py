"""The uncertainty charts and the panel text, on hand-made results (no model run)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from planmodel.analysis.uncertainty import Sensitivity, Summary
from planmodel.present.uncertainty import fan_chart, fan_table, sensitivity_table, summary_html, tornado_chart


def _draws() -> xr.Dataset:
    years = np.arange(2026, 2031)
    draws = np.arange(101)
    share = 0.02 + 0.001 * (years - 2026)[:, None] * (draws[None, :] - 50) / 50  # spread grows with the years
    income = np.full(share.shape, 1000.0)
    ds = xr.Dataset({"netto_driftsresultat_andel": (("year", "draw"), share, {"units": "share of driftsinntekter"}),
                     "netto_driftsresultat": (("year", "draw"), share * income, {"units": "NOK 1000"}),
                     "resultatmal": (("year", "draw"), 0.0175 * income, {"units": "NOK 1000"})},
                    coords={"year": years, "draw": draws, "plan_year": ("year", (years >= 2027) & (years <= 2030))})
    ds.attrs = {"target_share": 0.0175, "plan_start": 2027, "plan_years": 4}
    return ds


def test_fan_chart_draws_two_bands_and_the_norm():
    svg = fan_chart(_draws(), "Testkommune")
    assert svg.count("<polygon") == 2 and "90 % av trekkene" in svg and "50 % av trekkene" in svg
    assert "Norm 1,75" in svg and "101 trekk" in svg


def test_fan_table_quantiles_and_probability_hand_checked():
    t = fan_table(_draws())
    # 2026: no spread, 2,0 % everywhere; 2030: 2,0 ± 0,4 % linearly over the draws
    assert t.loc[2026, "Median [%]"] == 2.0 and t.loc[2026, "P5 [%]"] == 2.0
    assert t.loc[2030, "P5 [%]"] == 1.6 and t.loc[2030, "P95 [%]"] == 2.4
    # below 1,75 %: 2,0 + 0,4 (d − 50)/50 < 1,75 for d < 18,75 → 19 of 101 draws
    assert t.loc[2030, "Sannsynlighet under normen [%]"] == round(100 * 19 / 101, 1)


def _sens() -> Sensitivity:
    table = pd.DataFrame([
        {"forutsetning": "a", "navn": "Rente", "lav": -0.01, "høy": 0.01, "enhet": "share", "mot_mal_lav": 500.0,
         "mot_mal_høy": -1500.0, "utslag": 2000.0, "status": "assumption"},
        {"forutsetning": "b", "navn": "Fruktbarhet", "lav": 0.8, "høy": 1.1, "enhet": "factor", "mot_mal_lav": -600.0,
         "mot_mal_høy": -400.0, "utslag": 200.0, "status": "derived"}])
    return Sensitivity(table, -500.0, None, "Netto driftsresultat mot målet [NOK 1000]")


def test_tornado_shows_the_change_from_the_central_run_in_mill_kr():
    svg = tornado_chart(_sens())
    assert "Rente" in svg and "Fruktbarhet" in svg and "Størst utslag: Rente (2,0 mill. kr)" in svg
    t = sensitivity_table(_sens())
    assert list(t["Utslag [mill. kr]"]) == [2.0, 0.2] and list(t["Status"]) == ["anslag", "beregnet"]


def test_panel_text_says_band_probability_and_the_three_assumptions():
    sm = Summary(2030, (0.012, 0.021, 0.031), 0.0205, 0.37, 0.2,
                 (("x", "Rente", 2000.0), ("y", "Fruktbarhet", 1000.0), ("z", "Dekningsgrad", 500.0)), 400, 0)
    text = summary_html(sm)
    assert "mellom <b>1,2\u00a0%</b> og <b>3,1\u00a0%</b>" in text and "median 2,1\u00a0%" in text
    assert "<b>37\u00a0%</b>" in text and "i 2030: 20\u00a0%" in text
    assert text.index("Rente") < text.index("Fruktbarhet") < text.index("Dekningsgrad")
    assert "Statistisk sentralbyrå" in text
