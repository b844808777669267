"""Rolling-origin backtests of the kommune projections (planmodel.population.backtest) and the
``planmodel backtest`` command.

Bounds come from the full run (3 origins × 357 kommuner, about a second; the table is in
docs/befolkningsmodell.md): 10 years ahead the projection's median absolute error of the total
is 2.96 % and its 90th percentile 8.13 %, against 3.79 % / 11.02 % for the best naive method
(linear trend). For the fast test the fixed sample of 40 kommuner (10 per size class,
``sample_kommuner()``) gives 3.27 % / 7.97 %; over 2 000 random stratified samples of 40 drawn
from the full run (``sample_bounds``) the 95 % quantiles are 3.87 % / 9.96 %, and the median
is below the best naive median in 95 % of samples. So a method as good as the shipped one stays
below 3.9 % / 10.0 % in 95 % of samples; a method as poor as the old one (4.70 % / 13.58 % in
the full run) fails them.
"""

import numpy as np
import pandas as pd
import pytest

from planmodel import cli
from planmodel.inputs import data
from planmodel.population import backtest as bt


@pytest.fixture(scope="module")
def full() -> pd.DataFrame:
    return bt.run()


def test_naive_baselines_by_hand():
    years = np.arange(2006, 2017)
    series = np.array([[100.0, 100, 100, 100, 100, 100, 104, 108, 112, 116, 120],
                       [50.0, 50, 50, 50, 50, 50, 45, 40, 35, 30, 25]])
    f = bt.naive(series, years, 2016, 10)
    np.testing.assert_allclose(f["constant"], [120, 25])
    np.testing.assert_allclose(f["linear"], [160, 0])  # 25 - 25 / 5 * 10 = -25, floored at 0
    np.testing.assert_allclose(f["geometric"], [120 * 1.2 ** 2, 25 * 0.5 ** 2])


def test_groups_sum_to_the_total():
    pop = data.all_kommuner_population().sel(kommune=["3201", "1151"], year=2026).values
    g = bt.to_groups(pop)
    assert g.shape == (2, 11)
    np.testing.assert_allclose(g[:, :-1].sum(1), g[:, -1])
    np.testing.assert_allclose(g[:, -1], pop.sum((1, 2)))


def test_fixed_sample_has_ten_kommuner_from_each_size_class():
    s = bt.sample_kommuner(40)
    assert len(s) == 40 and len(set(s)) == 40
    assert list(s) == list(bt.sample_kommuner(40))
    run = bt.run(origins=(2016,), horizons=(10,), kommuner=s)
    sizes = run[(run.method == "engine") & (run.age_group == "total")]["size"].value_counts()
    assert sizes.tolist() == [10, 10, 10, 10]
    assert len(bt.sample_kommuner(42)) == 42


def test_fast_backtest_on_40_sampled_kommuners_beats_the_naive_methods():
    df = bt.run(kommuner=bt.sample_kommuner(40))
    d = df[(df.horizon == 10) & (df.age_group == "total")]
    eng = d[d.method == "engine"]["ape"]
    best_naive = min(d[d.method == m]["ape"].median() for m in bt.NAIVE)
    assert len(eng) == 120
    assert eng.median() < 3.9
    assert eng.quantile(0.9) < 10.0
    assert eng.median() < best_naive


def test_full_backtest_headline(full):
    """Every kommune, origins 2011, 2014, 2016, ten years ahead. The issue's targets: median at
    most 3 % (met: 2.96 %) and 90th percentile at most 8 % (not met: 8.13 %, see the method
    note); beating the best naive method in every size class on the median (met) and, on the
    90th percentile, in every class but > 20 000 (7.92 % against the linear trend's 7.60 %)."""
    s = bt.score(full)
    assert s["median"] <= 3.0
    assert s["p90"] < 8.2
    assert all(med for med, _ in s["beats"].values())
    assert [p90 for _, p90 in s["beats"].values()] == [True, True, True, False]
    t = bt.table(full)
    assert int(t.loc[("all", "engine"), "n"]) == 3 * 357
    five = bt.score(full, horizon=5)
    assert five["median"] < 2.2 and five["p90"] < 5.4


def test_full_backtest_by_age_group(full):
    """The old and the school-age groups are where the cohort method shines (67–79: 2.5 %
    against 13.3 % for the best trend); the youngest (0 and 1–5 years) follow the national
    fertility, held at its trend at the origin while it fell, so there it does not beat
    "constant" (25 % against 20 % for age 0)."""
    g = bt.group_table(full)
    med = g["median"].unstack()
    for group in ("6-12", "13-15", "16-19", "45-66", "67-79", "80-89", "90+"):
        assert med.loc[group, "engine"] < med.loc[group, list(bt.NAIVE)].min(), group
    assert med.loc["67-79", "engine"] < 3.0
    assert med.loc["0", "engine"] > med.loc["0", "constant"]


def test_hold_rule_errors_by_hand():
    s = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], index=range(2000, 2006))
    t = bt.hold_rule_errors(s, windows=(1, 2), horizon=2, last_outcome=2005)
    # origins 2001..2003: outcomes (3+4)/2, (4+5)/2, (5+6)/2; last year 2, 3, 4; mean of two 1.5, 2.5, 3.5
    assert t.loc[1, "origins"] == (2001, 2003)
    np.testing.assert_allclose(t.loc[1, "mae"], 1.5)
    np.testing.assert_allclose(t.loc[2, "mae"], 2.0)
    np.testing.assert_allclose(t.loc[2, "rmse"], 2.0)


def test_the_trend_tfr_rule_was_chosen_on_data_before_every_origin():
    """The trend scenario holds TFR at its last HFD year: over the origins 1976–2000 (ten-year
    outcomes through 2010) it misses the next ten years' mean TFR by 3.8 % on average, the
    three-year mean (the rule before) by 4.6 %, longer means by more."""
    from planmodel.population import demography as d

    t = bt.hold_rule_errors(d.tfr_history().to_series(), last_outcome=2010)
    assert t.loc[1, "origins"] == (1976, 2000)
    assert t["mape"].astype(float).idxmin() == 1 == d.TREND_TFR_YEARS
    assert 3.7 < t.loc[1, "mape"] < 3.9 and 4.5 < t.loc[3, "mape"] < 4.8
    assert d._trend_paths(2015)[0] == pytest.approx(float(d.tfr_history().sel(year=2015)))


def test_valid_origins():
    assert bt.valid_origins(10) == (2011, 2016)
    assert bt.valid_origins(5) == (2011, 2021)


def test_cli_prints_the_table_in_bokmal(capsys):
    code = cli.main(["backtest", "--origin", "2016", "--horizon", "10", "--sample", "40"])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "Tilbakeskriving av befolkningen: 40 kommuner (fast utvalg), utgangsår 2016, 10 år fram"
    assert "planmodel" in lines[2] and "lineær trend" in lines[2] and "vekstrate" in lines[2]
    assert [line[:14].rstrip() for line in lines[3:8]] == ["under 2 000", "2 000–5 000", "5 000–20 000",
                                                          "over 20 000", "alle"]
    assert any(line.startswith("planmodel slår beste naive metode på medianen") for line in lines)
    assert lines[-1].startswith("Kilde: Statistisk sentralbyrå (SSB)")


def test_cli_age_groups(capsys):
    code = cli.main(["backtest", "--origin", "2014", "2016", "--horizon", "5", "--sample", "8", "--groups", "kostra"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "utgangsår 2014 og 2016, 5 år fram" in out.splitlines()[0]
    assert [line.split()[0] for line in out.splitlines()[3:13]] == list(bt.KOSTRA_GROUPS)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--origin", "2019"], "--origin: 2019: med horisont 10 år må utgangsåret ligge i 2011–2016"),
        (["--origin", "2005", "--horizon", "5"], "må utgangsåret ligge i 2011–2021"),
        (["--horizon", "25"], "høyst 20 år"),
        (["--horizon", "17"], "for lang"),
        (["--horizon", "0"], "0 må være minst 1"),
        (["--horizon", "ti"], "'ti' er ikke et heltall"),
        (["--sample", "2"], "utvalget må ha 4–357 kommuner"),
        (["--groups", "alder"], "ugyldig valg: 'alder'"),
        (["--origin"], "--origin"),
    ],
)
def test_cli_errors_are_one_line_with_exit_code_2(args, message, capsys):
    code = cli.main(["backtest", *args])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
