"""Every choice of Krisekompasset in one value: to and from a link, to a scenario.

:class:`Choices` holds what a politician can choose in the app (kommune, starting scenario file,
befolkningsalternativ, horizon, plan period, terskel, tilbud, places, the economy assumptions the
signal depends on, the tiltak with their start years, and the year the page shows). It is the
single home of

- the **link** (:meth:`Choices.to_query` / :func:`choices_from_query`): every choice as a query
  string, so a link can be shared and reopens the same page. The keys are bokmål words a user
  can read in the address (see :data:`QUERY_KEYS`); unknown or bad values are reported in
  bokmål and left at their defaults, never half applied to one control;
- the **scenario** of a set of choices (:func:`scenario_from_choices`), on top of a scenario file
  or the defaults.

No widgets here: the app (:mod:`planmodel.widgets.krisekompasset`), the tests and the brief share it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, urlencode

from planmodel.core.values import EFFECT_BOUNDS, OVERFLOW_MODES
from planmodel.inputs.economy import economy_with
from planmodel.inputs.scenario import MeasureChoice, PlanScenario

#: Horizons offered (the last year of the long view).
HORIZONS = (2040, 2050)
#: Lengths of the økonomiplan offered [years] from the first possible plan year: kommuneloven
#: § 14-4 asks for at least the four next budget years; some kommuner plan further.
PLAN_YEARS = (4, 5, 6, 8)
#: Later starts offered for a four-year økonomiplan (the next rulleringer) [years after the first].
LATER_STARTS = (1, 2, 3)
#: Real growth of frie inntekter per inhabitant beyond demography offered [share per year]:
#: 0 (planmodel's assumption), the 2026 budget's roughly 0,9 % beyond demography and pension
#: (Rundskriv H-5/25, see data/okonomi/forutsetninger.yaml), and one step either side.
GROWTH_STEPS = {-0.005: "−0,5 % per år", 0.0: "0 % (anslag, standard)", 0.005: "0,5 % per år",
                0.009: "0,9 % per år (som statsbudsjettet 2026)"}
#: The tiltak effects: which end of every uncertain effect (:data:`planmodel.core.values.EFFECT_BOUNDS`).
EFFECT_STEPS = {"weak": "Svake (svakeste ende av spennet)", "value": "Middels (midtanslaget)",
                "strong": "Sterke (sterkeste ende av spennet)"}
#: The query-string key of each choice (bokmål, shown in the address) -> attribute of :class:`Choices`.
QUERY_KEYS = {"kommune": "kommune", "scenario": "scenario", "befolkning": "demographic", "horisont": "horizon",
              "planaar": "plan_years", "planstart": "plan_start", "terskel": "threshold", "tilbud": "breadth", "fulle": "overflow",
              "bygg": "build", "demografikompensasjon": "compensation", "vekst": "growth", "virkning": "effect_bound",
              "tiltak": "measures", "aar": "year"}
_OVERFLOW_WORDS = {"queue": "ko", "step_down": "trinn_ned"}
_EFFECT_WORDS = {"weak": "svak", "value": "middels", "strong": "sterk"}
_YES_NO = {True: "ja", False: "nei"}


@dataclass(frozen=True)
class Choices:
    """All choices of the app. ``threshold=None`` keeps a scenario file's terskel per
    tjenestegruppe; ``measures`` maps tiltak id -> start year (in the order chosen); ``year`` is
    the year the page shows in the 2×2 and the cost per choice (None: the last plan year)."""

    # the defaults are the scenario defaults (one home: PlanScenario)
    kommune: str = PlanScenario.kommune
    scenario: str = ""
    demographic: str = PlanScenario.demographic
    horizon: int = PlanScenario.horizon
    plan_years: int = PlanScenario.plan_years
    plan_start: int | None = None
    threshold: float | None = PlanScenario.threshold
    breadth: float = PlanScenario.breadth
    overflow: str = PlanScenario.overflow
    build: bool = PlanScenario.behovsanalyse
    compensation: float = 1.0
    growth: float = 0.0
    effect_bound: str = PlanScenario.effect_bound
    measures: Mapping[str, int] = field(default_factory=dict)
    year: int | None = None

    def to_query(self) -> str:
        """The choices as a query string (without ``?``); every choice is written, so the link
        means the same even if the app's defaults change."""
        q = {"kommune": self.kommune}
        if self.scenario:
            q["scenario"] = self.scenario
        q.update({"befolkning": self.demographic, "horisont": str(int(self.horizon)),
                  "planaar": str(int(self.plan_years))})
        if self.plan_start is not None:
            q["planstart"] = str(int(self.plan_start))
        if self.threshold is not None:
            q["terskel"] = _num(self.threshold)
        q.update({"tilbud": _num(self.breadth), "fulle": _OVERFLOW_WORDS[self.overflow],
                  "bygg": _YES_NO[bool(self.build)], "demografikompensasjon": _num(self.compensation),
                  "vekst": _num(self.growth), "virkning": _EFFECT_WORDS[self.effect_bound],
                  "tiltak": ",".join(f"{mid}:{int(start)}" for mid, start in self.measures.items())})
        if self.year is not None:
            q["aar"] = str(int(self.year))
        return urlencode(q, safe=":,")


def _num(x: float) -> str:
    text = f"{float(x):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _number(text: str, key: str, problems: list[str], lo: float, hi: float) -> float | None:
    try:
        v = float(text.replace(",", ".").replace("\u2212", "-"))
    except ValueError:
        problems.append(f"{key}={text}: forventet et tall")
        return None
    if not math.isfinite(v) or not lo <= v <= hi:
        problems.append(f"{key}={text}: forventet et tall fra {_num(lo)} til {_num(hi)}")
        return None
    return v


def choices_from_query(query_string: str, known_measures: Mapping[str, object] | None = None,
                       defaults: Choices | None = None) -> tuple[Choices, list[str], set[str]]:
    """Read choices from a query string.

    Returns ``(choices, problems, given)``: the choices (each key missing or bad keeps its value in
    ``defaults``), one bokmål line per bad value (key=value and what was expected), and the
    attributes the link set. ``known_measures``: the tiltak ids the library has (others are
    problems). Kommune and scenario are taken as written; the app resolves and checks them.
    """
    d = defaults or Choices()
    # whitespace and control characters collapse to one space and long values are cut, so that a
    # problem is always one readable line (no value here is valid with them anyway)
    q = {" ".join(k.split())[:40]: " ".join("".join(ch if ch.isprintable() else " " for ch in v[-1]).split())[:200]
         for k, v in parse_qs(query_string or "", keep_blank_values=True).items()}
    problems: list[str] = []
    out: dict = {}
    unknown = sorted(k for k in q if k not in QUERY_KEYS)
    if unknown:
        problems.append(f"ukjent i lenken: {', '.join(unknown)} (kjente: {', '.join(QUERY_KEYS)})")
    for key in ("kommune", "scenario", "befolkning"):
        if q.get(key):
            out[QUERY_KEYS[key]] = q[key]
    for key, attr, lo, hi in (("horisont", "horizon", 2031, 2050), ("planaar", "plan_years", 1, 10),
                              ("planstart", "plan_start", 2027, 2045),
                              ("aar", "year", 2027, 2050)):
        if q.get(key):
            v = _number(q[key], key, problems, lo, hi)
            if v is not None and v != int(v):
                problems.append(f"{key}={q[key]}: forventet et helt tall")
            elif v is not None:
                out[attr] = int(v)
    for key, attr in (("terskel", "threshold"), ("tilbud", "breadth")):
        if q.get(key):
            v = _number(q[key], key, problems, -1.0, 1.0)
            if v is not None:
                out[attr] = v + 0.0
    words = {"fulle": ({v: k for k, v in _OVERFLOW_WORDS.items()}, "overflow"),
             "virkning": ({v: k for k, v in _EFFECT_WORDS.items()}, "effect_bound"),
             "bygg": ({"ja": True, "nei": False}, "build")}
    for key, (table, attr) in words.items():
        if q.get(key):
            if q[key] in table:
                out[attr] = table[q[key]]
            else:
                problems.append(f"{key}={q[key]}: forventet {' eller '.join(table)}")
    if q.get("demografikompensasjon"):
        v = _number(q["demografikompensasjon"], "demografikompensasjon", problems, 0.0, 1.0)
        if v is not None:
            out["compensation"] = v
    if q.get("vekst"):
        v = _number(q["vekst"], "vekst", problems, -0.05, 0.05)
        if v is not None:
            out["growth"] = v + 0.0
    if "tiltak" in q:
        measures: dict[str, int] = {}
        for part in filter(None, (p.strip() for p in q["tiltak"].split(","))):
            mid, _, start = part.partition(":")
            if known_measures is not None and mid not in known_measures:
                problems.append(f"tiltak={mid}: ukjent tiltak")
                continue
            try:
                measures[mid] = int(start)
            except ValueError:
                problems.append(f"tiltak={part}: forventet tiltak:startår, for eksempel hverdagsrehabilitering:2027")
        out["measures"] = measures
    return replace(d, **out), problems, set(out)


def base_compensation(base: PlanScenario) -> float:
    """The demographic compensation (``economy.demographic_compensation``) a scenario runs with:
    its own value or the shipped default."""
    return float(economy_with(dict(base.economy), "scenario").demographic_compensation.value)


def base_growth(base: PlanScenario) -> float:
    """The real growth of frie inntekter (``economy.free_income_growth``) a scenario runs with."""
    return float(economy_with(dict(base.economy), "scenario").free_income_growth.value)


def scenario_from_choices(base: PlanScenario, *, kommune: str, demographic: str, horizon: int, threshold,
                          breadth: float, overflow: str, measures: Mapping[str, int],
                          behovsanalyse: bool | None = None, compensation: float | None = None,
                          growth: float | None = None, effect_bound: str | None = None,
                          plan_years: int | None = None, plan_start: int | None = None) -> PlanScenario:
    """The scenario of the app's choices on top of ``base`` (a scenario file or the defaults).

    ``measures`` maps the chosen tiltak ids to their start years. Tiltak that are in ``base``
    keep their end year and status (and order); new ones are appended. ``threshold=None``
    keeps the base's threshold (a mapping per tjenestegruppe). ``behovsanalyse`` (build or wait),
    ``compensation`` (the income rule: 1 with the state's demographic compensation, 0 without),
    ``growth`` (real growth of frie inntekter), ``effect_bound``, ``plan_years`` and ``plan_start``
    (the first plan year; None or the base year + 1: the base's own) default to the base's. Returns ``base`` itself when nothing differs, otherwise a scenario with id
    ``krisekompasset``. Raises the scenario's InputError when the choices do not fit together.
    """
    if overflow not in OVERFLOW_MODES:
        raise ValueError(f"overflow {overflow!r} is not one of {OVERFLOW_MODES}")
    chosen = []
    in_base = set()
    for m in base.measures:
        in_base.add(m.id)
        if m.id in measures:
            chosen.append(replace(m, start=int(measures[m.id])))
    chosen += [MeasureChoice(mid, int(start)) for mid, start in measures.items() if mid not in in_base]
    economy = dict(base.economy)
    if compensation is not None and float(compensation) != base_compensation(base):
        economy["demographic_compensation"] = float(compensation)
    if growth is not None and float(growth) != base_growth(base):
        economy["free_income_growth"] = float(growth)
    sc = replace(base, kommune=kommune, demographic=demographic, horizon=int(horizon),
                 threshold=base.threshold if threshold is None else float(threshold), breadth=float(breadth),
                 overflow=overflow, measures=tuple(chosen), economy=economy,
                 behovsanalyse=base.behovsanalyse if behovsanalyse is None else bool(behovsanalyse),
                 effect_bound=base.effect_bound if effect_bound is None else effect_bound,
                 plan_years=base.plan_years if plan_years is None else int(plan_years),
                 plan_start=(base.plan_start if plan_start is None or int(plan_start) == base.base_year + 1
                             and base.plan_start is None else int(plan_start)))
    if sc == base:
        return base
    origin = f" (utgangspunkt: {base.title})" if base.baseline is not None or base.source != "scenario" else ""
    return replace(sc, id="krisekompasset", title=f"Eget valg i Krisekompasset{origin}",
                   description="Valgt i Krisekompasset.", source="krisekompasset", chain=())


def scenario_of(choices: Choices, base: PlanScenario) -> PlanScenario:
    """:func:`scenario_from_choices` for a :class:`Choices` value."""
    return scenario_from_choices(
        base, kommune=choices.kommune, demographic=choices.demographic, horizon=choices.horizon,
        threshold=choices.threshold, breadth=choices.breadth, overflow=choices.overflow, measures=choices.measures,
        behovsanalyse=choices.build, compensation=choices.compensation, growth=choices.growth,
        effect_bound=choices.effect_bound, plan_years=choices.plan_years, plan_start=choices.plan_start)


assert set(EFFECT_STEPS) == set(EFFECT_BOUNDS)

def plan_periods(base_year: int, horizon: int) -> list[tuple[str, tuple[int, int]]]:
    """The økonomiplan periods offered: ``(label, (first year, years))``: four years from the
    year after ``base_year`` (the law's minimum), the same four years started one to three years
    later (the next rulleringer), and longer plans from the first year; each must end before the
    horizon (:func:`planmodel.inputs.scenario.check_scenario`)."""
    first = base_year + 1
    out = [(f"{first}–{first + 3} (4 år, lovens minimum)", (first, 4))]
    out += [(f"{first + k}–{first + k + 3} (4 år, rullering)", (first + k, 4)) for k in LATER_STARTS]
    out += [(f"{first}–{first + n - 1} ({n} år)", (first, n)) for n in PLAN_YEARS if n != 4]
    return [(label, v) for label, v in out if v[0] + v[1] - 1 < horizon]


__all__ = ["Choices", "EFFECT_STEPS", "GROWTH_STEPS", "HORIZONS", "PLAN_YEARS", "plan_periods", "QUERY_KEYS", "base_compensation",
           "base_growth", "choices_from_query", "scenario_from_choices", "scenario_of"]
