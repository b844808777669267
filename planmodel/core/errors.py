"""Error types. Every message names the file (or source), the field and what was expected."""

from __future__ import annotations


class PlanmodelError(Exception):
    """Base class for errors a user can fix (bad input, unknown kommune, bad option)."""


class InputError(PlanmodelError, ValueError):
    """Bad input data or settings.

    Parameters
    ----------
    source : str
        File name or other origin of the value (``"scenarios/x.yaml"``, ``"argument tfr"``).
    field : str
        Key path or column of the bad value (``"measures[2].effect.coverage_rate"``).
    problem : str
        What was wrong and what was expected, e.g. ``"1.4 is not a share between 0 and 1"``.
    """

    def __init__(self, source: str, field: str, problem: str):
        self.source = str(source)
        self.field = field
        self.problem = problem
        where = f"{self.source}: {field}" if field else self.source
        super().__init__(f"{where}: {problem}")


class KommuneError(PlanmodelError, LookupError):
    """A kommune that cannot be resolved; the message carries a hint."""
