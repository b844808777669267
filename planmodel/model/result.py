"""What a result knows about itself: the ``ds.plan`` accessor.

:func:`planmodel.model.run` writes its inputs onto the Dataset it returns — kommune, scenario,
demographic alternative, base year, the plan period (the boolean coordinate ``plan_year``),
horizon, price year, the result target (norm) as a share of driftsinntektene, terskel per
threshold group (coordinate ``threshold`` along ``threshold_group``), tilbud (``breadth``),
overflow, effect bound and the scenario's fingerprint. Every consumer (signals, tables, export,
compare, samordning, report, the apps) asks the accessor instead of working these out again::

    ds.plan.years          # [2027, 2028, 2029, 2030]
    ds.plan.horizon        # 2040
    ds.plan.target_share   # 0.0175
    ds.plan.below_norm()   # years from the first plan year to the horizon with an inndekningsbehov

It also works on a :func:`planmodel.analysis.compare.compare` result (a ``scenario``
dimension): the plan years are those of any scenario.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import xarray as xr

from planmodel.core.errors import InputError

#: Amounts [NOK 1000] at or below this count as zero (an inndekningsbehov of 500 kr is balance).
AMOUNT_TOLERANCE = 0.5


@xr.register_dataset_accessor("plan")
class PlanAccessor:
    """``ds.plan``: the plan period, the norm and the choices of a :func:`~planmodel.model.run`
    result (see the module docstring)."""

    def __init__(self, ds: xr.Dataset):
        self._ds = ds

    def _need(self, what: str) -> None:
        if what not in self._ds.coords and self._attr(what) is None:
            raise InputError("resultat", what, "mangler; bruk resultatet av planmodel.run()")

    def _attr(self, name: str, default=None):
        """An input the run recorded: an attribute, or in a comparison the coordinate
        ``scenario_<name>`` (a single value once one scenario is selected; otherwise the first)."""
        if name in self._ds.attrs:
            return self._ds.attrs[name]
        coord = f"scenario_{name}"
        if coord in self._ds.coords:
            values = np.atleast_1d(self._ds[coord].values)
            return values.ravel()[0].item() if hasattr(values.ravel()[0], "item") else values.ravel()[0]
        return default

    # ------------------------------------------------------------------ years
    @property
    def all_years(self) -> list[int]:
        """Every year of the result [calendar years, 1 January for stocks]."""
        return [int(y) for y in self._ds["year"].values]

    @property
    def base_year(self) -> int:
        """The base year (today's level; the first year of the result)."""
        return int(self._attr("base_year", self.all_years[0]))

    @property
    def years(self) -> list[int]:
        """The økonomiplan years."""
        self._need("plan_year")
        vals = self._ds["plan_year"].values
        # NaN (beyond a horizon in a comparison) is no plan year; plain numpy, the signals ask often
        flags = vals if vals.dtype == bool else np.nan_to_num(vals.astype(float), nan=0.0) != 0.0
        if flags.ndim > 1:  # a comparison: plan years of any scenario
            flags = flags.any(axis=tuple(range(flags.ndim - 1)))
        return [int(y) for y in self._ds["year"].values[flags]]

    @property
    def first(self) -> int:
        """First year of the økonomiplan."""
        return self.years[0]

    @property
    def last(self) -> int:
        """Last year of the økonomiplan."""
        return self.years[-1]

    @property
    def period_text(self) -> str:
        """``"2027–2030"``."""
        return f"{self.first}–{self.last}"

    @property
    def horizon(self) -> int:
        """The long-view year (the scenario's horizon, else the last year of the result)."""
        years = self.all_years
        hz = int(self._attr("horizon", years[-1]))
        return hz if hz in years else years[-1]

    @property
    def judged_years(self) -> list[int]:
        """From the first plan year to the horizon: the years the crisis signals judge."""
        first, hz = self.first, self.horizon
        return [y for y in self.all_years if first <= y <= hz]

    @property
    def later_years(self) -> list[int]:
        """After the plan period up to the horizon."""
        last, hz = self.last, self.horizon
        return [y for y in self.all_years if last < y <= hz]

    # ------------------------------------------------------------------ the norm
    @property
    def target_share(self) -> float:
        """The result target (norm) as a share of driftsinntektene (TBU: 1,75 %)."""
        self._need("target_share")
        return float(self._attr("target_share"))

    def below_norm(self, years: Iterable[int] | None = None) -> list[int]:
        """The ``years`` (default: :attr:`judged_years`) in which netto driftsresultat is below
        the norm (an inndekningsbehov above :data:`AMOUNT_TOLERANCE` NOK 1000)."""
        years = self.judged_years if years is None else [int(y) for y in years]
        gap = self._ds["inndekningsbehov"].sel(year=years).values
        return [y for y, g in zip(years, gap) if g > AMOUNT_TOLERANCE]

    def deficit_years(self, years: Iterable[int] | None = None) -> list[int]:
        """The ``years`` (default: :attr:`judged_years`) with a driftsunderskudd (netto
        driftsresultat below −:data:`AMOUNT_TOLERANCE` NOK 1000)."""
        years = self.judged_years if years is None else [int(y) for y in years]
        ndr = self._ds["netto_driftsresultat"].sel(year=years).values
        return [y for y, v in zip(years, ndr) if v < -AMOUNT_TOLERANCE]

    # ------------------------------------------------------------------ the choices
    @property
    def threshold(self) -> dict[str, float]:
        """Terskel per threshold group (-1 lav .. 1 høy)."""
        self._need("threshold")
        da = self._ds["threshold"]
        return {str(g): float(v) for g, v in zip(da["threshold_group"].values, da.values)}

    @property
    def breadth(self) -> float:
        """Tilbud (-1 smalt .. 1 bredt)."""
        self._need("breadth")
        return float(self._attr("breadth"))

    @property
    def higher_threshold(self) -> list[str]:
        """Threshold groups set above today's practice."""
        return [g for g, v in self.threshold.items() if v > 0]

    @property
    def narrower(self) -> bool:
        """A narrower tilbud than today (breadth below 0 or services dropped)."""
        return self.breadth < 0 or bool(self._attr("dropped", ""))

    @property
    def kommune(self) -> str:
        return str(self._attr("kommune"))

    @property
    def kommune_name(self) -> str:
        return str(self._attr("kommune_name", self.kommune))

    @property
    def price_year(self) -> int:
        return int(self._attr("price_year"))

    @property
    def accounts_year(self) -> int:
        """The year of the kommune's accounts the base year shows (KOSTRA)."""
        return int(self._attr("accounts_year", self.base_year - 1))

    @property
    def warnings(self) -> list[str]:
        """Data warnings in bokmål (missing figures, unusual cost factors, implausible inputs)."""
        return [w for w in str(self._attr("data_warnings", "")).split(" | ") if w]

    @property
    def fingerprint(self) -> str:
        """The scenario's fingerprint (:attr:`planmodel.inputs.scenario.PlanScenario.fingerprint`)."""
        return str(self._attr("scenario_fingerprint", ""))
