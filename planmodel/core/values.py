"""A number with its status and source: how every parameter in planmodel is carried."""

from __future__ import annotations

from dataclasses import dataclass

#: Status of a value: read from data or an official text, computed from sourced values, or
#: planmodel's own assumption (shown to users as kilde / beregnet / anslag).
STATUSES = ("sourced", "derived", "assumption")
#: Which end of an uncertain value a run uses: the central value, the end nearest zero (weak
#: effect) or the end farthest from zero (strong effect).
EFFECT_BOUNDS = ("value", "weak", "strong")
#: What happens when the places of a capacity group are full: people wait, or get one step down.
OVERFLOW_MODES = ("queue", "step_down")


@dataclass(frozen=True)
class Value:
    """A number with its status (one of :data:`STATUSES`) and source (or reasoning), and for
    uncertain effects a low/high range."""

    value: float
    status: str
    source: str
    low: float | None = None
    high: float | None = None


def pick(value: Value, bound: str) -> float:
    """The central value or one end of a value's range.

    ``bound``: ``"value"``; ``"weak"`` = the end of the range nearest zero (the smallest
    effect); ``"strong"`` = the end farthest from zero (the largest effect). Named by effect
    size rather than by low/high, so that "weak" means a weak effect whatever its sign.
    """
    if bound == "value" or value.low is None or value.high is None:
        return value.value
    ends = sorted((value.low, value.high), key=abs)
    return ends[0] if bound == "weak" else ends[1]
