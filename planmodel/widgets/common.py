"""Small pieces every app widget shares: the busy state, section headings, error texts, and the
names of a scenario file's choices for another kommune than the file's (:func:`scenario_label`)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import fields

import ipywidgets as widgets

from planmodel.core.errors import InputError, PlanmodelError
from planmodel.inputs.kommuner import resolve_kommune
from planmodel.inputs.scenario import PlanScenario

#: CSS class set on an app while it computes; tests and benchmarks wait for it to go away.
BUSY_CLASS = "planmodel-busy"


@contextmanager
def busy(widget: widgets.DOMWidget):
    """Mark ``widget`` busy (dimmed by CSS, visible to tests) for the duration of the block."""
    widget.add_class(BUSY_CLASS)
    try:
        yield
    finally:
        widget.remove_class(BUSY_CLASS)


def heading(text: str) -> widgets.HTML:
    """A section heading (h3) with the apps' spacing."""
    return widgets.HTML(f'<h3 style="margin:16px 0 4px 0">{html.escape(text)}</h3>')


def user_problem(exc: PlanmodelError) -> str:
    """What went wrong, for a user of an app: the problem and the key it concerns, without the
    file path (a politician cannot use one; log the exception for whoever maintains the files)."""
    if isinstance(exc, InputError):
        return f"{exc.problem} (nøkkelen {exc.field})" if exc.field else exc.problem
    return str(exc)


#: What a scenario file holds that is its own kommune's (PlanScenario field -> bokmål): left out
#: when the file's choices are used for another kommune.
KOMMUNE_OWN = {
    "accounts": "egne regnskapstall", "budget": "egne beløp per år", "base_population": "egen befolkningsfil",
    "demography_overrides": "egne befolkningsforutsetninger (boligbygging, fruktbarhet, levealder, flytting)",
    "users": "egne brukertall", "existing_places": "dagens plasser", "capacity_additions": "planlagte nye plasser",
    "staff_profile": "aldersfordelingen i personalet", "goals": "målstrukturen",
}


def kommune_name(code: str) -> str:
    """The kommune's Norwegian name (``"3201"`` -> ``"Bærum"``, ``"0301"`` -> ``"Oslo"``), or the
    code if it is unknown."""
    try:
        return resolve_kommune(code).display_name
    except PlanmodelError:
        return code


def is_basis(sc: PlanScenario) -> bool:
    """The scenario makes no choice that carries over to another kommune: today's terskel and
    tilbud, no tiltak or removed services, no changed economic assumption, the defaults of
    :class:`PlanScenario` otherwise (a basisalternativ; its kommune's own parts,
    :data:`KOMMUNE_OWN`, do not count)."""
    defaults = {f.name: f.default for f in fields(PlanScenario)}
    thresholds = sc.threshold.values() if isinstance(sc.threshold, Mapping) else [sc.threshold]
    return (all(float(v) == 0.0 for v in thresholds) and sc.breadth == 0.0 and not sc.measures and not sc.dropped
            and not sc.economy
            and all(getattr(sc, k) == defaults[k] for k in ("demographic", "overflow", "behovsanalyse", "effect_bound")))


def neutral_title(sc: PlanScenario) -> str:
    """The title without its kommune: ``"Bærum – krisepakke for ..."`` -> ``"Krisepakke for ..."``."""
    name = kommune_name(sc.kommune)
    for sep in (" – ", ": ", " - "):
        if sc.title.startswith(name + sep):
            rest = sc.title[len(name) + len(sep):]
            return rest[:1].upper() + rest[1:]
    return sc.title


def scenario_label(sc: PlanScenario, kommune: str) -> str:
    """A base scenario as the menu names it for ``kommune``: its own title for its own kommune;
    for another, ``"Basis for Oslo"`` for a basisalternativ, else its title without the file
    kommune and where the choices come from."""
    if kommune == sc.kommune:
        return sc.title
    if is_basis(sc):
        return f"Basis for {kommune_name(kommune)}"
    return f"{neutral_title(sc)} (valgene fra {kommune_name(sc.kommune)})"


def word_list(items: list[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b og c"``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" og {items[-1]}"


def kommune_own_parts(sc: PlanScenario) -> list[str]:
    """The parts of ``sc`` that are its kommune's own (:data:`KOMMUNE_OWN`), in bokmål."""
    return [text for key, text in KOMMUNE_OWN.items() if getattr(sc, key)]
