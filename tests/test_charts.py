"""The charts of the apps and the brief (planmodel.present.charts and planmodel.present.svg): the
value axis follows one rule — levels (persons, årsverk, kroner) start at 0, shares (netto
driftsresultat in %) keep their own scale — read back from the SVG text a screen reader gets."""

from __future__ import annotations

import re

import pytest

from planmodel.core.formatting import tall
from planmodel.inputs.scenario import PlanScenario
from planmodel.model import run
from planmodel.present import charts, svg


@pytest.fixture(scope="module")
def baerum():
    return run(PlanScenario(kommune="3201"))


def y_ticks(chart: str) -> list[str]:
    """The y tick labels of a line or column chart, bottom to top (right-aligned texts at the
    left of the plot; a line chart's reference label is right-aligned too, so it is left out)."""
    texts = re.findall(r'<text x="([\d.]+)" y="[\d.]+" font-size="\d+" text-anchor="end"[^>]*>([^<]*)</text>', chart)
    left = min(float(x) for x, _ in texts)
    return [t for x, t in texts if float(x) == left]


def test_workforce_chart_y_axis_starts_at_zero(baerum):
    """The årsverk need of helse og omsorg is a few thousand and grows by a few per cent a year:
    an axis from its minimum (once 3 250) made that look like a doubling."""
    need = baerum["fte_sector"].sel(sector="helse_og_omsorg")
    assert float(need.min()) > 1000  # so an axis from the data's minimum would not start at 0
    for sector, cid in (("helse_og_omsorg", "kk-fte-ho"), (None, "kk-fte-total")):
        ticks = y_ticks(charts.workforce_chart(baerum, sector, cid))
        assert ticks[0] == "0", (sector, ticks)
        top = float(ticks[-1].replace("\u00a0", "").replace(" ", ""))
        values = need if sector else baerum["fte_sector"].sum("sector")
        assert top >= float(values.max()), (sector, ticks)


def test_level_charts_include_zero_and_shares_keep_their_scale(baerum):
    assert y_ticks(charts.gap_chart(baerum))[0] == "0"
    # bars: the value axis is drawn under the bars, 0 among its labels
    for chart in (charts.sector_chart(baerum), charts.population_chart(baerum), charts.care_chart(baerum)):
        assert ">0</text>" in chart
    # netto driftsresultat in % against the norm: its own scale, here well above 0
    ndr = charts.ndr_chart(baerum, "Bærum (3201)")
    ticks = y_ticks(ndr)
    assert ticks[0] != "0" and float(ticks[0].replace(",", ".")) > 0, ticks


def test_line_chart_from_zero_is_the_default():
    years, values = [2026, 2027, 2028], [3300.0, 3400.0, 3500.0]
    levels = svg.line_chart(years, [("Årsverk", values)], title="t", y_label="årsverk", chart_id="a", fmt=tall)
    own = svg.line_chart(years, [("Årsverk", values)], title="t", y_label="årsverk", chart_id="b", fmt=tall,
                         from_zero=False)
    assert y_ticks(levels)[0] == "0"
    assert y_ticks(own)[0] == tall(3300)
    # negative values: the axis still reaches below them
    neg = svg.line_chart(years, [("x", [-5.0, 2.0, 3.0])], title="t", y_label="x", chart_id="c", fmt=tall)
    assert float(y_ticks(neg)[0].replace("\u2212", "-")) <= -5
