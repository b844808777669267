"""The scenario object (planmodel.inputs.scenario) at unit level: the kommune stored as its code,
immutability, the terskel per group, the plan period, the fingerprint, the file round trip, and
error paths of ``parse_scenario`` that ``tests/test_scenarios.py`` (the invalid fixture files) does
not cover. A hypothesis property checks the ranges of terskel and tilbud."""

from dataclasses import FrozenInstanceError, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planmodel.core.errors import InputError
from planmodel.core.yamlio import load_strict
from planmodel.inputs.scenario import (MeasureChoice, PlanScenario, dump_scenario, parse_scenario, resolve,
                                       to_yaml_dict)

GROUPS = ("omsorg", "barnevern")  # threshold groups of the shipped catalogue


def minimal(**extra) -> dict:
    """A scenario file's mapping (the required keys) plus ``extra``."""
    return {"id": "test", "title": "Test", "kommune": "3201", **extra}


def parse_error(raw) -> str:
    with pytest.raises(InputError) as err:
        parse_scenario(raw, "scenarios/test.yaml")
    return str(err.value)


# ------------------------------------------------------------------------------- the kommune

@pytest.mark.parametrize("query", ["3201", "Bærum", "bærum", "BAERUM", "0219", "3024"])
def test_kommune_is_stored_as_its_2024_code(query):
    assert PlanScenario(kommune=query).kommune == "3201"


def test_other_kommuner_and_unknown_names():
    assert PlanScenario(kommune="Utsira").kommune == "1151"
    assert PlanScenario(kommune="0301").kommune == "0301"
    with pytest.raises(InputError) as err:
        PlanScenario(kommune="Bærumm")
    assert str(err.value) == "scenario: kommune: ukjent kommune 'Bærumm'; mente du Bærum (3201)?"
    # a number is not a code: codes are text (0301 would be 193 in YAML)
    with pytest.raises(InputError, match=r"^scenario: kommune: 3201 er ikke tekst \(sett koder i anførselstegn"):
        PlanScenario(kommune=3201)


def test_name_and_code_give_the_same_scenario():
    assert PlanScenario(kommune="Bærum") == PlanScenario(kommune="3201")
    assert PlanScenario(kommune="Bærum").fingerprint == PlanScenario(kommune="0219").fingerprint


# -------------------------------------------------------------------------------- immutable

def test_scenario_is_immutable():
    s = PlanScenario(threshold={"omsorg": 0.5}, capacity_additions={"institusjon": {2028: 24}},
                     economy={"interest_rate": 0.05}, staff_profile={"helse_og_omsorg": [0.2, 0.2, 0.2, 0.2, 0.2]},
                     demography_overrides={"tfr": {2030: 1.6}}, dropped=["kulturskole"],
                     measures=[MeasureChoice("hverdagsrehabilitering", 2027)])
    with pytest.raises(FrozenInstanceError):
        s.breadth = 1.0
    for mapping, key, value in ((s.threshold, "omsorg", 1.0), (s.capacity_additions["institusjon"], 2028, 0),
                                (s.capacity_additions, "heldogn_bolig", {}), (s.economy, "interest_rate", 0.1),
                                (s.demography_overrides["tfr"], 2030, 2.0), (s.staff_profile, "sosial", ())):
        with pytest.raises(TypeError):
            mapping[key] = value
    # lists became tuples
    assert s.dropped == ("kulturskole",) and isinstance(s.measures, tuple)
    assert s.staff_profile["helse_og_omsorg"] == (0.2, 0.2, 0.2, 0.2, 0.2)


def test_the_callers_dicts_are_copied_not_shared():
    additions = {"institusjon": {2028: 24}}
    threshold = {"omsorg": 0.5}
    s = PlanScenario(capacity_additions=additions, threshold=threshold)
    before = s.fingerprint
    additions["institusjon"][2028] = 99
    threshold["omsorg"] = -1.0
    assert s.capacity_additions["institusjon"][2028] == 24 and s.threshold["omsorg"] == 0.5
    assert replace(s).fingerprint == before


# ---------------------------------------------------------------- what the scenario says

def test_thresholds_per_group():
    assert PlanScenario(threshold=0.5).thresholds(GROUPS) == {"omsorg": 0.5, "barnevern": 0.5}
    assert PlanScenario(threshold={"barnevern": -1}).thresholds(GROUPS) == {"omsorg": 0.0, "barnevern": -1.0}
    assert PlanScenario().thresholds(["omsorg"]) == {"omsorg": 0.0}


def test_plan_period_and_base_year():
    s = PlanScenario()
    assert s.base_year == 2026
    assert s.plan_period == (2027, 2030)
    assert PlanScenario(plan_years=2).plan_period == (2027, 2028)
    assert PlanScenario(plan_years=10, horizon=2040).plan_period == (2027, 2036)
    # a later økonomiplan (rullering): the plan starts in plan_start, the projection still in 2027
    assert PlanScenario(plan_start=2029).plan_period == (2029, 2032)
    assert PlanScenario(plan_start=2027).plan_period == PlanScenario().plan_period
    later = PlanScenario(plan_start=2030, measures=(MeasureChoice("hverdagsrehabilitering", 2027),))
    assert later.plan_period == (2030, 2033) and later.measures[0].start == 2027


def test_plan_start_is_written_only_when_set():
    """A scenario without plan.start keeps its file form (and so its fingerprint); one with it
    round-trips through the file form."""
    assert "start" not in to_yaml_dict(PlanScenario())["plan"]
    s = PlanScenario(plan_start=2028)
    assert to_yaml_dict(s)["plan"] == {"years": 4, "horizon": 2040, "start": 2028}
    assert s.fingerprint != PlanScenario().fingerprint
    assert parse_scenario(to_yaml_dict(s), "scenarios/test.yaml").plan_period == (2028, 2031)


def test_fingerprint_is_stable_and_follows_decisive_fields_only():
    s = PlanScenario()
    fp = s.fingerprint
    assert len(fp) == 16 and int(fp, 16) >= 0
    assert PlanScenario().fingerprint == fp and s.fingerprint == fp
    # provenance does not decide the run
    for same in (replace(s, title="Annen tittel"), replace(s, description="mer tekst"),
                 replace(s, references=("NOU 2025:10",)), replace(s, source="annen/fil.yaml"),
                 replace(s, id="basis")):
        assert same.fingerprint == fp
    # every decisive field does
    decisive = [replace(s, threshold=0.5), replace(s, threshold={"omsorg": 0.0, "barnevern": 0.1}),
                replace(s, breadth=-0.5), replace(s, kommune="0301"), replace(s, horizon=2045),
                replace(s, plan_years=5), replace(s, overflow="step_down"), replace(s, behovsanalyse=False),
                replace(s, effect_bound="weak"), replace(s, dropped=("kulturskole",)),
                replace(s, measures=(MeasureChoice("hverdagsrehabilitering", 2027),)),
                replace(s, economy={"interest_rate": 0.05}), replace(s, demographic="low"),
                replace(s, capacity_additions={"institusjon": {2028: 24}}), replace(s, id="annet")]
    fps = [d.fingerprint for d in decisive[:-1]]
    assert fp not in fps and len(set(fps)) == len(fps)
    # the id is part of the file: a scenario with another id is another scenario
    assert decisive[-1].fingerprint != fp


# --------------------------------------------------------------------------------- round trip

def full_scenario() -> PlanScenario:
    return PlanScenario(
        id="rundtur", title="Rundtur – alt satt", description="Alle felt", kommune="Bærum", horizon=2045,
        plan_years=4, threshold={"omsorg": 0.5, "barnevern": -0.25}, breadth=-0.5, overflow="step_down",
        capacity_additions={"institusjon": {2028: 24.0, 2031: -12.0}}, behovsanalyse=False,
        measures=(MeasureChoice("hverdagsrehabilitering", 2027, 2035, "vedtatt"), MeasureChoice("digitalt_tilsyn", 2028)),
        dropped=("kulturskole",), effect_bound="strong", economy={"interest_rate": 0.05, "deflator": 0.03},
        staff_profile={"helse_og_omsorg": (0.1, 0.2, 0.2, 0.2, 0.3)},
        demography_overrides={"tfr": {2026: 1.4, 2035: 1.6}, "migration_level": 500.0},
        references=("NOU 2025:10", "Handlingsprogram 2026–2029"))


def test_to_yaml_dict_and_dump_round_trip():
    s = full_scenario()
    d = to_yaml_dict(s)
    assert d["kommune"] == "3201" and d["services"]["threshold"] == {"omsorg": 0.5, "barnevern": -0.25}
    assert d["measures"] == [{"id": "hverdagsrehabilitering", "start": 2027, "end": 2035, "status": "vedtatt"},
                             {"id": "digitalt_tilsyn", "start": 2028}]
    assert d["demography"] == {"scenario": "main", "tfr": {2026: 1.4, 2035: 1.6}, "migration_level": 500.0}
    text = dump_scenario(s)
    assert text.startswith("# planmodel scenario file")
    assert "kommune: \"3201\"" in text  # codes stay quoted
    back = parse_scenario(load_strict("rundtur.yaml", text), "scenario")
    assert back == s and back.fingerprint == s.fingerprint
    assert dump_scenario(back) == text


def test_equal_scenarios_have_equal_fingerprints():
    a = PlanScenario(threshold=1, breadth=0, capacity_additions={"institusjon": {2028: 24}})
    b = PlanScenario(threshold=1.0, breadth=0.0, capacity_additions={"institusjon": {2028: 24.0}})
    assert a == b
    assert a.fingerprint == b.fingerprint
    # the same scenario read back from its file
    back = parse_scenario(load_strict("a.yaml", dump_scenario(a)), "scenario")
    assert back == a and back.fingerprint == a.fingerprint


def test_minimal_dict_parses_to_the_defaults():
    s = parse_scenario(minimal())
    assert s == PlanScenario(id="test", title="Test", kommune="3201")
    assert s.chain == ("scenario",) and s.price_year == 2025


def test_resolve_gives_catalogue_library_measures_and_economy():
    s = PlanScenario(measures=(MeasureChoice("hverdagsrehabilitering", 2028, 2030, "vedtatt"),),
                     economy={"interest_rate": 0.06})
    catalogue, library, measures, eco = resolve(s)
    assert [m.id for m in measures] == ["hverdagsrehabilitering"]
    assert (measures[0].start, measures[0].end, measures[0].status) == (2028, 2030, "vedtatt")
    assert library.measures["hverdagsrehabilitering"].start is None  # the library itself is untouched
    assert eco.interest_rate.value == 0.06 and catalogue.price_year == 2025


# ------------------------------------------------------------------------- parse error paths

@pytest.mark.parametrize("extra, message", [
    # year keys in demographic paths
    ({"demography": {"tfr": {"2030": 1.5}}}, "demography.tfr.2030: nøkkelen må være et årstall"),
    ({"demography": {"tfr": {2020: 1.5}}}, "demography.tfr.2020: året 2020 er utenfor 2026–2090"),
    ({"demography": {"e0_male": {2030: 101}}},
     "demography.e0_male.2030: 101 er utenfor gyldig område; forventet en levealder mellom 50 og 100"),
    ({"demography": {"tfr": 5.0}}, "demography.tfr: 5.0 er utenfor gyldig område; forventet en samlet fruktbarhet mellom 0.5 og 4"),
    ({"demography": {"dwellings": {}}}, "demography.dwellings: en årsbane trenger minst ett år"),
    ({"demography": {"fruktbarhet": 1.5}}, "demography.fruktbarhet: ukjent nøkkel; tillatt her:"),
    ({"demography": {"dwellings": 800}}, "demography.reference_dwellings: mangler: boligbygging (dwellings) trenger"),
    ({"demography": {"dwellings": 800, "reference_dwellings": -5}},
     "demography.reference_dwellings: -5 er utenfor gyldig område"),
    # staff_profile shares
    ({"staff_profile": {"helse_og_omsorg": [0.5, 0.5]}},
     "staff_profile.helse_og_omsorg: forventet 5 andeler (20-29, 30-39, 40-49, 50-59, 60-66) som summerer til 1"),
    ({"staff_profile": {"helse_og_omsorg": [0.3, 0.3, 0.3, 0.3, 0.3]}},
     "staff_profile.helse_og_omsorg: forventet 5 andeler"),
    ({"staff_profile": {"helse": [0.2, 0.2, 0.2, 0.2, 0.2]}}, "staff_profile.helse: ukjent verdi 'helse'; gyldige: barn_og_unge"),
    ({"staff_profile": {"sosial": [1.2, -0.2, 0, 0, 0]}},
     "staff_profile.sosial[0]: 1.2 er utenfor gyldig område; forventet en andel mellom 0 og 1"),
    # the catalogue's price year
    ({"price_year": 2024}, "price_year: 2024: tjenestekatalogen har prisår 2025"),
    # measures
    ({"measures": [{"id": "hverdagsrehabilitering", "start": 2028, "end": 2027}]},
     "measures[0].end: 2027: forventet et årstall fra start (2028) til horisonten (2040)"),
    ({"measures": [{"id": "hverdagsrehabilitering", "start": 2028, "end": 2041}]},
     "measures[0].end: 2041: forventet et årstall fra start (2028) til horisonten (2040)"),
    ({"measures": [{"id": "digitalt_tilsyn", "start": 2027}, {"id": "digitalt_tilsyn", "start": 2029}]},
     "measures[1].id: tiltaket 'digitalt_tilsyn' er valgt to ganger"),
    ({"measures": [{"id": "heltidskultur", "start": 2038}]},
     "measures[0].start: tiltakets operating-profil går til 2041, etter horisonten 2040"),
    # a tiltak acting on a service the scenario removes (fritidsklubb: narrow = drop; kulturskole dropped)
    ({"measures": [{"id": "fritid_for_alle", "start": 2027}], "services": {"breadth": -1.0}},
     "measures[0].id: tiltaket «"),
    ({"measures": [{"id": "fritid_for_alle", "start": 2027}], "services": {"dropped": ["kulturskole"]}},
     "(fritid_for_alle) virker på"),
    ({"measures": [{"id": "digitalt_tilsyn", "start": 2027, "status": "kanskje"}]},
     "measures[0].status: ukjent verdi 'kanskje'; gyldige: forslag, vedtatt"),
    # the plan period and the horizon
    ({"plan": {"years": 4, "horizon": 2030}}, "plan.horizon: 2030 må være etter økonomiplanperioden 2027–2030"),
    ({"plan": {"years": 11}}, "plan.years: 11 er utenfor gyldig område; forventet et antall år mellom 1 og 10"),
    ({"plan": {"start": 2026}}, "plan.start: 2026: økonomiplanen kan tidligst starte i 2027, året etter basisåret 2026"),
    ({"plan": {"start": 2037}}, "plan.start: 2037: økonomiplanperioden 2037–2040 må slutte før horisonten 2040"),
    ({"plan": {"start": "2029"}}, "plan.start: '2029'"),
    # services
    ({"services": {"threshold": {"eldre": 0.5}}}, "services.threshold.eldre: ukjent verdi 'eldre'; gyldige: omsorg, barnevern"),
    ({"services": {"capacity_additions": {"institusjon": {2026: 10}}}},
     "services.capacity_additions.institusjon.2026: året 2026 er utenfor 2027–2040"),
    ({"services": {"capacity_additions": {"sykehus": {2028: 10}}}},
     "services.capacity_additions.sykehus: ukjent verdi 'sykehus'; gyldige: institusjon, heldogn_bolig"),
    ({"economy": {"interest_rate": -0.5}}, "economy.interest_rate: -0.5 er utenfor gyldig område"),
    ({"id": "Bærum basis"}, "id: 'Bærum basis': bruk bare a–z, 0–9, _ og -"),
])
def test_parse_scenario_errors_name_the_key_path(extra, message):
    msg = parse_error(minimal(**extra))
    assert msg.startswith("scenarios/test.yaml: "), msg
    assert message in msg, msg


def test_parse_errors_carry_line_numbers_from_the_file():
    text = ('id: test\n'
            'title: Test\n'
            'kommune: "3201"\n'
            'demography:\n'
            '  tfr:\n'
            '    2030: 1.5\n'
            '    2020: 1.6\n')
    msg = parse_error(load_strict("x.yaml", text))
    assert msg == "scenarios/test.yaml: demography.tfr.2020 (linje 7): året 2020 er utenfor 2026–2090"


# ------------------------------------------------------------------------------- properties

inside = st.floats(-1, 1, allow_nan=False)
outside = st.one_of(st.floats(1, 1e6, exclude_min=True), st.floats(-1e6, -1, exclude_max=True),
                    st.sampled_from([float("nan"), float("inf"), float("-inf")]))


@settings(max_examples=60, deadline=None)
@given(st.one_of(inside, st.fixed_dictionaries({}, optional={"omsorg": inside, "barnevern": inside})), inside)
def test_any_threshold_and_breadth_in_range_constructs(threshold, breadth):
    s = PlanScenario(threshold=threshold, breadth=breadth)
    expected = {g: float(threshold.get(g, 0.0)) for g in GROUPS} if isinstance(threshold, dict) else \
        {g: float(threshold) for g in GROUPS}
    assert s.thresholds(GROUPS) == expected and s.breadth == breadth


@settings(max_examples=60, deadline=None)
@given(outside, inside, st.sampled_from(["threshold", "threshold.omsorg", "threshold.barnevern", "breadth"]))
def test_a_threshold_or_breadth_outside_the_range_names_its_key_path(bad, good, where):
    if where == "breadth":
        kw = {"threshold": good, "breadth": bad}
    elif where == "threshold":
        kw = {"threshold": bad, "breadth": good}
    else:
        group = where.split(".")[1]
        other = "barnevern" if group == "omsorg" else "omsorg"
        kw = {"threshold": {group: bad, other: good}, "breadth": good}
    with pytest.raises(InputError) as err:
        PlanScenario(**kw)
    assert str(err.value).startswith(f"scenario: services.{where}: "), str(err.value)
