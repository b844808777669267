"""Tiltak effects as arrays for the service model: costs, investments, coverage factors,
unit-cost and årsverk factors, care-level shifts and volunteer årsverk (see
:mod:`planmodel.inputs.library` for what each effect kind means and the year-key rule)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from planmodel.core.errors import InputError
from planmodel.core.values import Value, pick
from planmodel.inputs.catalogue import Catalogue
from planmodel.inputs.library import HOURS_PER_FTE, Measure, MeasureEffect
from planmodel.services.demand import CatalogueIndex


def profile_path(profile: Mapping[int, Value], start: int, years: np.ndarray, kind: str,
                 end: int | None = None) -> np.ndarray:
    """Values (Y,) of an investment (flow) or operating (level that holds) profile."""
    out = np.zeros(years.size)
    if not profile:
        return out
    offsets = sorted(profile)
    if kind == "flow":
        for off in offsets:
            out[years == start + off] += profile[off].value
        return out
    rel = years - start
    for i, off in enumerate(offsets):  # a few keys, each vectorised over years
        nxt = offsets[i + 1] if i + 1 < len(offsets) else None
        mask = (rel >= off) & ((rel < nxt) if nxt is not None else True)
        out[mask] = profile[off].value
    if end is not None:
        out[years > end] = 0.0
    return out


def effect_ramp(effect: MeasureEffect, start: int, years: np.ndarray, end: int | None = None) -> np.ndarray:
    """Share (Y,) of an effect in force: 0 before start + lag, rising by 1/phase_in a year."""
    r = np.clip((years - start - effect.lag_years + 1) / effect.phase_in_years, 0.0, 1.0)
    if end is not None:
        r = np.where(years > end, 0.0, r)
    return r


@dataclass
class MeasureArrays:
    """Selected measures turned into arrays over the flattened lead axis N.

    ``active`` (M, N) weights (1 = on) let one run hold several measure sets (samordning).
    Factors are 1 and additions 0 where nothing applies.
    """

    ids: list[str]
    measures: list[Measure]
    operating: np.ndarray  # (M, Y) NOK 1000 per year
    investment: np.ndarray  # (M, Y) NOK 1000
    coverage_segments: dict  # {service row: (edges (K+1,), factors (K, Y, N))}, only the rows a tiltak changes:
    # the coverage factor is factors[k] at the ages edges[k] <= a < edges[k + 1]
    unit_cost_factor: np.ndarray  # (S, Y, N)
    fte_factor: np.ndarray  # (S, Y, N)
    shifts: list[tuple[int, int, np.ndarray]] = field(default_factory=list)  # (from, to, share (Y, N))
    volunteer_fte: np.ndarray | None = None  # (S, Y, N) årsverk replaced by volunteers
    lead: object = None  # a planmodel.lead.Lead when ``active`` spans several measure sets

    @property
    def coverage_rows(self) -> dict:
        """{service row: (A, Y, N) coverage factor}, only the rows a tiltak changes."""
        return {row: np.repeat(f, np.diff(edges), axis=0) for row, (edges, f) in self.coverage_segments.items()}

    @property
    def coverage_factor(self) -> np.ndarray:
        """The coverage factors of every service (S, A, Y, N): 1 where no tiltak changes coverage."""
        S, Y, N = self.unit_cost_factor.shape
        out = np.ones((S, 106, Y, N))
        for row, f in self.coverage_rows.items():
            out[row] = f
        return out


def effect_size(change, bound: str, position: np.ndarray | None = None):
    """The size of an effect at ``bound``, or, with ``position`` (N,), between its weak end (−1),
    the ``bound`` (0) and its strong end (+1), linearly on each side (Monte Carlo draws)."""
    c = pick(change, bound)
    if position is None:
        return c
    weak, strong = pick(change, "weak"), pick(change, "strong")
    return c + np.where(position > 0, position * (strong - c), position * (c - weak))


def measure_arrays(measures: list[Measure], catalogue: Catalogue, years: np.ndarray, base_population: float,
                   active: np.ndarray | None = None, bound: str = "value", lead=None,
                   positions: Mapping[str, np.ndarray] | None = None) -> MeasureArrays:
    """Arrays for the chosen measures (each with ``start`` set).

    Parameters
    ----------
    measures : chosen measures; base_population : persons in the base year (for ``per_100k``).
    active : (M, N) 0/1 weights, default all on with N = 1; ``lead`` names the N axis.
    positions : {tiltak id: (N,)} where each tiltak's effects lie between its weak (−1) and
        strong (+1) end, 0 = ``bound`` (:func:`effect_size`; Monte Carlo draws).
    """
    idx = CatalogueIndex.of(catalogue)
    S, A, Y = len(idx.ids), 106, years.size
    M = len(measures)
    active = np.ones((M, 1)) if active is None else np.asarray(active, dtype=float)
    N = active.shape[1]
    operating = np.zeros((M, Y))
    investment = np.zeros((M, Y))
    bands: dict[int, list] = {}  # {row: [(first age, last age + 1, factor (Y, N))]}: most services have none
    cost_f = np.ones((S, Y, N))
    fte_f = np.ones((S, Y, N))
    vol = np.zeros((S, Y, N))
    shifts = []
    for m, meas in enumerate(measures):  # a few dozen measures; each step vectorised over years/ages
        if meas.start is None:
            raise InputError("tiltak", f"{meas.id}.start", "et valgt tiltak trenger et startår")
        scale = base_population / 100_000.0 if meas.scale == "per_100k" else 1.0
        operating[m] = profile_path(meas.operating, meas.start, years, "level", meas.end) * scale
        investment[m] = profile_path(meas.investment, meas.start, years, "flow") * scale
        on = active[m][None, :]  # (1, N)
        for eff in meas.effects:
            r = effect_ramp(eff, meas.start, years, meas.end)[:, None] * on  # (Y, N)
            size = effect_size(eff.change, bound, None if positions is None else positions.get(meas.id))
            s = idx.pos[eff.service]
            if eff.kind == "coverage":
                lo, hi = eff.ages or (0, 105)
                bands.setdefault(s, []).append((lo, hi + 1, 1.0 + size * r))
            elif eff.kind == "unit_cost":
                cost_f[s] *= 1.0 + size * r
            elif eff.kind == "fte":
                fte_f[s] *= 1.0 + size * r
            elif eff.kind == "shift":
                shifts.append((s, idx.pos[eff.to_service], size * r))
            elif eff.kind == "volunteer_hours":
                vol[s] += size * scale * eff.substitution / HOURS_PER_FTE * r
    segments = {s: _segments(b, A, Y, N) for s, b in bands.items()}
    return MeasureArrays([m.id for m in measures], list(measures), operating, investment, segments, cost_f, fte_f,
                         shifts, vol, lead)


def _segments(bands: list, A: int, Y: int, N: int) -> tuple[np.ndarray, np.ndarray]:
    """The age segments (edges (K+1,)) on which a row's coverage factor is constant, and the factor
    (K, Y, N) on each: the product of the bands (first age, last age + 1, factor (Y, N)) covering it."""
    edges = np.unique(np.clip([0, A] + [e for lo, hi, _ in bands for e in (lo, hi)], 0, A))
    f = np.ones((edges.size - 1, Y, N))
    for lo, hi, g in bands:  # in the order of the effects, as they multiply
        f[(edges[:-1] >= lo) & (edges[:-1] < hi)] *= g
    return edges, f
