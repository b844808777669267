"""The crisis signals of "Lykkes vi?": økonomi i balanse, nok personell and tilbudet.

One set of rules, used by both the Krisekompasset app (:mod:`planmodel.widgets.krisekompasset`)
and the brief for politicians (:mod:`planmodel.present.report`), so the same choice never gets two
answers. Pure: a :func:`planmodel.model.run` Dataset in (it carries the terskel and tilbud that made it),
:class:`Signal` values out; no widgets, no HTML.

What failing means comes from the crisis planning (Bærum kommuneplan; the course material
"Lykkes – lykkes ikke"): *økonomi i balanse* and *tilstrekkelig og kompetent personell* are the
conditions of success, and the *consequence of not succeeding* is "dårligere tilbud, høy terskel
for å få tjenester, ikke bærekraftig utvikling". A signal therefore turns red when a condition
fails already in the økonomiplan period, or when the consequence of failing is chosen outright;
amber when it fails only later (before the horizon) or one part of the consequence is chosen.

The years judged are the plan years and every later year up to the horizon (``attrs["horizon"]``,
else the last year of the Dataset); the base year is today's level and is not judged.

Levels (``"green"``, ``"amber"``, ``"red"``; English identifiers, Norwegian labels in
:data:`LEVEL_NB` and :data:`LEVEL_WORD`, a symbol in :data:`LEVEL_SYMBOL`, so colour is never the
only carrier):

**Økonomi i balanse** (netto driftsresultat, NDR, against the norm, 1,75 % of driftsinntektene
unless the scenario sets another; "below the norm" = inndekningsbehov above
:data:`AMOUNT_TOLERANCE`):

- red: below the norm in any plan year, *or* a driftsunderskudd (negative NDR) in any year up to
  the horizon. A deficit in the long view is not balance: the path is not sustainable, and it
  must be closed by the cuts (høy terskel, smalt tilbud) the crisis planning wants to avoid.
- amber: at or above the norm in every plan year, no deficit, but below the norm later.
- green: at or above the norm every year up to the horizon.

The økonomi level, its headline and the sentences the brief's hovedbudskap opens with come from
one function, :func:`balance_verdict` (the Krisekompasset uses it too): only a green verdict says
that the kommune is "i økonomisk balanse"; amber and red say what holds in the plan period and what
fails later, so a headline never contradicts the signal beside it.

**Nok personell** (helse og omsorg, else all sectors; need minus the supply proxy, a shortage
counting from :data:`SHORTAGE_SHARE` of the need because the supply is a proxy):

- red: a shortage in a plan year; amber: enough in the plan period, a shortage later;
  green: enough every year up to the horizon.

**Tilbudet til innbyggerne** (places full in sykehjem or heldøgns omsorgsbolig: persons in the
queue *or* given a place one step down the omsorgstrapp, above :data:`PERSON_TOLERANCE`; and the
chosen terskel and tilbud):

- red: places full in a plan year (queue or one step down — how the shortage is handled is a
  choice, the shortage is not), *or* both a higher terskel and a narrower tilbud than today (the
  whole consequence of not succeeding, chosen).
- amber: places full only after the plan period, or a higher terskel (in any tjenestegruppe), or
  a narrower tilbud (breadth below 0 or services dropped) than today.
- green: none of these.

The terskel and tilbud judged are those the result carries (``ds.plan.threshold``,
``ds.plan.breadth``, the dropped services): the choices that made the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import xarray as xr

from planmodel.core.formatting import endring, mill_kr, prosent, tall
from planmodel.core.labels import AREAS, INCOME_RULE_SHORT, LEVEL_NB, LEVEL_SYMBOL, LEVEL_WORD
from planmodel.model import AMOUNT_TOLERANCE

#: Signal levels, best first (their words, colour names and symbols: :mod:`planmodel.core.labels`).
LEVELS = ("green", "amber", "red")
#: Colours per level for the pages that show the signals: (text and edge, background).
LEVEL_COLOURS = {"green": ("#1e7b34", "#e8f4eb"), "amber": ("#8a5a00", "#fdf3dc"), "red": ("#b00020", "#fdecee")}
#: The sector whose årsverk gap is the personnel signal (all sectors if the Dataset has no such sector).
CARE_SECTOR = "helse_og_omsorg"
#: A shortage of årsverk counts from this share of the årsverk needed (the supply is a proxy;
#: a few årsverk either way is noise).
SHORTAGE_SHARE = 0.01
#: Persons: a queue or a number stepped down at or below this counts as none (rounding).
PERSON_TOLERANCE = 0.5


@dataclass(frozen=True)
class Signal:
    """One crisis signal.

    Attributes
    ----------
    area : ``"okonomi"``, ``"personell"`` or ``"tilbud"`` (see :data:`AREAS`).
    title : the area's title in bokmål.
    level : ``"green"``, ``"amber"`` or ``"red"`` (see :data:`LEVELS`).
    headline : one line in bokmål saying why.
    text : a few sentences in bokmål with the numbers (Norwegian formats).
    """

    area: str
    title: str
    level: str
    headline: str
    text: str

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ValueError(f"signal level {self.level!r} is not one of {', '.join(LEVELS)}")
        if self.area not in AREAS:
            raise ValueError(f"signal area {self.area!r} is not one of {', '.join(AREAS)}")

    @property
    def symbol(self) -> str:
        """``"✓"``, ``"!"`` or ``"✗"``."""
        return LEVEL_SYMBOL[self.level]

    @property
    def word(self) -> str:
        """``"I rute"``, ``"Følg med"`` or ``"Ikke i rute"``."""
        return LEVEL_WORD[self.level]

    @property
    def level_nb(self) -> str:
        """The colour in bokmål: ``"grønn"``, ``"gul"`` or ``"rød"``."""
        return LEVEL_NB[self.level]

    @property
    def label(self) -> str:
        """Symbol, word and colour: ``"✗ Ikke i rute (rød)"``."""
        return f"{self.symbol} {self.word} ({self.level_nb})"


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

def _year_list(years: list[int]) -> str:
    """``[2027, 2028, 2030]`` -> ``"2027, 2028 og 2030"``."""
    if len(years) <= 1:
        return "".join(str(y) for y in years)
    return ", ".join(str(y) for y in years[:-1]) + f" og {years[-1]}"


def _mill(nok1000: float) -> str:
    return mill_kr(float(nok1000) * 1000.0, 1)


def _sentence(parts: list[str]) -> str:
    """Clauses joined with semicolons, capitalised, ending with a full stop and a space."""
    if not parts:
        return ""
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + ". "


# ---------------------------------------------------------------------------------------------
# The three signals
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BalanceVerdict:
    """The one answer to "is the økonomi in balance?" for a run: the level of the økonomi signal,
    its headline and the sentence the brief (and the apps) say, from one set of rules (the module
    docstring), so that a headline can never say "i balanse" beside a red signal.

    Attributes
    ----------
    level : ``"green"``, ``"amber"`` or ``"red"`` (the økonomi signal's level).
    in_balance : netto driftsresultat at or above the norm every year from the first plan year to
        the horizon (no driftsunderskudd then either); the only case in which a text may say that
        the kommune is "i økonomisk balanse". True exactly when ``level`` is green.
    in_balance_plan : at or above the norm in every year of the økonomiplan period.
    in_balance_horizon : at or above the norm in the horizon year.
    below_plan, below, deficit : the plan years below the norm, the judged years (first plan year
        to the horizon) below the norm, and the judged years with a driftsunderskudd [years].
    headline : one short line in bokmål (the signal card's headline).
    sentence : one sentence in bokmål, the first line of the brief's hovedbudskap.
    horizon_sentence : one sentence in bokmål on the horizon year (empty when the horizon is a
        plan year).
    """

    level: str
    in_balance: bool
    in_balance_plan: bool
    in_balance_horizon: bool
    below_plan: tuple[int, ...]
    below: tuple[int, ...]
    deficit: tuple[int, ...]
    headline: str
    sentence: str
    horizon_sentence: str


def balance_verdict(ds: xr.Dataset) -> BalanceVerdict:
    """Økonomi i balanse: level, headline and sentences (rules in the module docstring).

    Parameters
    ----------
    ds : result of :func:`planmodel.model.run`; uses ``netto_driftsresultat`` [NOK 1000],
        ``netto_driftsresultat_andel`` [share of driftsinntektene] and ``inndekningsbehov``
        [NOK 1000] (dim ``year``), and the plan years, horizon and norm it records (``ds.plan``).

    Returns
    -------
    :class:`BalanceVerdict`; used by :func:`economy_signal`, the brief's hovedbudskap
    (:func:`planmodel.present.report.key_message`) and the Krisekompasset.
    """
    plan, hz = ds.plan.years, ds.plan.horizon
    years = ds.plan.judged_years
    period = ds.plan.period_text
    norm = prosent(ds.plan.target_share, 2)
    all_years = [int(y) for y in ds["year"].values]
    share = dict(zip(all_years, ds["netto_driftsresultat_andel"].values))
    gap = dict(zip(all_years, ds["inndekningsbehov"].values))
    below_plan = ds.plan.below_norm(plan)
    below = ds.plan.below_norm(years)
    deficit = ds.plan.deficit_years(years)
    lo = min(plan, key=lambda y: share[y])
    hi = max(plan, key=lambda y: share[y])
    span = (f"{prosent(share[lo], 1)} ({lo})" if lo == hi else
            f"mellom {prosent(share[lo], 1)} ({lo}) og {prosent(share[hi], 1)} ({hi})")
    if below_plan:
        level, headline = "red", f"Under normen i {len(below_plan)} av {len(plan)} planår"
        sentence = (f"Kommunen er ikke i økonomisk balanse: netto driftsresultat er under normen på {norm} av "
                    f"driftsinntektene i {len(below_plan)} av {len(plan)} år i økonomiplanperioden {period} "
                    f"({_year_list(below_plan)}), lavest {prosent(share[lo], 1)} i {lo}, og inndekningsbehovet er "
                    f"til sammen {_mill(sum(gap[y] for y in plan))} i perioden.")
    elif deficit:
        level, headline = "red", f"Driftsunderskudd fra {deficit[0]}, etter planperioden"
        sentence = (f"Kommunen er ikke i økonomisk balanse: netto driftsresultat er minst normen på {norm} i "
                    f"økonomiplanperioden {period} ({span}), men under normen fra {below[0]} og negativt "
                    f"(driftsunderskudd) fra {deficit[0]}.")
    elif below:
        level, headline = "amber", f"Minst normen i planperioden, under normen fra {below[0]}"
        sentence = (f"Netto driftsresultat er minst normen på {norm} av driftsinntektene i økonomiplanperioden "
                    f"{period} ({span}), men under normen fra {below[0]}: balansen holder ikke til {hz}.")
    else:
        level, headline = "green", f"Minst normen hvert år til og med {hz}"
        sentence = (f"Kommunen er i økonomisk balanse i økonomiplanperioden {period} og hvert år til og med {hz}: "
                    f"netto driftsresultat ligger {span} av driftsinntektene i planperioden, over normen på "
                    f"{norm}.")
    if hz in plan:
        horizon_sentence = ""
    elif gap[hz] > AMOUNT_TOLERANCE:
        after = ds.plan.below_norm(ds.plan.later_years)
        since = f" Resultatet er under normen fra {after[0]}." if after and after[0] < hz else ""
        horizon_sentence = (f"I {hz} er netto driftsresultat {prosent(share[hz], 1)}; for å nå normen må "
                            f"{_mill(gap[hz])} dekkes inn det året.{since}")
    else:
        horizon_sentence = f"I {hz} er netto driftsresultat {prosent(share[hz], 1)}, over normen."
    return BalanceVerdict(level, level == "green", not below_plan, gap[hz] <= AMOUNT_TOLERANCE, tuple(below_plan),
                          tuple(below), tuple(deficit), headline, sentence, horizon_sentence)


def economy_signal(ds: xr.Dataset) -> Signal:
    """Økonomi i balanse (rules in the module docstring; level and headline from
    :func:`balance_verdict`).

    Parameters
    ----------
    ds : result of :func:`planmodel.model.run`; uses ``netto_driftsresultat`` [NOK 1000],
        ``netto_driftsresultat_andel`` [share of driftsinntektene], ``inndekningsbehov`` [NOK 1000]
        and ``resultatmal``, ``driftsinntekter`` [NOK 1000] (dim ``year``).
    """
    v = balance_verdict(ds)
    plan, hz = ds.plan.years, ds.plan.horizon
    years = ds.plan.judged_years
    period = ds.plan.period_text
    norm = prosent(ds.plan.target_share, 2)
    share = dict(zip((int(y) for y in ds["year"].values), ds["netto_driftsresultat_andel"].values))
    gap = dict(zip((int(y) for y in ds["year"].values), ds["inndekningsbehov"].values))
    at_hz = f"I {hz} er netto driftsresultat {prosent(share[hz], 1)} og inndekningsbehovet {_mill(gap[hz])}."
    other = _other_income_rule_text(ds, hz)
    if v.below_plan:
        deficit_text = f" Driftsunderskudd (negativt netto driftsresultat) fra {v.deficit[0]}." if v.deficit else ""
        text = (f"Netto driftsresultat er under normen på {norm} av driftsinntektene i {_year_list(list(v.below_plan))}; "
                f"inndekningsbehovet i økonomiplanperioden {period} er {_mill(sum(gap[y] for y in plan))}."
                f"{deficit_text} {at_hz}{other}")
    elif v.deficit:
        text = (f"Netto driftsresultat er minst {norm} i hele økonomiplanperioden {period}, men under normen fra "
                f"{v.below[0]} og negativt (driftsunderskudd) fra {v.deficit[0]}. {at_hz}{other}")
    elif v.below:
        text = (f"Netto driftsresultat er minst {norm} i hele økonomiplanperioden {period}, men under normen fra "
                f"{v.below[0]} (uten driftsunderskudd). {at_hz}{other}")
    else:
        low = min(years, key=lambda y: share[y])
        text = (f"Netto driftsresultat er minst {norm} av driftsinntektene hvert år fra {plan[0]} til {hz} "
                f"(lavest {prosent(share[low], 1)} i {low}).{other}")
    return Signal("okonomi", AREAS["okonomi"], v.level, v.headline, text)


def _other_income_rule_text(ds: xr.Dataset, year: int) -> str:
    """One sentence on the result in ``year`` under the income rule the scenario did not choose
    (both are on the result of :func:`planmodel.model.run`); empty when there is none."""
    rule = str(ds.attrs.get("income_rule", ""))
    if "netto_driftsresultat_andel_inntektsregel" not in ds or rule not in INCOME_RULE_SHORT:
        return ""
    rules = [str(r) for r in ds["income_rule"].values]
    others = [r for r in rules if r != rule]
    if not others:
        return ""
    o = others[0]
    share = float(ds["netto_driftsresultat_andel_inntektsregel"].sel(income_rule=o, year=year))
    gap = float(ds["inndekningsbehov_inntektsregel"].sel(income_rule=o, year=year))
    return (f" Tallene er regnet {INCOME_RULE_SHORT[rule]}; {INCOME_RULE_SHORT[o]} blir netto driftsresultat i "
            f"{year} {prosent(share, 1)} og inndekningsbehovet {_mill(gap)}.")


def workforce_signal(ds: xr.Dataset, tolerance: float = SHORTAGE_SHARE) -> Signal:
    """Nok personell (rules in the module docstring).

    Parameters
    ----------
    ds : result of :func:`planmodel.model.run`; uses ``fte_sector`` (need), ``fte_gap`` (need
        minus supply) and ``recruitment_need`` [årsverk] (dims ``sector``, ``year``).
    tolerance : a gap up to this share of the need counts as enough [share].
    """
    plan, hz = ds.plan.years, ds.plan.horizon
    years = ds.plan.judged_years
    last = plan[-1]
    sectors = [str(s) for s in ds["sector"].values]
    if CARE_SECTOR in sectors:
        pick, where = (lambda v: ds[v].sel(sector=CARE_SECTOR)), "helse og omsorg"
    else:
        pick, where = (lambda v: ds[v].sum("sector")), "alle sektorer"
    all_years = [int(y) for y in ds["year"].values]
    gap = dict(zip(all_years, pick("fte_gap").transpose("year").values))
    need = dict(zip(all_years, pick("fte_sector").transpose("year").values))
    recruitment = float(pick("recruitment_need").sel(year=plan).mean())
    short = [y for y in years if gap[y] > tolerance * need[y]]
    short_plan = [y for y in short if y in plan]
    of_need = f", {prosent(gap[hz] / need[hz], 0)} av behovet" if gap[hz] > 0 and need[hz] > 0 else ""
    numbers = (f"Behov minus tilgang: {endring(gap[last])} årsverk i {last} og {endring(gap[hz])} i {hz}{of_need} "
               f"(positivt tall = mangel; mangel regnes fra {tall(100 * tolerance)} % av behovet, og tilgangen "
               "følger befolkningen 20–66 år). "
               f"Rekrutteringsbehovet er om lag {tall(recruitment)} årsverk per år i planperioden "
               "(vekst i behovet og avgang ved pensjonering).")
    if short_plan:
        return Signal("personell", AREAS["personell"], "red", f"Mangel på årsverk fra {short_plan[0]}",
                      f"For lite personell i {where} allerede i økonomiplanperioden, fra {short_plan[0]}. " + numbers)
    if short:
        return Signal("personell", AREAS["personell"], "amber", f"Nok årsverk i planperioden, mangel fra {short[0]}",
                      f"Nok årsverk i {where} i økonomiplanperioden, men for lite fra {short[0]}. " + numbers)
    return Signal("personell", AREAS["personell"], "green", f"Nok årsverk hvert år til og med {hz}",
                  f"Nok årsverk i {where} hvert år fra {plan[0]} til {hz}. " + numbers)


def _names(ds: xr.Dataset, dim: str, ids: list[str]) -> list[str]:
    """Norwegian names of ``ids`` along ``dim`` (coordinate ``<dim>_name``), else the ids."""
    names = {}
    if f"{dim}_name" in ds.coords:
        names = dict(zip((str(s) for s in ds[dim].values), (str(n) for n in ds[f"{dim}_name"].values)))
    return [names.get(i, i) for i in ids]


def offer_signal(ds: xr.Dataset) -> Signal:
    """Tilbudet til innbyggerne (rules in the module docstring).

    Parameters
    ----------
    ds : result of :func:`planmodel.model.run`; uses ``queue`` and ``stepped_down`` (dims
        ``capacity_group``, ``year``) and ``unmet_need`` (dims ``threshold_group``, ``year``)
        [persons], and the choices the result carries (``ds.plan.threshold``, ``.breadth``,
        dropped services).
    """
    plan, hz = ds.plan.years, ds.plan.horizon
    years = ds.plan.judged_years
    last = plan[-1]
    all_years = [int(y) for y in ds["year"].values]
    queue = dict(zip(all_years, ds["queue"].sum("capacity_group").transpose("year").values))
    stepped = dict(zip(all_years, ds["stepped_down"].sum("capacity_group").transpose("year").values))
    unmet = dict(zip(all_years, ds["unmet_need"].sum("threshold_group").transpose("year").values))
    full = [y for y in years if queue[y] > PERSON_TOLERANCE or stepped[y] > PERSON_TOLERANCE]
    full_plan = [y for y in full if y in plan]
    higher_groups = ds.plan.higher_threshold
    higher = bool(higher_groups)
    dropped = _names(ds, "service", [s for s in ds.attrs.get("dropped", "").split(",") if s])
    dropped = [n[:1].lower() + n[1:] for n in dropped]
    narrower = ds.plan.narrower

    reasons = []
    if full:
        worst = max(full_plan or full, key=lambda y: queue[y] + stepped[y])
        how = []
        if queue[worst] > PERSON_TOLERANCE:
            how.append(f"{tall(queue[worst])} venter på plass")
        if stepped[worst] > PERSON_TOLERANCE:
            how.append(f"{tall(stepped[worst])} får tilbud ett trinn ned i omsorgstrappen")
        when = "allerede i økonomiplanperioden" if full_plan else "etter økonomiplanperioden"
        reasons.append(f"plassene i sykehjem og heldøgns omsorgsbolig blir fulle {when}, fra {full[0]}: "
                       f"{' og '.join(how)} i {worst}")
    if higher:
        groups = _names(ds, "threshold_group", higher_groups) if len(higher_groups) < len(ds.plan.threshold) else []
        where = f" i {_year_list([g[:1].lower() + g[1:] for g in groups])}" if groups else ""
        reasons.append(f"høyere terskel enn i dag{where}: færre får lette tjenester, og de får dem senere")
    if narrower:
        what = "valgfrie tjenester fjernes eller halveres" if ds.plan.breadth < 0 else ""
        if dropped:
            what += ("; " if what else "") + f"tatt bort: {_year_list(dropped)}"
        reasons.append(f"smalere tilbud enn i dag: {what}")
    if full:
        places = (f"I {hz} venter {tall(queue[hz])} personer på plass i sykehjem eller heldøgns omsorgsbolig, og "
                  f"{tall(stepped[hz])} får tilbud ett trinn ned i omsorgstrappen fordi plassene er fulle. ")
    else:
        places = f"Alle som trenger plass i sykehjem eller heldøgns omsorgsbolig, får det hvert år til og med {hz}. "
    unmet_text = (f"Udekket behov i {last}: {tall(unmet[last])} personer som en lav terskel ville gitt lette "
                  f"tjenester ({tall(unmet[hz])} i {hz}).")
    text = _sentence(reasons) + places + unmet_text

    if full_plan:
        level, headline = "red", f"Kø eller tilbud ett trinn ned fra {full_plan[0]}"
    elif higher and narrower:
        level, headline = "red", "Høyere terskel og smalere tilbud enn i dag"
    elif full:
        level, headline = "amber", f"Plassene blir fulle fra {full[0]}"
    elif higher:
        level, headline = "amber", "Høyere terskel enn i dag"
    elif narrower:
        level, headline = "amber", "Smalere tilbud enn i dag"
    else:
        level, headline = "green", f"Plass til alle som har behov til og med {hz}"
        text = "Terskel og tilbud er som i dag eller bedre. " + text
    return Signal("tilbud", AREAS["tilbud"], level, headline, text)


def crisis_signals(ds: xr.Dataset) -> list[Signal]:
    """The three signals of "Lykkes vi?" for a run: økonomi, personell, tilbud (in that order).

    Parameters
    ----------
    ds : result of :func:`planmodel.model.run` (dims ``year``, ``sector``, ``capacity_group``,
        ``threshold_group``; money NOK 1000 at fixed prices, people persons, årsverk årsverk);
        it carries the terskel and tilbud that made it.

    Returns
    -------
    list of :class:`Signal`, one per area of :data:`AREAS`; rules in the module docstring.
    """
    return [economy_signal(ds), workforce_signal(ds), offer_signal(ds)]


def signal_dict(signals: list[Signal]) -> dict[str, tuple[str, str]]:
    """The signals as area -> (level, text), the form of ``Krisekompasset.signals``."""
    return {s.area: (s.level, s.text) for s in signals}


def rules_text() -> str:
    """The rules of the three signals in one bokmål paragraph (the module docstring, for users)."""
    return ("Økonomi: rødt ved under normen i et år i økonomiplanperioden eller driftsunderskudd før horisonten, "
            "gult ved under normen senere, grønt ellers. Personell (helse og omsorg): rødt ved mangel i "
            f"økonomiplanperioden, gult ved mangel senere (mindre enn {prosent(SHORTAGE_SHARE, 0)} av behovet regnes "
            "som nok). Tilbudet: rødt ved fulle plasser (kø eller tilbud ett trinn ned) i økonomiplanperioden eller "
            "både høyere terskel og smalere tilbud enn i dag, gult ved fulle plasser senere, høyere terskel eller "
            "smalere tilbud.")


def legend() -> str:
    """One sentence in bokmål explaining the three levels, symbol and colour included."""
    return (f"{LEVEL_SYMBOL['green']} {LEVEL_WORD['green']} ({LEVEL_NB['green']}): ingen tegn til krise til og med "
            f"langsiktsåret. {LEVEL_SYMBOL['amber']} {LEVEL_WORD['amber']} ({LEVEL_NB['amber']}): krisetegn etter "
            "økonomiplanperioden, eller høyere terskel eller smalere tilbud enn i dag. "
            f"{LEVEL_SYMBOL['red']} {LEVEL_WORD['red']} ({LEVEL_NB['red']}): krisetegn allerede i "
            "økonomiplanperioden, driftsunderskudd før langsiktsåret, eller både høyere terskel og smalere "
            "tilbud enn i dag.")


__all__ = ["AREAS", "BalanceVerdict", "LEVELS", "LEVEL_COLOURS", "LEVEL_NB", "LEVEL_SYMBOL", "LEVEL_WORD", "Signal", "balance_verdict",
           "crisis_signals", "economy_signal", "legend", "rules_text", "offer_signal", "signal_dict", "workforce_signal"]
