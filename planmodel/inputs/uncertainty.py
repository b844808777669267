"""Uncertainty ranges of the Monte Carlo runs, and the draws sampled from them.

The ranges are read from ``data/usikkerhet/usikkerhet.yaml`` (one entry per uncertain
assumption, with its central value, its 5th and 95th percentile, unit, bokmål label, status and
source). A range is always *around the scenario's own setting*: a factor 1 or a change 0 is what
the scenario assumes, so the median draw is the deterministic run.

Sampling (:func:`sample`): every assumption is drawn independently, by inversion of a uniform
draw (so no value is ever clipped), from

- a **split normal** distribution (``distribution: split_normal``, the default) with its median at
  the central value and exactly the given 5th and 95th percentiles
  (:math:`x = c + z\\,(p_{95} - c)/1.645` for :math:`z > 0`, :math:`x = c + z\\,(c - p_5)/1.645`
  for :math:`z < 0`), :math:`z` standard normal truncated at ±3,5 — for the factors
  (:data:`FACTORS`) on the log scale (:math:`\\ln x` split normal around the logs), so that a
  factor stays positive however wide its range; or
- a **PERT** distribution (``distribution: pert``) between ``low`` and ``high`` with its mode at
  the central value (a Beta distribution with :math:`\\alpha = 1 + 4(c - l)/(h - l)`,
  :math:`\\beta = 1 + 4(h - c)/(h - l)`): for the tiltak effects, whose weak and strong ends in
  the library are bounds, not percentiles.

Each assumption and each tiltak has its own random stream, seeded from the seed and the
assumption's name (or the tiltak's id), so the same seed gives the same numbers and adding a tiltak
does not change the draws of the others. Zero-width ranges reproduce the central value exactly.

:data:`PARAMETERS` lists the assumptions the model knows how to vary (their meaning is in
:func:`planmodel.model.chain.prepare`, with ``draws``).
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import numpy as np
from pydantic import model_validator
from scipy.special import betaincinv, ndtri

from planmodel.core.cache import file_key, memo
from planmodel.core.errors import InputError
from planmodel.core.paths import data_path
from planmodel.core.schema import Choice, FileModel, Number, Text, Version, check, validate
from planmodel.core.values import STATUSES
from planmodel.core.yamlio import load_strict, read_input_text

SHIPPED = ("usikkerhet", "usikkerhet.yaml")
#: The uncertain assumptions the model varies, in the order of the tornado chart's rows.
PARAMETERS = ("tfr_factor", "e0_shift", "migration_factor", "coverage_change", "unit_cost_growth",
              "free_income_growth", "interest_rate", "measure_effects")
#: Assumptions that multiply: drawn on the log scale, so they stay positive in every draw.
FACTORS = ("tfr_factor", "migration_factor")
#: z of the 95th percentile of the standard normal.
Z95 = 1.6448536269514722
#: The truncation of the standard normal [standard deviations].
TRUNCATE = 3.5
UNITS = ("factor", "years", "share", "share per year", "position")
DISTRIBUTIONS = ("split_normal", "pert")


@dataclass(frozen=True)
class Range:
    """One uncertain assumption: its central value, its range and where they come from.

    ``low``/``high`` are the 5th and 95th percentile of a split normal, or the ends of a PERT
    (see the module docstring); :attr:`p5` and :attr:`p95` are the percentiles either way."""

    name: str
    label: str
    unit: str
    value: float
    low: float
    high: float
    status: str
    source: str
    sectors: tuple[str, ...] = ()
    distribution: str = "split_normal"

    def _pert(self) -> tuple[float, float]:
        width = self.high - self.low
        return 1.0 + 4.0 * (self.value - self.low) / width, 1.0 + 4.0 * (self.high - self.value) / width

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """The values at cumulative probabilities ``u`` (0 < u < 1)."""
        u = np.asarray(u, dtype=float)
        if self.distribution == "pert":
            if self.high == self.low:
                return np.full(u.shape, self.value)
            return self.low + (self.high - self.low) * betaincinv(*self._pert(), u)
        z = ndtri(u)
        if self.name in FACTORS:  # a factor is split normal on the log scale: positive however wide
            c, lo, hi = np.log(self.value), np.log(self.low), np.log(self.high)
            return np.exp(c + np.where(z > 0, z * (hi - c), z * (c - lo)) / Z95)
        return self.value + np.where(z > 0, z * (self.high - self.value), z * (self.value - self.low)) / Z95

    @property
    def p5(self) -> float:
        return float(self.quantile(0.05))

    @property
    def p95(self) -> float:
        return float(self.quantile(0.95))


class Ranges:
    """The uncertainty ranges of a run (immutable): ``ranges["tfr_factor"]`` is a :class:`Range`."""

    __slots__ = ("_entries", "source")

    def __init__(self, entries: Mapping[str, Range], source: str = "usikkerhet"):
        object.__setattr__(self, "_entries", MappingProxyType(dict(entries)))
        object.__setattr__(self, "source", source)

    def __setattr__(self, name, value):
        raise AttributeError("Ranges is immutable; use scaled() or with_range()")

    def __getitem__(self, name: str) -> Range:
        return self._entries[name]

    def __iter__(self):
        return iter(self._entries)

    def items(self):
        return self._entries.items()

    @property
    def fingerprint(self) -> tuple:
        """A hashable key of every range (for caches)."""
        return tuple((k, r.value, r.low, r.high, r.distribution, r.sectors) for k, r in self._entries.items())

    def scaled(self, factor: float) -> "Ranges":
        """Every range widened (factor > 1) or narrowed around its central value; 0 = no uncertainty."""
        if not (math.isfinite(factor) and factor >= 0):
            raise InputError(self.source, "scale", f"{factor!r}: forventet et endelig tall >= 0")
        def widened(r: Range) -> Range:
            if r.name in FACTORS and r.distribution != "pert":  # on the log scale, where the factor is drawn
                return replace(r, low=r.value * (r.low / r.value) ** factor, high=r.value * (r.high / r.value) ** factor)
            return replace(r, low=r.value - factor * (r.value - r.low), high=r.value + factor * (r.high - r.value))

        return Ranges({k: widened(r) for k, r in self._entries.items()}, self.source)

    def with_range(self, name: str, low: float, high: float) -> "Ranges":
        """A copy with one range changed (``low``/``high`` as in the file; checked like the file)."""
        if name not in self._entries:
            raise InputError(self.source, name, f"ukjent forutsetning; kjente: {', '.join(self._entries)}")
        r = replace(self._entries[name], low=float(low), high=float(high))
        _check_range(r, self.source)
        return Ranges({**self._entries, name: r}, self.source)


def _check_range(r: Range, source: str) -> None:
    lo, hi = ("low", "high") if r.distribution == "pert" else ("p5", "p95")
    for key, v in ((lo, r.low), (hi, r.high), ("value", r.value)):
        if not math.isfinite(v):
            raise InputError(source, f"parameters.{r.name}.{key}", f"{v!r} er ikke et endelig tall")
    if not r.low <= r.value <= r.high:
        raise InputError(source, f"parameters.{r.name}", f"forventet {lo} <= value <= {hi}, fant {r.low:g}, {r.value:g}, "
                         f"{r.high:g}")
    if r.name in FACTORS and r.low <= 0:
        raise InputError(source, f"parameters.{r.name}.{lo}", f"{r.low:g} er for lavt: en faktor må være over 0")


class RangeEntry(FileModel):
    label: Text(nonempty=True)
    unit: Choice(UNITS)
    distribution: Choice(DISTRIBUTIONS) = "split_normal"
    value: Number()
    p5: Number() | None = None
    p95: Number() | None = None
    low: Number() | None = None
    high: Number() | None = None
    status: Choice(STATUSES)
    source: Text(nonempty=True)
    sectors: list[Text(nonempty=True)] = []

    @model_validator(mode="after")
    def _order(self):
        if self.distribution == "pert":
            check(self.low is not None and self.high is not None and self.p5 is None and self.p95 is None,
                  "en PERT-fordeling trenger low og high (endene), ikke p5/p95")
            lo, hi = self.low, self.high
        else:
            check(self.p5 is not None and self.p95 is not None and self.low is None and self.high is None,
                  "en todelt normalfordeling trenger p5 og p95, ikke low/high")
            lo, hi = self.p5, self.p95
        check(lo <= self.value <= hi, f"forventet {lo:g} <= value <= {hi:g}, fant value {self.value:g}")
        return self


class UncertaintyFile(FileModel):
    """The uncertainty ranges file (``data/usikkerhet/usikkerhet.yaml``)."""

    schema_version: Version(1)
    parameters: dict[Choice(PARAMETERS), RangeEntry]


def parse_ranges(raw, source: str) -> Ranges:
    """Validate a parsed ranges file; every parameter of :data:`PARAMETERS` must be there."""
    f = validate(UncertaintyFile, raw, source)
    missing = [p for p in PARAMETERS if p not in f.parameters]
    if missing:
        raise InputError(source, "parameters", f"mangler {', '.join(missing)}; forventet alle av {', '.join(PARAMETERS)}")
    out = {}
    for name in PARAMETERS:
        e = f.parameters[name]
        lo, hi = (e.low, e.high) if e.distribution == "pert" else (e.p5, e.p95)
        r = Range(name, e.label, e.unit, float(e.value), float(lo), float(hi), e.status, e.source, tuple(e.sectors),
                  e.distribution)
        _check_range(r, source)
        out[name] = r
    return Ranges(out, source)


def load_ranges(path: str | Path | None = None) -> Ranges:
    """The uncertainty ranges (default: the shipped file)."""
    p = data_path(*SHIPPED) if path is None else Path(path)
    return _load(*file_key(p), "data/" + "/".join(SHIPPED) if path is None else str(path))


@memo(maxsize=8, readonly=False)
def _load(resolved: str, mtime: int | None, name: str) -> Ranges:
    text = None if mtime is None else read_input_text(resolved, name)
    return parse_ranges(load_strict(name, text), name)


@dataclass(frozen=True)
class Draws:
    """Sampled values of the uncertain assumptions, one column per draw.

    ``values`` {parameter: (D,)} for the assumptions of :data:`PARAMETERS` except
    ``measure_effects``; ``measures`` {tiltak id: (D,)} the position of each tiltak's effects
    between its weak (−1) and strong (+1) end (0 = the scenario's own choice); ``labels`` (D,)
    optional names of the draws (the tornado's "tfr_factor:lav" ...); ``ranges`` the
    :class:`Ranges` they were drawn from (their units, labels and the sectors of
    ``coverage_change`` are read from there)."""

    values: Mapping[str, np.ndarray]
    measures: Mapping[str, np.ndarray]
    n: int
    ranges: Ranges
    seed: int | None = None
    labels: tuple[str, ...] | None = None

    def part(self, start: int, stop: int) -> "Draws":
        """Draws ``start``..``stop - 1`` (a chunk of a long run)."""
        return Draws({k: v[start:stop] for k, v in self.values.items()},
                     {k: v[start:stop] for k, v in self.measures.items()}, min(stop, self.n) - start, self.ranges,
                     self.seed, None if self.labels is None else self.labels[start:stop])


def _stream(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), zlib.crc32(name.encode("utf-8"))])


def _draw(r: Range, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` values of ``r`` by inversion (a split normal's z truncated at ±:data:`TRUNCATE`)."""
    u = rng.random(n)
    if r.distribution != "pert":
        lo = 0.5 * math.erfc(TRUNCATE / math.sqrt(2.0))
        u = lo + (1.0 - 2.0 * lo) * u
    return r.quantile(u)


def sample(ranges: Ranges, n: int, seed: int = 0, measures=()) -> Draws:
    """``n`` draws of every assumption (see the module docstring); ``measures`` the scenario's
    tiltak ids (each gets its own stream)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError("Monte Carlo", "draws", f"{n!r}: forventet et helt antall trekk >= 1")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError("Monte Carlo", "seed", f"{seed!r}: forventet et helt tall >= 0")
    n = int(n)
    values = {p: _draw(ranges[p], _stream(seed, p), n) for p in PARAMETERS if p != "measure_effects"}
    per = {m: _draw(ranges["measure_effects"], _stream(seed, "tiltak:" + m), n) for m in measures}
    return Draws(values, per, n, ranges, int(seed))


def central(ranges: Ranges, measures=(), n: int = 1) -> Draws:
    """``n`` draws all at the central values (the deterministic run)."""
    return Draws({p: np.full(n, ranges[p].value) for p in PARAMETERS if p != "measure_effects"},
                 {m: np.full(n, ranges["measure_effects"].value) for m in measures}, n, ranges)


def one_at_a_time(ranges: Ranges, measures=()) -> Draws:
    """1 + 2K draws: the central run, then each assumption alone at its 5th and its 95th
    percentile (the tiltak effects together: all towards weak, all towards strong). ``labels`` name them
    ``"sentral"``, ``"<parameter>:p5"``, ``"<parameter>:p95"``."""
    K = len(PARAMETERS)
    d = central(ranges, measures, 1 + 2 * K)
    values = {k: v.copy() for k, v in d.values.items()}
    per = {k: v.copy() for k, v in d.measures.items()}
    labels = ["sentral"]
    for i, p in enumerate(PARAMETERS):
        for j, end in enumerate(("p5", "p95")):
            col = 1 + 2 * i + j
            at = getattr(ranges[p], end)
            if p == "measure_effects":
                for m in per:
                    per[m][col] = at
            else:
                values[p][col] = at
            labels.append(f"{p}:{end}")
    return Draws(values, per, 1 + 2 * K, ranges, None, tuple(labels))
