"""Every key number a user reads, as the exact text shown: one function for the apps and the brief.

:func:`key_numbers` turns a :func:`planmodel.model.run` result into ``{id: text}``; the
Krisekompasset, the Økonomiplan app and the brief show these texts (each in an element with
``data-key=<id>``), so the same number is never formatted twice, and the tests compare what the
page shows with the Dataset through these ids.

Reading values with ``.sel`` costs ~0.2 ms each in xarray; an app reads a few hundred per click,
so :func:`lines` pulls every array out once (a few ``.values``) and the formatting indexes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from planmodel.core.formatting import NBSP, endring, mill_kr, prosent, tall

#: The sector whose årsverk and users the key numbers follow.
CARE_SECTOR = "helse_og_omsorg"
#: A long-view year shown between the plan period and the horizon.
MIDDLE_YEAR = 2035


@dataclass(frozen=True)
class Lines:
    """The parts of a result the pages show, as numpy arrays over ``years``.

    Units as in the Dataset: money NOK 1000 (fixed prices), people persons, årsverk årsverk,
    ``ndr`` a share of driftsinntektene.
    """

    years: np.ndarray
    plan: list[int]
    horizon: int
    ndr: np.ndarray
    ndr_kr: np.ndarray
    gap: np.ndarray
    income: np.ndarray
    target: np.ndarray
    pop_by_age: np.ndarray  # (year, age)
    users_by_level: np.ndarray  # (care_level, year)
    level_names: list[str]
    unmet: np.ndarray
    queue: np.ndarray
    stepped: np.ndarray
    frames: np.ndarray  # (sector, year)
    sectors: list[str]
    sector_names: list[str]
    fte_need: np.ndarray  # (sector, year)
    fte_supply: np.ndarray
    fte_gap: np.ndarray
    drift: np.ndarray  # tiltak operating cost, summed over tiltak
    investering: np.ndarray  # tiltak investment, summed over tiltak
    n_measures: int
    index: dict = field(default_factory=dict)

    def at(self, arr: np.ndarray, year: int) -> float:
        """Value of a (..., year) array in ``year``."""
        return float(arr[..., self.index[int(year)]])

    def aged(self, lo: int, hi: int = 200) -> np.ndarray:
        """Persons aged ``lo``–``hi`` by year."""
        return self.pop_by_age[:, lo:hi + 1].sum(axis=1)

    def care(self, arr: np.ndarray) -> np.ndarray:
        """The helse og omsorg row of a (sector, year) array (all sectors if there is none)."""
        return arr[self.sectors.index(CARE_SECTOR)] if CARE_SECTOR in self.sectors else arr.sum(axis=0)

    @property
    def base(self) -> int:
        return int(self.years[0])


_LINES_CACHE: dict[int, tuple[xr.Dataset, Lines]] = {}


def lines(ds: xr.Dataset) -> Lines:
    """The :class:`Lines` of a result (kept for the last few Datasets)."""
    hit = _LINES_CACHE.get(id(ds))
    if hit is not None and hit[0] is ds:
        return hit[1]
    years = ds["year"].values.astype(int)
    pop = ds["population"].transpose("year", "age", "sex").values.sum(axis=2)

    def sector(v):
        return ds[v].transpose("sector", "year").values

    m = ds.sizes.get("measure", 0)
    zeros = np.zeros(years.size)
    out = Lines(
        years=years, plan=ds.plan.years, horizon=ds.plan.horizon,
        ndr=ds["netto_driftsresultat_andel"].values, ndr_kr=ds["netto_driftsresultat"].values,
        gap=ds["inndekningsbehov"].values, income=ds["driftsinntekter"].values, target=ds["resultatmal"].values,
        pop_by_age=pop, users_by_level=ds["users_by_level"].transpose("care_level", "year").values,
        level_names=[str(n) for n in ds["care_level_name"].values],
        unmet=ds["unmet_need"].sum("threshold_group").values, queue=ds["queue"].sum("capacity_group").values,
        stepped=ds["stepped_down"].sum("capacity_group").values, frames=sector("sektor_ramme"),
        sectors=[str(s) for s in ds["sector"].values], sector_names=[str(n) for n in ds["sector_name"].values],
        fte_need=sector("fte_sector"), fte_supply=sector("fte_supply"), fte_gap=sector("fte_gap"),
        drift=ds["tiltak_drift"].values.sum(axis=0) if m else zeros,
        investering=ds["tiltak_investering"].values.sum(axis=0) if m else zeros,
        n_measures=m, index={int(y): i for i, y in enumerate(years)})
    if len(_LINES_CACHE) >= 8:
        _LINES_CACHE.clear()
    _LINES_CACHE[id(ds)] = (ds, out)
    return out


def shown_years(ds: xr.Dataset) -> list[int]:
    """The years with key numbers: the plan years, :data:`MIDDLE_YEAR` (if between) and the horizon."""
    lv = lines(ds)
    years = list(lv.plan)
    if years[-1] < MIDDLE_YEAR < lv.horizon:
        years.append(MIDDLE_YEAR)
    if lv.horizon not in years:
        years.append(lv.horizon)
    return years


def ndr_text(share: float) -> str:
    """Netto driftsresultat as a share -> ``"1,9 %"``."""
    return prosent(share, 1)


def norm_text(share: float) -> str:
    """The norm as a share -> ``"1,75 %"`` (two decimals: the norm is 1,75, not 1,8)."""
    return prosent(share, 2)


def money_text(nok1000: float) -> str:
    """NOK 1000 -> ``"312,4 mill. kr"``."""
    return mill_kr(float(nok1000) * 1000.0, 1)


def money_change_text(nok1000: float) -> str:
    """A change in NOK 1000 -> ``"+12,3 mill. kr"`` / ``"−4,0 mill. kr"`` / ``"0,0 mill. kr"`` (minus U+2212)."""
    return f"{endring(float(nok1000) / 1000.0, 1)}{NBSP}mill.{NBSP}kr"


#: Driftsinntekter [NOK 1000] from which a kommune's tiltak tables show mill. kr with 1 and 2
#: decimals (below: 3), see :func:`money_decimals`.
DECIMAL_STEPS = ((1_000_000.0, 1), (100_000.0, 2))


def money_decimals(ds: xr.Dataset) -> int:
    """Decimals of the tables of tiltak costs in mill. kr for the run's kommune.

    Every amount a politician reads is in mill. kr; a tiltak in a small kommune can cost
    14 000 kr a year, which one decimal shows as 0,0. So the decimals follow the kommune's
    size, one number for all its tables: 1 when driftsinntektene in the base year are at least
    1 000 mill. kr, 2 from 100 mill. kr, else 3 (:data:`DECIMAL_STEPS`).
    """
    income = float(lines(ds).income[0])
    return next((d for lo, d in DECIMAL_STEPS if income >= lo), 3)


def mill_number(nok1000: float, decimals: int = 1) -> str:
    """NOK 1000 -> the number in mill. kr without the unit (a table cell): ``2398`` -> ``"2,4"``."""
    return tall(float(nok1000) / 1000.0, decimals)


def key_numbers(ds: xr.Dataset) -> dict[str, str]:
    """Every key number of the apps and the brief, as the exact text shown.

    Parameters
    ----------
    ds : result of :func:`planmodel.model.run` (NOK 1000 at fixed prices, persons, årsverk).

    Returns
    -------
    dict id -> Norwegian text (no-break spaces, decimal comma, U+2212 minus):

    - today (base year): ``folkemengde_i_dag``, ``personer_80_i_dag`` [persons],
      ``ndr_andel_i_dag`` [% of driftsinntektene], ``arsverk_ho_i_dag`` [årsverk],
      ``brukere_omsorgstrapp_i_dag`` [persons];
    - for each of :func:`shown_years` ``y``: ``ndr_andel_y`` [%], ``ndr_y`` (netto
      driftsresultat) and ``inndekning_y`` (inndekningsbehov) [mill. kr];
    - the plan period: ``ndr_laveste_plan`` [%], ``inndekning_plan`` (sum) [mill. kr],
      ``ar_under_norm`` ("1 av 4"), ``resultatmal_andel`` ("1,75 %"), ``forste_ar_under_normen``
      (first year after the base year below the norm, or "Ingen");
    - the horizon: ``folkemengde_horisont``, ``personer_80_horisont`` [persons], ``vekst_80``
      (change of 80+ from the base year) [signed %], ``kostnad_sektorer_plan`` /
      ``kostnad_sektorer_horisont`` (sector frames, last plan year / horizon) [mill. kr],
      ``arsverk_ho_horisont``, ``arsverk_gap_ho_plan``, ``arsverk_gap_ho_horisont``,
      ``arsverk_gap_total_horisont`` [årsverk], ``brukere_omsorgstrapp_horisont``,
      ``udekket_behov_plan``, ``ventende_plan``, ``udekket_behov_horisont``,
      ``ventende_horisont`` [persons];
    - tiltak: ``tiltak_antall``, ``tiltak_kostnad_plan``, ``tiltak_drift_plan``,
      ``tiltak_investering_plan`` [mill. kr over the plan period], ``tiltak_kostnad_y`` per plan
      year and ``tiltak_kostnad_sum`` [mill. kr, the number only, :func:`money_decimals` decimals:
      the sum row of the app's tiltak table];
    - both income rules (``med_demografi``, ``uten_demografi``) for each shown year ``y``:
      ``ndr_andel_<rule>_y`` [%] and ``inndekning_<rule>_y`` [mill. kr];
    - ``ventekostnad_plan`` / ``ventekostnad_horisont``: what the people waiting for a place cost
      [mill. kr in the last plan year / the horizon]; ``investeringer_andel_maks`` [% of
      driftsinntektene] and ``investeringer_andel_maks_ar``: the largest investment year after
      the base year.
    """
    lv = lines(ds)
    b, h, plan = lv.base, lv.horizon, lv.plan
    last = plan[-1]
    pop, old = lv.pop_by_age.sum(axis=1), lv.aged(80)
    users = lv.users_by_level.sum(axis=0)
    frames = lv.frames.sum(axis=0)
    pos = [lv.index[y] for y in plan]
    below_plan = ds.plan.below_norm(plan)
    below = ds.plan.below_norm([int(y) for y in lv.years[1:]])
    out = {
        "folkemengde_i_dag": tall(lv.at(pop, b)),
        "personer_80_i_dag": tall(lv.at(old, b)),
        "ndr_andel_i_dag": ndr_text(lv.at(lv.ndr, b)),
        "arsverk_ho_i_dag": tall(lv.at(lv.care(lv.fte_need), b)),
        "brukere_omsorgstrapp_i_dag": tall(lv.at(users, b)),
    }
    for y in shown_years(ds):
        out[f"ndr_andel_{y}"] = ndr_text(lv.at(lv.ndr, y))
        out[f"ndr_{y}"] = money_text(lv.at(lv.ndr_kr, y))
        out[f"inndekning_{y}"] = money_text(lv.at(lv.gap, y))
    cost = lv.drift + lv.investering
    out.update({
        "ndr_laveste_plan": ndr_text(float(lv.ndr[pos].min())),
        "inndekning_plan": money_text(float(lv.gap[pos].sum())),
        "ar_under_norm": f"{len(below_plan)} av {len(plan)}",
        "resultatmal_andel": norm_text(ds.plan.target_share),
        "forste_ar_under_normen": str(below[0]) if below else "Ingen",
        "folkemengde_horisont": tall(lv.at(pop, h)),
        "personer_80_horisont": tall(lv.at(old, h)),
        "vekst_80": f"{endring(100 * (lv.at(old, h) / lv.at(old, b) - 1), 1)}{NBSP}%",
        "kostnad_sektorer_plan": money_text(lv.at(frames, last)),
        "kostnad_sektorer_horisont": money_text(lv.at(frames, h)),
        "arsverk_ho_horisont": tall(lv.at(lv.care(lv.fte_need), h)),
        "arsverk_gap_ho_plan": tall(lv.at(lv.care(lv.fte_gap), last)),
        "arsverk_gap_ho_horisont": tall(lv.at(lv.care(lv.fte_gap), h)),
        "arsverk_gap_total_horisont": tall(lv.at(lv.fte_gap.sum(axis=0), h)),
        "brukere_omsorgstrapp_horisont": tall(lv.at(users, h)),
        "udekket_behov_plan": tall(lv.at(lv.unmet, last)),
        "ventende_plan": tall(lv.at(lv.queue, last)),
        "udekket_behov_horisont": tall(lv.at(lv.unmet, h)),
        "ventende_horisont": tall(lv.at(lv.queue, h)),
        "tiltak_antall": tall(lv.n_measures),
        "tiltak_kostnad_plan": money_text(float(cost[pos].sum())),
        "tiltak_drift_plan": money_text(float(lv.drift[pos].sum())),
        "tiltak_investering_plan": money_text(float(lv.investering[pos].sum())),
    })
    if "netto_driftsresultat_andel_inntektsregel" in ds:  # both income rules, for side-by-side views
        for rule in ds["income_rule"].values:
            share = ds["netto_driftsresultat_andel_inntektsregel"].sel(income_rule=rule).values
            gap = ds["inndekningsbehov_inntektsregel"].sel(income_rule=rule).values
            for y in shown_years(ds):
                out[f"ndr_andel_{rule}_{y}"] = ndr_text(lv.at(share, y))
                out[f"inndekning_{rule}_{y}"] = money_text(lv.at(gap, y))
    if "ventekostnad" in ds:
        wait = ds["ventekostnad"].sum("capacity_group").values
        out["ventekostnad_plan"] = money_text(lv.at(wait, last))
        out["ventekostnad_horisont"] = money_text(lv.at(wait, h))
    if "investeringer_andel" in ds:
        inv = ds["investeringer_andel"].values
        k = int(np.argmax(inv[1:])) + 1 if inv.size > 1 else 0
        out["investeringer_andel_maks"] = prosent(float(inv[k]), 1)
        out["investeringer_andel_maks_ar"] = str(int(lv.years[k]))
    d = money_decimals(ds)
    for y, i in zip(plan, pos):
        out[f"tiltak_kostnad_{y}"] = mill_number(cost[i], d)
    out["tiltak_kostnad_sum"] = mill_number(float(cost[pos].sum()), d)
    return out


def assumption_text(a) -> str:
    """An economic assumption's value as shown, by its unit: kroner, years or percent."""
    if a.value is None:
        return "–"
    if a.unit == "NOK per inhabitant":
        return f"{tall(a.value)}{NBSP}kr"
    if a.unit == "years":
        return f"{tall(a.value)}{NBSP}år"
    pct = 100 * a.value
    return prosent(a.value, next((d for d in range(4) if abs(round(pct, d) - pct) < 1e-9), 3))
