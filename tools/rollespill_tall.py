"""Print every figure docs/rollespill.md quotes (the role-play «Krisemøtet om økonomiplanen»).

    .venv/bin/python tools/rollespill_tall.py      # a few seconds

The role-play's kommune, Fjordvik, is Bærum in the model (``scenarios/baerum_*.yaml``), with a
variant for a kommune whose money is short already in the økonomiplan period (Rælingen, 3224).
Every number a participant reads in the guide is one of :func:`figures` (already formatted as the
guide prints it, decimal comma, ordinary spaces), the table of alternatives is
:func:`alternatives_table`, and every statement in words that rests on a comparison (for example
"barn og unge er i dag den største sektoren") is one of :func:`claims`.
``tests/test_rollespill.py`` checks that each figure and table row appears in the guide, that each
claim holds and that the guide quotes no other number with a unit. When the model changes, run
this script and copy the new numbers into the guide.

Everything comes from the public API: :func:`planmodel.model.run`,
:func:`planmodel.present.keynumbers.key_numbers`, :func:`planmodel.present.signals.crisis_signals`
and :func:`~planmodel.present.signals.balance_verdict`,
:func:`planmodel.analysis.followup.stress_tests`, :func:`planmodel.analysis.samordning.samordning`
and :func:`planmodel.analysis.choices.choice_effects`. Money in NOK 1000 at 2025 prices in the
model; shown as mill. kr.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import xarray as xr

from planmodel.analysis.choices import choice_effects
from planmodel.analysis.followup import STRESS_TESTS, stress_tests
from planmodel.analysis.samordning import samordning
from planmodel.core.formatting import NBSP, endring, mill_kr, prosent, tall
from planmodel.core.labels import LEVEL_SYMBOL
from planmodel.core.paths import SCENARIO_DIR
from planmodel.inputs.catalogue import load_catalogue
from planmodel.inputs.scenario import PlanScenario, load_scenario, services_removed
from planmodel.model import AMOUNT_TOLERANCE, run
from planmodel.population.indicators import indicators
from planmodel.present.appstate import GROWTH_STEPS
from planmodel.present.keynumbers import key_numbers
from planmodel.present.signals import balance_verdict, crisis_signals

SCENARIOS = SCENARIO_DIR
#: The alternatives of the guide's table: (key, label in the table, scenario file, effect bound).
ALTERNATIVES = (
    ("basis", "Basisalternativet (`baerum_basis`)", "baerum_basis", "value"),
    ("smalt_hoy", "Smalt tilbud, høy terskel (`baerum_smalt_hoy`)", "baerum_smalt_hoy", "value"),
    ("bredt_lav", "Bredt tilbud, lav terskel (`baerum_bredt_lav`)", "baerum_bredt_lav", "value"),
    ("krisepakke", "Krisepakken (`baerum_krisepakke`)", "baerum_krisepakke", "value"),
    ("krisepakke_svak", "Krisepakken med de svakeste virkningene", "baerum_krisepakke", "weak"),
)
#: The four corners of the crisis 2×2 as scenario files.
CORNERS = ("baerum_smalt_hoy", "baerum_smalt_lav", "baerum_bredt_hoy", "baerum_bredt_lav")
#: The contrast kommune: its own accounts show a driftsunderskudd in 2025 (docs/landet.md).
CONTRAST_KOMMUNE = "3224"
CARE = "helse_og_omsorg"
#: The place types of sykehjem and heldøgns omsorgsbolig (tjenestekatalogen, ``place_types``).
NURSING_PLACES, HOUSING_PLACES = "institusjon", "heldogn_bolig"
CHILDREN = "barn_og_unge"
#: A signal's level as the guide says it ("svaret er rødt").
COLOUR = {"green": "grønt", "amber": "gult", "red": "rødt"}
#: The long view the guide shows beside the app's default horizon.
LONG_HORIZON = 2050
#: The shock "Staten strammer inn": the lowest real growth of frie inntekter the app offers [share per year].
LOW_GROWTH = min(GROWTH_STEPS)


def plain(text: str) -> str:
    """Model text as the guide prints it: ordinary spaces instead of no-break spaces."""
    return text.replace(NBSP, " ")


def pct(share: float, decimals: int = 1) -> str:
    return plain(prosent(float(share), decimals))


def mill(nok1000: float) -> str:
    return plain(mill_kr(float(nok1000) * 1000.0, 1))


def mrd(nok1000: float) -> str:
    return plain(f"{tall(float(nok1000) / 1e6, 1)} mrd. kr")


def number(x: float, decimals: int = 0) -> str:
    return plain(tall(float(x), decimals))


# ---------------------------------------------------------------------------------------------
# The runs (cached: the test and the script share them)
# ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def scenario(name: str, compensation: float | None = None, horizon: int | None = None,
             effect_bound: str | None = None, growth: float | None = None) -> PlanScenario:
    """``scenarios/<name>.yaml`` with the income rule (1 = med, 0 = uten demografikompensasjon),
    horizon, tiltak effect bound and real growth of frie inntekter [share per year] changed where
    given."""
    s = load_scenario(SCENARIOS / f"{name}.yaml")
    if compensation is not None:
        s = replace(s, economy={**s.economy, "demographic_compensation": float(compensation)})
    if growth is not None:
        s = replace(s, economy={**s.economy, "free_income_growth": float(growth)})
    if horizon is not None:
        s = replace(s, horizon=int(horizon))
    if effect_bound is not None:
        s = replace(s, effect_bound=effect_bound)
    return s


@lru_cache(maxsize=None)
def result(name: str, compensation: float | None = None, horizon: int | None = None,
           effect_bound: str | None = None, growth: float | None = None) -> xr.Dataset:
    return run(scenario(name, compensation, horizon, effect_bound, growth))


@lru_cache(maxsize=None)
def contrast(threshold: float = 0.0, breadth: float = 0.0) -> xr.Dataset:
    """The contrast kommune as the app opens it (``?kommune=3224``), with terskel and tilbud."""
    return run(PlanScenario(kommune=CONTRAST_KOMMUNE, threshold=threshold, breadth=breadth))


#: The app links the guide gives (query strings, after ``http://127.0.0.1:8866/``) and the run each
#: one shows; tests/test_rollespill.py opens every link in Krisekompasset and compares.
LINKS = {
    "scenario=baerum_basis": lambda: result("baerum_basis"),
    f"scenario=baerum_basis&demografikompensasjon=0&horisont={LONG_HORIZON}":
        lambda: result("baerum_basis", compensation=0.0, horizon=LONG_HORIZON),
    f"scenario=baerum_basis&vekst={LOW_GROWTH}": lambda: result("baerum_basis", growth=LOW_GROWTH),
    "scenario=baerum_krisepakke&virkning=svak": lambda: result("baerum_krisepakke", effect_bound="weak"),
    f"kommune={CONTRAST_KOMMUNE}": lambda: contrast(),
    f"kommune={CONTRAST_KOMMUNE}&terskel=1&tilbud=-1": lambda: contrast(1.0, -1.0),
}


def _first(years) -> str:
    return str(years[0]) if years else f"ingen før {LONG_HORIZON}"


# ---------------------------------------------------------------------------------------------
# The figures
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    key: str
    text: str
    label: str


def _growth(da: xr.DataArray, first: int, last: int) -> float:
    return float(da.sel(year=last)) / float(da.sel(year=first)) - 1.0


@lru_cache(maxsize=1)
def figure_list() -> tuple[Figure, ...]:
    """Every figure of the guide, in the order it is read (see the module docstring)."""
    out: list[Figure] = []

    def add(key: str, text: str, label: str) -> None:
        out.append(Figure(key, plain(text), label))

    b = result("baerum_basis")
    k = {key: plain(v) for key, v in key_numbers(b).items()}
    base, hz = int(b.plan.all_years[0]), b.plan.horizon
    last = b.plan.years[-1]
    add("norm", k["resultatmal_andel"], "Normen for netto driftsresultat (TBU)")
    add("plan_period", b.plan.period_text, "Økonomiplanperioden")
    # --- the money, with and without demografikompensasjon
    add("ndr_regnskap", k["ndr_andel_i_dag"], f"Netto driftsresultat i basisåret (regnskapet {b.plan.accounts_year})")
    for y in (b.plan.years[0], last, hz):
        add(f"ndr_med_{y}", k[f"ndr_andel_med_demografi_{y}"], f"Netto driftsresultat {y}, med demografikompensasjon")
    add(f"ndr_uten_{hz}", k[f"ndr_andel_uten_demografi_{hz}"], f"Netto driftsresultat {hz}, uten demografikompensasjon")
    add("verdict_med", balance_verdict(b).headline, "Svaret i Krisekompasset (økonomi), basis med demografikompensasjon")
    long = result("baerum_basis", compensation=0.0, horizon=LONG_HORIZON)
    vl = balance_verdict(long)
    kl = {key: plain(v) for key, v in key_numbers(long).items()}
    add("uten_long_below", _first(vl.below), f"Første år under normen uten demografikompensasjon (horisont {LONG_HORIZON})")
    add("uten_long_deficit", _first(vl.deficit), f"Første år med driftsunderskudd uten demografikompensasjon (horisont {LONG_HORIZON})")
    add(f"ndr_uten_{LONG_HORIZON}", kl[f"ndr_andel_{LONG_HORIZON}"], f"Netto driftsresultat {LONG_HORIZON}, uten demografikompensasjon")
    add(f"inndekning_uten_{LONG_HORIZON}", kl[f"inndekning_{LONG_HORIZON}"], f"Inndekningsbehov {LONG_HORIZON}, uten demografikompensasjon")
    add("verdict_uten_long", vl.headline, f"Svaret i Krisekompasset uten demografikompensasjon, horisont {LONG_HORIZON}")
    add("verdict_uten_long_colour", COLOUR[vl.level],
        f"Fargen på svaret uten demografikompensasjon, horisont {LONG_HORIZON}")
    # --- people
    pop = b["population"].sum(["age", "sex"])
    work = b["population"].sel(age=slice(20, 66)).sum(["age", "sex"])
    add("folketall_vekst", endring(100 * _growth(pop, base, hz), 1) + " %", f"Vekst i folketallet {base}–{hz}")
    add("vekst_20_66", endring(100 * _growth(work, base, hz), 1) + " %", f"Vekst i innbyggere 20–66 år {base}–{hz}")
    add("personer_80_i_dag", k["personer_80_i_dag"], f"Innbyggere 80 år og eldre {base}")
    add("personer_80_horisont", k["personer_80_horisont"], f"Innbyggere 80 år og eldre {hz}")
    add("vekst_80", k["vekst_80"], f"Vekst i innbyggere 80+ {base}–{hz}")
    care = indicators(b["population"])["family_care_ratio"]
    add("omsorgsressurs_i_dag", number(float(care.sel(year=base)), 1), f"Kvinner 50–66 år per person 85+ i {base}")
    add("omsorgsressurs_horisont", number(float(care.sel(year=hz)), 1), f"Kvinner 50–66 år per person 85+ i {hz}")
    add("omsorgsressurs_endring", pct(-_growth(care, base, hz), 0), f"Fall i omsorgsressursen {base}–{hz}")
    # --- costs against income
    cost = b["sektor_demografikostnad"]
    add("demografikostnad_vekst", pct(_growth(cost.sum("sector"), base, hz)), f"Vekst i demografikostnaden {base}–{hz}")
    add("demografikostnad_ho_vekst", pct(_growth(cost.sel(sector=CARE), base, hz)),
        f"Vekst i demografikostnaden i helse og omsorg {base}–{hz}")
    fi = b["frie_inntekter_inntektsregel"]
    add("frie_med_vekst", pct(_growth(fi.sel(income_rule="med_demografi"), base, hz)),
        f"Vekst i frie inntekter med demografikompensasjon {base}–{hz}")
    add("frie_uten_vekst", pct(_growth(fi.sel(income_rule="uten_demografi"), base, hz)),
        f"Vekst i frie inntekter uten demografikompensasjon {base}–{hz}")
    frame = b["sektor_ramme"]
    add("ramme_bu_endring_plan", mill(-(float(frame.sel(sector=CHILDREN, year=last)) - float(frame.sel(sector=CHILDREN, year=base)))),
        f"Så mye krymper rammen til barn og unge {base}–{last}")
    add("ramme_bu_i_dag", mill(float(frame.sel(sector=CHILDREN, year=base))), f"Rammen til barn og unge {base}")
    add("ramme_ho_i_dag", mill(float(frame.sel(sector=CARE, year=base))), f"Rammen til helse og omsorg {base}")
    add("ramme_ho_horisont", mill(float(frame.sel(sector=CARE, year=hz))), f"Rammen til helse og omsorg {hz}")
    add("ramme_bu_horisont", mill(float(frame.sel(sector=CHILDREN, year=hz))), f"Rammen til barn og unge {hz}")
    # --- personnel
    signals = {s.area: s for s in crisis_signals(b)}
    add("personell_signal", signals["personell"].headline, "Signalet «Nok personell» i basis")
    add("arsverksgap_plan", k["arsverk_gap_ho_plan"] + " årsverk", f"Årsverk for lite i helse og omsorg {last}")
    add("arsverksgap_horisont", k["arsverk_gap_ho_horisont"] + " årsverk", f"Årsverk for lite i helse og omsorg {hz}")
    need = b["fte_sector"].sel(sector=CARE)
    gap = b["fte_gap"].sel(sector=CARE)
    add("arsverksgap_andel", pct(float(gap.sel(year=hz)) / float(need.sel(year=hz)), 0), f"Mangelen i {hz} som andel av behovet")
    add("arsverk_behov_vekst", pct(_growth(need, base, hz)), f"Vekst i årsverkene som trengs i helse og omsorg {base}–{hz}")
    recruit = float(b["recruitment_need"].sel(sector=CARE, year=b.plan.years).mean())
    add("rekruttering", number(recruit) + " årsverk", "Rekrutteringsbehov per år i planperioden, helse og omsorg")
    # --- places
    new = b["plasser_nye"].sum("year")
    invest = b["plasser_investering"].sum("year")
    names = dict(zip((str(p) for p in b["place_type"].values), (str(n) for n in b["place_type_name"].values)))
    nursing, housing = NURSING_PLACES, HOUSING_PLACES
    if names.get(nursing) != "Sykehjemsplasser" or names.get(housing) != "Heldøgns omsorgsboliger":
        raise RuntimeError(f"plasstypene har endret seg: {names}")
    add("nye_sykehjemsplasser", number(float(new.sel(place_type=nursing))) + " sykehjemsplasser",
        f"Nye sykehjemsplasser {b.plan.years[0]}–{hz}")
    add("nye_omsorgsboliger", number(float(new.sel(place_type=housing))) + " heldøgns omsorgsboliger",
        f"Nye heldøgns omsorgsboliger {b.plan.years[0]}–{hz}")
    add("investering_plasser", mrd(float(invest.sel(place_type=[nursing, housing]).sum())),
        f"Investering i de nye plassene {b.plan.years[0]}–{hz} (brutto)")
    add("udekket_basis_horisont", k["udekket_behov_horisont"] + " personer", f"Udekket behov i basis {hz}")
    # --- stress tests (the shock cards)
    st = stress_tests(scenario("baerum_basis"))
    first = b.plan.years[0]
    add("sjokk_inntekt_navn", STRESS_TESTS["inntekt_minus_4"], "Stresstesten på inntektene (som i Bærums LDIP)")
    add("sjokk_rente_navn", STRESS_TESTS["rente_pluss_2"], "Stresstesten på renten")
    inc = st.sel(stress="inntekt_minus_4")
    add("sjokk_inntekt_kr", mill(-float(inc["endring_ndr"].sel(year=first))), f"Frie inntekter −4 %: tap i {first}")
    add("sjokk_inntekt_andel", pct(-float(inc["endring_ndr"].sel(year=first)) / float(b["frie_inntekter"].sel(year=first)), 0),
        f"Frie inntekter −4 %: tapet i {first} som andel av de frie inntektene")
    add("sjokk_inntekt_ndr", pct(float(inc["netto_driftsresultat_andel"].sel(year=first))),
        f"Frie inntekter −4 %: netto driftsresultat {first}")
    rate = st.sel(stress="rente_pluss_2")
    add("sjokk_rente_kr", mill(-float(rate["endring_ndr"].sel(year=first))), f"Rente +2 prosentpoeng: tap i {first}")
    add("sjokk_rente_ndr", pct(float(rate["netto_driftsresultat_andel"].sel(year=first))),
        f"Rente +2 prosentpoeng: netto driftsresultat {first}")
    stu = stress_tests(scenario("baerum_basis", compensation=0.0))
    incu = stu.sel(stress="inntekt_minus_4")
    add("sjokk_inntekt_uten_ndr_hz", pct(float(incu["netto_driftsresultat_andel"].sel(year=hz))),
        f"Frie inntekter −4 % og uten demografikompensasjon: netto driftsresultat {hz}")
    add("sjokk_inntekt_uten_inndekning_hz", mill(float(incu["inndekningsbehov"].sel(year=hz))),
        f"Frie inntekter −4 % og uten demografikompensasjon: inndekningsbehov {hz}")
    below = [int(y) for y, g in zip(incu["year"].values, incu["inndekningsbehov"].values)
             if int(y) >= first and g > AMOUNT_TOLERANCE]
    add("sjokk_inntekt_uten_below", _first(below), "Frie inntekter −4 % og uten demografikompensasjon: første år under normen")
    # --- a shock the app shows: lower real growth of frie inntekter (the lowest step offered)
    low = LOW_GROWTH
    add("realvekst_valg", GROWTH_STEPS[low], "Valget «Realvekst i frie inntekter utover demografi» i appen")
    g = result("baerum_basis", growth=low)
    vg = balance_verdict(g)
    add("realvekst_verdict", vg.headline, "Svaret i appen med lavere realvekst, med demografikompensasjon")
    add("realvekst_colour", COLOUR[vg.level], "Fargen på svaret med lavere realvekst")
    add("realvekst_ndr_hz", pct(float(g["netto_driftsresultat_andel"].sel(year=hz))),
        f"Netto driftsresultat {hz} med lavere realvekst")
    add("realvekst_inndekning_hz", mill(float(g["inndekningsbehov"].sel(year=hz))), f"Inndekningsbehov {hz} med lavere realvekst")
    gu = result("baerum_basis", compensation=0.0, growth=low)
    add("realvekst_uten_verdict", balance_verdict(gu).headline,
        "Svaret i appen med lavere realvekst og uten demografikompensasjon")
    # --- the alternatives (the table; see alternatives_table)
    for key, _label, name, bound in ALTERNATIVES:
        ds = result(name, effect_bound=bound)
        kk = {x: plain(v) for x, v in key_numbers(ds).items()}
        add(f"{key}_ndr_{last}", kk[f"ndr_andel_med_demografi_{last}"], f"{key}: netto driftsresultat {last}")
        add(f"{key}_ndr_{hz}", kk[f"ndr_andel_med_demografi_{hz}"], f"{key}: netto driftsresultat {hz}")
        add(f"{key}_ndr_uten_{hz}", kk[f"ndr_andel_uten_demografi_{hz}"], f"{key}: netto driftsresultat {hz} uten demografikompensasjon")
        add(f"{key}_under_uten_{LONG_HORIZON}",
            _first(balance_verdict(result(name, compensation=0.0, horizon=LONG_HORIZON, effect_bound=bound)).below),
            f"{key}: første år under normen uten demografikompensasjon (til {LONG_HORIZON})")
        add(f"{key}_udekket_{hz}", kk["udekket_behov_horisont"] + " personer", f"{key}: udekket behov {hz}")
        add(f"{key}_arsverksgap_{hz}", kk["arsverk_gap_ho_horisont"] + " årsverk", f"{key}: årsverk for lite i helse og omsorg {hz}")
        staff = {x.area: x for x in crisis_signals(ds)}["personell"]
        add(f"{key}_personell", f"{LEVEL_SYMBOL[staff.level]} {staff.headline}", f"{key}: signalet «Nok personell»")
    kp = result("baerum_krisepakke")
    add("krisepakke_tiltak", number(kp.sizes["measure"]), "Antall tiltak i krisepakken")
    add("krisepakke_terskel", endring(float(scenario("baerum_krisepakke").threshold["omsorg"]), 2),
        "Krisepakkens terskel i omsorgen (skala −1 til +1)")
    add("krisepakke_tilbud_signal", {s.area: s for s in crisis_signals(kp)}["tilbud"].headline,
        "Signalet «Tilbudet til innbyggerne» for krisepakken")
    bl = result("baerum_bredt_lav")
    kb = {x: plain(v) for x, v in key_numbers(bl).items()}
    add("bredt_lav_inndekning_uten_hz", kb[f"inndekning_uten_demografi_{hz}"],
        f"Bredt tilbud, lav terskel: inndekningsbehov {hz} uten demografikompensasjon")
    # --- what each choice of the krisepakke changes (the app's «Hva valgene endrer»)
    ce = choice_effects(scenario("baerum_krisepakke"))
    units = {"ndr": "mill. kr", "fte": "årsverk", "unmet": "personer"}
    for cid, key, what, y in (("terskel", "terskel", "fte", last), ("terskel", "terskel", "unmet", hz),
                              ("tiltak:hverdagsrehabilitering", "hverdagsrehabilitering", "ndr", last),
                              ("tiltak:hverdagsrehabilitering", "hverdagsrehabilitering", "fte", last),
                              ("tiltak:heltidskultur", "heltidskultur", "ndr", last),
                              ("tiltak:heltidskultur", "heltidskultur", "fte", last),
                              ("i_alt", "alle_valg", "ndr", last), ("i_alt", "alle_valg", "fte", last)):
        value = float(ce[what].sel(choice=cid, year=y))
        text = endring(value / 1000.0, 1) if what == "ndr" else endring(value)
        add(f"valg_{key}_{what}_{y}", f"{text} {units[what]}",
            f"Hva valgene endrer i krisepakken, {str(ce['choice_label'].sel(choice=cid).values)}, {y}")
    # --- who pays, who gains (samordning)
    sam = samordning(scenario("baerum_krisepakke"))
    vol = sam["netto"].sel(measure="frivillighet", year=last)
    add("frivillighet_kultur", mill(float(vol.sel(sector="miljo_idrett_kultur"))),
        f"Frivillighetsstrategien: netto kostnad i kultur {last}")
    add("frivillighet_ho", mill(-float(vol.sel(sector=CARE))), f"Frivillighetsstrategien: gevinst i helse og omsorg {last}")
    early = sam.sel(measure="tidlig_innsats_barn")
    net = early["netto"].sum("sector")
    add("tidlig_innsats_drift", mill(float(early["drift"].sum("sector").sel(year=first))),
        "Tidlig innsats for barn og unge: driftskostnad per år")
    add("tidlig_innsats_netto_start", mill(float(net.sel(year=first))), f"Tidlig innsats: netto kostnad {first}")
    add("tidlig_innsats_netto_plan", mill(float(net.sel(year=last))), f"Tidlig innsats: netto kostnad {last}")
    add("tidlig_innsats_sparer_fra", _first([int(y) for y, v in zip(net["year"].values, net.values) if v < 0]),
        "Tidlig innsats: første år med netto gevinst")
    # --- the contrast kommune
    r = contrast()
    kr_ = {x: plain(v) for x, v in key_numbers(r).items()}
    add("kontrast_navn", str(r.attrs["kommune_name"]), "Kontrastkommunen")
    add("kontrast_ndr_regnskap", kr_["ndr_andel_i_dag"], f"{r.attrs['kommune_name']}: netto driftsresultat i regnskapet")
    add("kontrast_ar_under_norm", kr_["ar_under_norm"], f"{r.attrs['kommune_name']}: planår under normen")
    add("kontrast_inndekning_plan", kr_["inndekning_plan"], f"{r.attrs['kommune_name']}: inndekningsbehov i planperioden, sum")
    add("kontrast_vekst_80", kr_["vekst_80"], f"{r.attrs['kommune_name']}: vekst i innbyggere 80+")
    add("kontrast_ndr_uten_hz", kr_[f"ndr_andel_uten_demografi_{hz}"], f"{r.attrs['kommune_name']}: netto driftsresultat {hz} uten demografikompensasjon")
    add("kontrast_arsverksgap_hz", kr_["arsverk_gap_ho_horisont"] + " årsverk", f"{r.attrs['kommune_name']}: årsverk for lite i helse og omsorg {hz}")
    rs = contrast(threshold=1.0, breadth=-1.0)
    krs = {x: plain(v) for x, v in key_numbers(rs).items()}
    add("kontrast_smalt_hoy_ar_under_norm", krs["ar_under_norm"], f"{r.attrs['kommune_name']}, smalt tilbud og høy terskel: planår under normen")
    add("kontrast_smalt_hoy_ndr_plan", krs[f"ndr_andel_{last}"], f"{r.attrs['kommune_name']}, smalt tilbud og høy terskel: netto driftsresultat {last}")
    keys = [f.key for f in out]
    if len(keys) != len(set(keys)):
        raise RuntimeError("samme nøkkel to ganger")
    return tuple(out)


def figures() -> dict[str, str]:
    """Every figure of the guide: key -> the text as the guide prints it."""
    return {f.key: f.text for f in figure_list()}


def alternatives_table() -> list[str]:
    """The guide's table of alternatives, as markdown lines (header, rule, one row each)."""
    f = figures()
    b = result("baerum_basis")
    last, hz = b.plan.years[-1], b.plan.horizon
    lines = [f"| Alternativ (scenariofil) | Netto driftsresultat {last} | {hz} | {hz} uten demografikompensasjon "
             f"| Første år under normen uten demografikompensasjon (til {LONG_HORIZON}) | Udekket behov {hz} "
             f"| Årsverk for lite i helse og omsorg {hz} | Nok personell |",
             "|---|---|---|---|---|---|---|---|"]
    for key, label, _name, _bound in ALTERNATIVES:
        lines.append(f"| {label} | {f[f'{key}_ndr_{last}']} | {f[f'{key}_ndr_{hz}']} | {f[f'{key}_ndr_uten_{hz}']} "
                     f"| {f[f'{key}_under_uten_{LONG_HORIZON}']} | {f[f'{key}_udekket_{hz}']} | {f[f'{key}_arsverksgap_{hz}']} "
                     f"| {f[f'{key}_personell']} |")
    return lines


def claims() -> dict[str, bool]:
    """Statements in words the guide makes, each with whether the model bears it out."""
    b = result("baerum_basis")
    base, hz, last = int(b.plan.all_years[0]), b.plan.horizon, b.plan.years[-1]
    frame = b["sektor_ramme"]
    largest = lambda y: str(frame.sel(year=y).idxmax("sector").values)  # noqa: E731
    med = {key: balance_verdict(result(name, effect_bound=bound)) for key, _l, name, bound in ALTERNATIVES}
    uten = {key: balance_verdict(result(name, compensation=0.0, effect_bound=bound))
            for key, _l, name, bound in ALTERNATIVES}
    personell = {key: {s.area: s for s in crisis_signals(result(name, effect_bound=bound))}["personell"].level
                 for key, _l, name, bound in ALTERNATIVES}
    kp = result("baerum_krisepakke")
    ce = choice_effects(scenario("baerum_krisepakke"))
    gap = lambda ds: float(ds["fte_gap"].sel(sector=CARE, year=hz))  # noqa: E731
    rs = contrast(threshold=1.0, breadth=-1.0)
    sam = samordning(scenario("baerum_krisepakke"))
    vol = sam["netto"].sel(measure="frivillighet", year=last)
    early = sam["drift"].sel(measure="tidlig_innsats_barn").sum("sector").sel(year=range(base + 1, hz + 1))
    return {
        "Basis: økonomien er grønn med demografikompensasjon": balance_verdict(b).level == "green",
        "Basis: uten demografikompensasjon er 2040 fortsatt over normen": uten["basis"].in_balance,
        "Alle alternativene i tabellen når normen hvert år til 2040 med demografikompensasjon":
            all(v.in_balance for v in med.values()),
        "Bare bredt tilbud og lav terskel er under normen i 2040 uten demografikompensasjon":
            [k for k, v in uten.items() if not v.in_balance] == ["bredt_lav"],
        "Personellsignalet er rødt i alle alternativene i tabellen unntatt krisepakken med anslagene (gult)":
            {k for k, v in personell.items() if v != "red"} == {"krisepakke"} and personell["krisepakke"] == "amber",
        "Krisepakken nesten halverer årsverksmangelen i 2040 (under 55 % av basis)": gap(kp) < 0.55 * gap(b),
        "Barn og unge er den største sektoren i basisåret": largest(base) == CHILDREN,
        "Helse og omsorg er den største sektoren i 2040": largest(hz) == CARE,
        "Rammen til barn og unge krymper i planperioden":
            float(frame.sel(sector=CHILDREN, year=last)) < float(frame.sel(sector=CHILDREN, year=base)),
        "Demografikostnaden i helse og omsorg vokser mer enn de frie inntektene med demografikompensasjon":
            _growth(b["sektor_demografikostnad"].sel(sector=CARE), base, hz)
            > _growth(b["frie_inntekter_inntektsregel"].sel(income_rule="med_demografi"), base, hz),
        "Frivillighetsstrategien koster i kultur og sparer i helse og omsorg":
            float(vol.sel(sector="miljo_idrett_kultur")) > 0 > float(vol.sel(sector=CARE)),
        "Tidlig innsats for barn og unge har samme driftskostnad hvert år til 2040":
            float(early.max() - early.min()) < 1.0,
        "Det billigste hjørnet er smalt tilbud og høy terskel (høyest netto driftsresultat i 2030 av de fire)":
            max(CORNERS, key=lambda n: float(result(n)["netto_driftsresultat_andel"].sel(year=last)))
            == "baerum_smalt_hoy",
        "Krisepakken nesten halverer mangelen bare med de sentrale anslagene":
            gap(result("baerum_krisepakke", effect_bound="weak")) > 0.55 * gap(b),
        "... og bare med den høyere terskelen (tiltakene alene gjør det ikke)":
            gap(run(replace(scenario("baerum_krisepakke"), threshold=0.0))) > 0.55 * gap(b),
        "Kontrastkommunen: smalt tilbud og høy terskel er fortsatt under normen i planperioden":
            bool(balance_verdict(rs).below_plan),
        "Uten demografikompensasjon faller alle alternativene unntatt krisepakken under normen før 2050":
            [key for key, _l, name, bound in ALTERNATIVES
             if not balance_verdict(result(name, compensation=0.0, horizon=LONG_HORIZON, effect_bound=bound)).below]
            == ["krisepakke"],
        "Terskelen i krisepakken sparer flere årsverk i 2030 enn noe enkelttiltak":
            float(ce["fte"].sel(choice="terskel", year=last))
            < float(ce["fte"].sel(year=last).where(ce["choice_kind"] == "tiltak").min()),
        "Smalt tilbud tar bort åpen barnehage, fritidsklubben og frivilligsentralen":
            {"apen_barnehage", "fritidsklubb", "frivilligsentral"} <= services_removed((), -1.0, load_catalogue()),
        "Basis gir alle plass: ingen venter på sykehjem eller heldøgns omsorgsbolig i 2040":
            float(b["queue"].sum("capacity_group").sel(year=hz)) < 0.5,
    }


def main() -> None:
    print("# Tallene i docs/rollespill.md\n")
    print("| nøkkel | tall | hva |")
    print("|---|---|---|")
    for f in figure_list():
        print(f"| `{f.key}` | {f.text} | {f.label} |")
    print("\n## Tabellen over alternativene\n")
    print("\n".join(alternatives_table()))
    print("\n## Påstander i ord\n")
    for text, ok in claims().items():
        print(f"- {'ja ' if ok else 'NEI'} {text}")


if __name__ == "__main__":
    main()
