"""The economic assumptions of the økonomiplan, read from ``data/okonomi/forutsetninger.yaml``.

Every assumption is an entry in that file with its value, the range a scenario may set it to,
its unit, the bokmål label users see, its status (sourced / derived / assumption) and its
source. A scenario changes a value with ``economy: {name: value}``; the changed value is then
an assumption "set in" that scenario file. The budget (:mod:`planmodel.budget`) reads values
as ``economy.interest_rate.value``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Iterator, Mapping

from pydantic import BeforeValidator, model_validator
from pydantic_core import PydanticCustomError

from planmodel.core.cache import file_key, memo
from planmodel.core.errors import InputError
from planmodel.core.paths import data_path
from planmodel.core.schema import Choice, FileModel, Integer, Number, Text, check, Version, validate
from planmodel.core.values import STATUSES, Value
from planmodel.core.schema import listing, shown
from planmodel.core.yamlio import load_strict, read_input_text

#: Units an assumption may have (how it is shown: percent, kroner, years).
UNITS = ("share", "share per year", "NOK per inhabitant", "years")
SHIPPED = ("okonomi", "forutsetninger.yaml")


@dataclass(frozen=True)
class Assumption(Value):
    """An economic assumption: a :class:`~planmodel.core.values.Value` with its name, bokmål
    label, unit and the range a scenario may set it to."""

    name: str = ""
    label: str = ""
    unit: str = "share"
    minimum: float = -math.inf
    maximum: float = math.inf


@dataclass(frozen=True)
class CostKey:
    """The age part of the kostnadsnøkkel: age groups (label, first age, last age) with their
    weight in the samlet key [share; the rest, 1 − Σ weights, are the other criteria], and the
    weight of the basiskriterium (every kommune counts as one, whatever its size)."""

    groups: tuple[tuple[str, int, int, float], ...]
    status: str
    source: str
    basis_weight: float = 0.0


class Economy:
    """The economic assumptions of one run (immutable).

    ``economy.interest_rate`` is the :class:`Assumption` (``.value`` the number); an
    assumption whose value is not set (``free_income_per_capita`` when the kommune's own data
    is used) reads as None. :meth:`items` lists the assumptions that have a value.
    ``economy.cost_key`` is the age part of the kostnadsnøkkel (:class:`CostKey`)."""

    __slots__ = ("_entries", "cost_key")

    def __init__(self, entries: Mapping[str, Assumption], cost_key: CostKey | None = None):
        object.__setattr__(self, "_entries", MappingProxyType(dict(entries)))
        object.__setattr__(self, "cost_key", cost_key)

    def __setattr__(self, name, value):
        raise AttributeError("Economy is immutable; use with_values()")

    def __getattr__(self, name: str) -> Assumption | None:
        try:
            a = self._entries[name]
        except KeyError:
            raise AttributeError(name) from None
        return None if a.value is None else a

    def __eq__(self, other) -> bool:
        return isinstance(other, Economy) and dict(self._entries) == dict(other._entries) \
            and self.cost_key == other.cost_key

    def __hash__(self) -> int:
        return hash(tuple(sorted((k, v.value, v.source) for k, v in self._entries.items())))

    def __repr__(self) -> str:
        return "Economy(" + ", ".join(f"{k}={v.value!r}" for k, v in self._entries.items()) + ")"

    @property
    def names(self) -> tuple[str, ...]:
        """Every assumption's name, in file order."""
        return tuple(self._entries)

    def entry(self, name: str) -> Assumption:
        """The assumption ``name`` (also when its value is not set)."""
        return self._entries[name]

    def items(self) -> list[tuple[str, Assumption]]:
        """(name, assumption) for every assumption with a value, in file order."""
        return [(k, a) for k, a in self._entries.items() if a.value is not None]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def with_values(self, overrides: Mapping[str, float], source: str = "økonomi") -> "Economy":
        """A copy with ``overrides`` {name: number}; unknown names and values outside an
        assumption's range are errors naming ``source`` and ``economy.<name>``."""
        entries = dict(self._entries)
        for key, val in overrides.items():
            if key not in entries:
                raise InputError(source, f"economy.{key}", f"ukjent nøkkel; tillatt her: {listing(entries, 40)}")
            a = entries[key]
            if isinstance(val, bool) or not isinstance(val, (int, float)) or not math.isfinite(val):
                raise InputError(source, f"economy.{key}", f"{shown(val)} er ikke et endelig tall")
            if not a.minimum <= val <= a.maximum:
                raise InputError(source, f"economy.{key}", f"{val!r} er utenfor gyldig område; forventet "
                                 f"{a.label.lower()} mellom {a.minimum:g} og {a.maximum:g}")
            entries[key] = replace(a, value=float(val), status="assumption", source=f"Satt i {source}")
        return Economy(entries, self.cost_key)

    def replaced(self, name: str, value: Value | None) -> "Economy":
        """A copy with assumption ``name`` set to ``value`` (with that value's status and
        source), or unset with None (an assumption the model then derives, such as
        ``free_income_per_capita``)."""
        entries = dict(self._entries)
        if value is None:
            entries[name] = replace(entries[name], value=None)
        else:
            entries[name] = replace(entries[name], value=float(value.value), status=value.status, source=value.source)
        return Economy(entries, self.cost_key)


# --------------------------------------------------------------------------- the file schema

def _pair(v):
    if not (isinstance(v, list) and len(v) == 2 and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                                         for x in v) and v[0] <= v[1]):
        raise PydanticCustomError("pm_rule", f"{v!r}: forventet [fra, til] med fra <= til".replace("{", "{{")
                                  .replace("}", "}}"))
    return (float(v[0]), float(v[1]))


class AssumptionEntry(FileModel):
    label: Text(nonempty=True)
    unit: Choice(UNITS)
    value: Number() | None
    range: Annotated[tuple[float, float], BeforeValidator(_pair)]
    status: Choice(STATUSES)
    source: Text(nonempty=True)

    @model_validator(mode="after")
    def _inside(self):
        lo, hi = self.range
        check(self.value is None or lo <= self.value <= hi,
              f"verdien {self.value!r} er utenfor området [{lo:g}, {hi:g}]")
        return self


def _age_span(v):
    if not (isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in v)
            and 0 <= v[0] <= v[1] <= 105):
        raise PydanticCustomError("pm_rule", f"{v!r}: forventet [fra, til] med 0 <= fra <= til <= 105"
                                  .replace("{", "{{").replace("}", "}}"))
    return (v[0], v[1])


class AgeGroupEntry(FileModel):
    ages: Annotated[tuple[int, int], BeforeValidator(_age_span)]
    weight: Number("en vekt", 0.0, 1.0)


class CostKeyEntry(FileModel):
    status: Choice(STATUSES)
    source: Text(nonempty=True)
    age_groups: dict[Text(), AgeGroupEntry]
    basis_weight: Number("en vekt i kostnadsnøkkelen", 0.0, 1.0) = 0.0

    @model_validator(mode="after")
    def _groups(self):
        spans = sorted(g.ages for g in self.age_groups.values())
        check(bool(spans) and spans[0][0] == 0 and spans[-1][1] == 105
              and all(b[0] == a[1] + 1 for a, b in zip(spans, spans[1:])),
              "aldersgruppene må dekke 0-105 år uten hull eller overlapp")
        check(sum(g.weight for g in self.age_groups.values()) + self.basis_weight <= 1.0 + 1e-9,
              "vektene kan ikke summere til mer enn 1")
        return self


class EconomyFile(FileModel):
    """The economic assumptions file (``data/okonomi/forutsetninger.yaml``)."""

    schema_version: Version(1)
    price_year: Integer("et årstall", 2000, 2100)
    assumptions: dict[Text(), AssumptionEntry]
    cost_key: CostKeyEntry | None = None


def parse_economy(raw, source: str) -> Economy:
    """Validate a parsed assumptions file and return the :class:`Economy` it describes."""
    f = validate(EconomyFile, raw, source)
    key = None if f.cost_key is None else CostKey(
        tuple((label, g.ages[0], g.ages[1], float(g.weight)) for label, g in f.cost_key.age_groups.items()),
        f.cost_key.status, f.cost_key.source, float(f.cost_key.basis_weight))
    return Economy({name: Assumption(value=None if e.value is None else float(e.value), status=e.status,
                                     source=e.source, name=name, label=e.label, unit=e.unit,
                                     minimum=e.range[0], maximum=e.range[1])
                    for name, e in f.assumptions.items()}, key)


def load_economy(path: str | Path | None = None) -> Economy:
    """The economic assumptions (default: the shipped file)."""
    p = data_path(*SHIPPED) if path is None else Path(path)
    return _load(*file_key(p), "data/" + "/".join(SHIPPED) if path is None else str(path))


@memo(maxsize=8, readonly=False)
def _load(resolved: str, mtime: int | None, name: str) -> Economy:
    text = None if mtime is None else read_input_text(resolved, name)
    return parse_economy(load_strict(name, text), name)


def economy_with(overrides: Mapping[str, float], source: str = "økonomi") -> Economy:
    """The shipped assumptions with a scenario's overrides {name: number} (see
    :meth:`Economy.with_values`)."""
    return load_economy().with_values(overrides, source)

