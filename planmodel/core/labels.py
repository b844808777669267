"""The bokmål names of every identifier a user sees: one home for the vocabulary.

Identifiers in code and files are English (``threshold``, ``sourced``, ``narrow``); what a
politician, economist or student reads is bokmål. This module holds the mapping, so that the
apps, the brief, the tables and the notebooks say the same thing for the same choice. It sits in
the core layer so that the model can attach names as coordinates of its results; it holds words
only, no logic beyond choosing a word. ``docs/glossary.md`` lists the terms.
"""

from __future__ import annotations

from planmodel.core.ages import KOSTRA_GROUPS, MAX_AGE

#: Status of a value (planmodel.core.values.STATUSES).
STATUS = {"sourced": "kilde", "derived": "beregnet", "assumption": "anslag"}

#: The corners of the crisis 2×2: terskel (threshold) and tilbud (breadth).
THRESHOLD_CORNER = {"high": "Høy terskel", "low": "Lav terskel"}
BREADTH_CORNER = {"narrow": "Smalt tilbud", "broad": "Bredt tilbud"}
#: The steps of terskel offered in the apps (value -> words).
THRESHOLD_STEPS = {1.0: "Høy terskel", 0.5: "Noe høyere enn i dag", 0.0: "Som i dag",
                   -0.5: "Noe lavere enn i dag", -1.0: "Lav terskel"}
BREADTH_STEPS = {-1.0: "Smalt tilbud", -0.5: "Noe smalere enn i dag", 0.0: "Som i dag",
                 0.5: "Noe bredere enn i dag", 1.0: "Bredt tilbud"}

#: Which end of every uncertain tiltak effect a run uses (planmodel.core.values.EFFECT_BOUNDS).
EFFECT_BOUND = {"value": "midtanslaget", "weak": "svakeste ende av spennet", "strong": "sterkeste ende av spennet"}
#: When places are full (planmodel.core.values.OVERFLOW_MODES).
OVERFLOW = {"queue": "De som ikke får plass, venter", "step_down": "De som ikke får plass, får tjeneste ett trinn ned"}
#: The two income rules of the økonomiplan (:data:`planmodel.model.chain.INCOME_RULES`).
INCOME_RULE_NB = {"med_demografi": "Med demografikompensasjon (inntektssystemet)",
                  "uten_demografi": "Uten demografikompensasjon (fast per innbygger)"}
#: The same, short, for row labels and sentences.
INCOME_RULE_SHORT = {"med_demografi": "med demografikompensasjon", "uten_demografi": "uten demografikompensasjon"}

#: Crisis signals: levels (best first), their colour and meaning, and the areas of "Lykkes vi?".
LEVEL_NB = {"green": "grønn", "amber": "gul", "red": "rød"}
LEVEL_WORD = {"green": "I rute", "amber": "Følg med", "red": "Ikke i rute"}
LEVEL_SYMBOL = {"green": "✓", "amber": "!", "red": "✗"}
AREAS = {"okonomi": "Økonomi i balanse", "personell": "Nok personell", "tilbud": "Tilbudet til innbyggerne"}


def threshold_text(value: float) -> str:
    """A terskel as words: ``1`` -> ``"Høy terskel"``, ``0.25`` -> ``"Noe høyere enn i dag"``."""
    v = float(value)
    if v in THRESHOLD_STEPS:
        return THRESHOLD_STEPS[v]
    return "Noe høyere enn i dag" if v > 0 else "Noe lavere enn i dag"


def breadth_text(value: float) -> str:
    """A tilbud (breadth) as words: ``-1`` -> ``"Smalt tilbud"``."""
    v = float(value)
    if v in BREADTH_STEPS:
        return BREADTH_STEPS[v]
    return "Noe bredere enn i dag" if v > 0 else "Noe smalere enn i dag"


def age_range_label(lo: int, hi: int | None = None) -> str:
    """Ages ``lo``–``hi`` [years, inclusive] as text: the one form of an age group in planmodel.

    ``(80, 89)`` -> ``"80–89 år"``, ``(0, 0)`` -> ``"0 år"``; an open group (``hi`` None or
    :data:`planmodel.core.ages.MAX_AGE` and above) -> ``"90 år og over"`` (never "90+" or "90 år +").
    """
    if hi is None or hi >= MAX_AGE:
        return f"{lo} år og over"
    return f"{lo} år" if hi == lo else f"{lo}–{hi} år"


def age_group_label(group: str) -> str:
    """A KOSTRA age group id as text (:func:`age_range_label`): ``"1-5"`` -> ``"1–5 år"``,
    ``"90+"`` -> ``"90 år og over"``."""
    if group in KOSTRA_GROUPS:
        return age_range_label(*KOSTRA_GROUPS[group])
    if group.endswith("+"):
        return age_range_label(int(group[:-1]))
    lo, _, hi = group.partition("-")
    return age_range_label(int(lo), int(hi or lo))


#: The user counts a kommune may give instead of KOSTRA's (a scenario's ``services.users``, the
#: groups and age bands the calibration matches): "group.band" -> bokmål label [persons].
USER_KEYS = {
    "hjemmetjenester.0_66": f"Brukere av hjemmetjenester, {age_range_label(0, 66)}",
    "hjemmetjenester.67_79": f"Brukere av hjemmetjenester, {age_range_label(67, 79)}",
    "hjemmetjenester.80p": f"Brukere av hjemmetjenester, {age_range_label(80)}",
    "heldogn_bolig.total": "Beboere i heldøgns omsorgsbolig, alle aldre",
    "institusjon_langtid.0_66": f"Langtidsbeboere i sykehjem, {age_range_label(0, 66)}",
    "institusjon_langtid.67_79": f"Langtidsbeboere i sykehjem, {age_range_label(67, 79)}",
    "institusjon_langtid.80p": f"Langtidsbeboere i sykehjem, {age_range_label(80)}",
    "institusjon_alle.80p": f"Personer {age_range_label(80)} med opphold i sykehjem i løpet av året",
}
