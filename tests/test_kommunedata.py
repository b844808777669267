"""The kommunedata workbook: kommune -> Excel -> own numbers -> scenario -> run, and the own-data keys.

Hand-checked: an own frie-inntekter cell moves netto driftsresultat by exactly its change in that
year; an own eiendomsskatt line moves it by L_t − L_0 · P_t / P_0 (the accounts amount leaves the
øvrige line, which follows the population); nominal amounts are deflated with the stated deflator.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from planmodel.cli import main
from planmodel.core.errors import InputError
from planmodel.inputs.accounts import kommune_accounts
from planmodel.inputs.economy import load_economy
from planmodel.inputs.kommunedata import SHEETS, import_kommunedata, write_scenario
from planmodel.inputs.scenario import PlanScenario, load_scenario, to_yaml_dict
from planmodel.model.chain import run
from planmodel.present.kommunedata import write_kommunedata


def _row_of(ws, key: str) -> int:
    for r in range(1, ws.max_row + 1):
        if ws.cell(row=r, column=1).value == key:
            return r
    raise KeyError(key)


def _col_of(ws, header: str) -> int:
    for c in range(1, ws.max_column + 1):
        if str(ws.cell(row=4, column=c).value) == header:
            return c
    raise KeyError(header)


@pytest.fixture(scope="module")
def utsira_book(tmp_path_factory):
    path = tmp_path_factory.mktemp("kd") / "utsira.xlsx"
    assert main(["kommunedata", "Utsira", "--out", str(path)]) == 0
    return path


def test_the_workbook_holds_the_kommunes_own_figures_with_units_and_sources(utsira_book):
    wb = load_workbook(utsira_book)
    assert wb.sheetnames == list(SHEETS.values())
    acc = kommune_accounts("1151")
    ws = wb[SHEETS["accounts"]]
    r = _row_of(ws, "net_debt")
    assert ws.cell(row=r, column=3).value == "1000 kr"
    assert ws.cell(row=r, column=4).value == pytest.approx(acc.net_debt)
    assert ws.cell(row=r, column=5).value is None  # the own column starts empty
    assert "KOSTRA 2025" in ws.cell(row=r, column=6).value
    r = _row_of(ws, "sectors.helse_omsorg")
    assert ws.cell(row=r, column=4).value == pytest.approx(acc.sectors["helse_omsorg"])
    ws = wb[SHEETS["population"]]
    base = run(PlanScenario(kommune="1151"))["population"].sel(year=2026)
    assert sum(ws.cell(row=5 + a, column=2).value + ws.cell(row=5 + a, column=3).value for a in range(106)) == \
        pytest.approx(float(base.sum()))
    ws = wb[SHEETS["years"]]
    r = _row_of(ws, "model_free_income")
    c = _col_of(ws, "2028")
    assert ws.cell(row=r, column=c).value == pytest.approx(float(run(PlanScenario(kommune="1151"))
                                                                 ["frie_inntekter"].sel(year=2028)))
    ws = wb[SHEETS["economy"]]
    r = _row_of(ws, "interest_rate")
    assert ws.cell(row=r, column=5).value == pytest.approx(load_economy().interest_rate.value)


def _fill(src, dst, edits):
    wb = load_workbook(src)
    for sheet, key, col, value in edits:
        ws = wb[SHEETS[sheet]]
        c = _col_of(ws, col) if isinstance(col, str) else col
        ws.cell(row=_row_of(ws, key), column=c, value=value)
    wb.save(dst)
    return dst


def _import_and_run(book, tmp_path, name="s.yaml"):
    out = tmp_path / name
    assert main(["kommunedata", "import", str(book), "--out", str(out)]) == 0
    return load_scenario(out), out


def test_a_changed_free_income_cell_moves_ndr_by_exactly_that_amount(utsira_book, tmp_path):
    years = ["2027", "2028", "2029", "2030"]
    levels = [50_000.0, 51_000.0, 52_000.0, 53_000.0]
    a = _fill(utsira_book, tmp_path / "a.xlsx", [("years", "free_income", y, v) for y, v in zip(years, levels)])
    b = _fill(a, tmp_path / "b.xlsx", [("years", "free_income", "2028", 51_000.0 + 1_234.0)])
    sa, _ = _import_and_run(a, tmp_path, "a.yaml")
    sb, _ = _import_and_run(b, tmp_path, "b.yaml")
    ra, rb = run(sa), run(sb)
    assert float(ra["frie_inntekter"].sel(year=2027)) == pytest.approx(50_000.0)
    diff = (rb["netto_driftsresultat"] - ra["netto_driftsresultat"]).sel(year=slice(2026, 2040))
    expected = np.where(diff["year"].values == 2028, 1_234.0, 0.0)
    np.testing.assert_allclose(diff.values, expected, atol=1e-6)


def test_after_the_last_own_year_the_model_growth_continues_from_the_own_level():
    basis = run(PlanScenario(kommune="1151"))
    fi = basis["frie_inntekter"]
    own = run(PlanScenario(kommune="1151", budget={"free_income": {2027: float(fi.sel(year=2027)) * 1.1}}))
    ratio = (own["frie_inntekter"] / fi).sel(year=slice(2027, 2040)).values
    np.testing.assert_allclose(ratio, 1.1, rtol=1e-12)
    assert float(own["frie_inntekter"].sel(year=2026)) == pytest.approx(float(fi.sel(year=2026)))  # the accounts


def test_an_own_income_line_leaves_the_ovrige_line_and_follows_its_own_path():
    basis = run(PlanScenario(kommune="1151"))
    own = run(PlanScenario(kommune="1151", budget={"income_lines": {"eiendomsskatt": {2025: 400.0, 2029: 700.0}}}))
    P = basis["population"].sum(("age", "sex"))
    ratio = (P / P.sel(year=2026)).sel(year=[2026, 2027, 2029, 2035])
    line = np.array([400.0, 400.0, 700.0, 700.0])
    expected = line - 400.0 * ratio.values
    diff = (own["netto_driftsresultat"] - basis["netto_driftsresultat"]).sel(year=[2026, 2027, 2029, 2035])
    np.testing.assert_allclose(diff.values, expected, atol=1e-6)
    assert float(diff.sel(year=2026)) == pytest.approx(0.0, abs=1e-9)  # the base year is still the accounts
    assert float(own["egne_inntekter"].sel(year=2029)) == 700.0


def test_an_expense_line_binds_the_handlingsrom_and_lowers_the_result():
    basis = run(PlanScenario(kommune="1151"))
    own = run(PlanScenario(kommune="1151", budget={"expense_lines": {"pensjon": {2025: 0.0, 2028: 500.0}}}))
    d = (own["netto_driftsresultat"] - basis["netto_driftsresultat"]).sel(year=2028)
    assert float(d) == pytest.approx(-500.0)
    assert float(own["bundet_egne_utgifter"].sel(year=2028)) == 500.0


def test_nominal_amounts_are_deflated_with_the_stated_deflator():
    pi = load_economy().deflator.value
    a = run(PlanScenario(kommune="1151", budget={"prices": "nominal", "free_income": {2028: 60_000.0}}))
    assert float(a["frie_inntekter"].sel(year=2028)) == pytest.approx(60_000.0 / (1 + pi) ** 3)


def test_own_accounts_replace_the_shipped_figures_and_scale_unit_costs():
    acc = kommune_accounts("1151")
    s = PlanScenario(kommune="1151", accounts={"net_debt": 10_000.0, "fund": 2_000.0,
                                               "sectors": {"grunnskole": acc.sectors["grunnskole"] * 1.2}})
    ds = run(s)
    basis = run(PlanScenario(kommune="1151"))
    assert float(ds["disposisjonsfond"].sel(year=2026)) == pytest.approx(2_000.0)
    # interest and avdrag in the base year follow the own debt
    T = load_economy().repayment_years.value
    pi = load_economy().deflator.value
    assert float(ds["avdrag"].sel(year=2026)) == pytest.approx(10_000.0 / (1 + pi) / T)
    # the school area's unit costs are scaled to the own figure: factor 1,2 × the shipped one
    from planmodel.model.chain import prepare

    own_table = prepare(s).calibration.cost_table.set_index("område")
    shipped = prepare(PlanScenario(kommune="1151")).calibration.cost_table.set_index("område")
    assert own_table.loc["Grunnskole", "regnskap"] == pytest.approx(acc.sectors["grunnskole"] * 1.2)
    assert own_table.loc["Grunnskole", "faktor"] == pytest.approx(1.2 * shipped.loc["Grunnskole", "faktor"])
    assert own_table.loc["Barnehage", "faktor"] == pytest.approx(shipped.loc["Barnehage", "faktor"])
    # the base year still closes to the accounts' result (the øvrige line takes the rest)
    assert float(ds["netto_driftsresultat"].sel(year=2026)) == pytest.approx(acc.net_operating_result)
    assert float(ds["netto_driftsutgifter_sektorer"].sel(year=2026)) > \
        float(basis["netto_driftsutgifter_sektorer"].sel(year=2026))
    assert "Egne tall fra" in ds.attrs["data_warnings"]


def test_own_population_from_the_workbook_is_written_beside_the_scenario_and_used(utsira_book, tmp_path):
    wb = load_workbook(utsira_book)
    ws = wb[SHEETS["population"]]
    for a in range(106):
        ws.cell(row=5 + a, column=4, value=round(ws.cell(row=5 + a, column=2).value * 2))
        ws.cell(row=5 + a, column=5, value=round(ws.cell(row=5 + a, column=3).value * 2))
    wb.save(tmp_path / "pop.xlsx")
    s, out = _import_and_run(tmp_path / "pop.xlsx", tmp_path)
    assert (tmp_path / "s_befolkning.csv").is_file()
    assert s.base_population.endswith("s_befolkning.csv")
    ds = run(s)
    ssb = run(PlanScenario(kommune="1151"))["population"].sel(year=2026)
    assert float(ds["population"].sel(year=2026).sum()) == pytest.approx(2 * float(ssb.sum()), abs=110)


def test_round_trip_scenario_to_workbook_to_scenario(tmp_path):
    s = PlanScenario(id="egne", title="Egne tall for Utsira", kommune="1151", horizon=2045, demographic="low",
                     accounts={"net_debt": 12_345.0, "sectors": {"barnehage": 3_000.0}},
                     budget={"prices": "nominal", "free_income": {2027: 50_000.0, 2029: 52_000.0},
                             "income_lines": {"eiendomsskatt": {2025: 100.0, 2028: 200.0},
                                              "vindkraft": {2027: 50.0}},
                             "expense_lines": {"pensjon": {2027: 300.0}}},
                     existing_places={"barnehage": 5.0}, users={"hjemmetjenester.80p": 7.0},
                     economy={"interest_rate": 0.05})
    book = tmp_path / "k.xlsx"
    write_kommunedata("1151", book, s)
    back, _ = _import_and_run(book, tmp_path, "egne.yaml")
    a, b = to_yaml_dict(s), to_yaml_dict(back)
    assert a == b


@pytest.mark.parametrize("kommune", ["1151", "0301"])
def test_cli_round_trip_small_and_large_kommune(kommune, tmp_path, capsys):
    book = tmp_path / "k.xlsx"
    assert main(["kommunedata", kommune, "--out", str(book)]) == 0
    filled = _fill(book, tmp_path / "f.xlsx", [("years", "free_income", "2027", 1_000_000.0 if kommune == "0301"
                                                 else 49_000.0), ("accounts", "fund", 5, 3_000.0)])
    out = tmp_path / "min.yaml"
    assert main(["kommunedata", "import", str(filled), "--out", str(out)]) == 0
    assert main(["validate", str(out)]) == 0
    assert main(["run", str(out)]) == 0
    basis = tmp_path / "basis.yaml"
    basis.write_text(f'id: basis\ntitle: Basis\nkommune: "{kommune}"\n', encoding="utf-8")
    assert main(["compare", str(basis), str(out), "--out", str(tmp_path / "c.xlsx")]) == 0
    sheets = load_workbook(tmp_path / "c.xlsx", read_only=True).sheetnames
    assert sheets[:3] == ["Sammenligning", "Økonomiplan basis", f"Økonomiplan {load_scenario(out).id}"]
    again = tmp_path / "again.xlsx"
    assert main(["kommunedata", kommune, "--scenario", str(out), "--out", str(again)]) == 0
    assert load_workbook(again)[SHEETS["accounts"]].cell(row=_row_of(load_workbook(again)[SHEETS["accounts"]], "fund"),
                                                         column=5).value == 3_000.0


def test_bad_cells_are_all_reported_by_sheet_and_cell(utsira_book, tmp_path, capsys):
    bad = _fill(utsira_book, tmp_path / "bad.xlsx", [
        ("years", "free_income", "2027", "mye"),
        ("years", "prices", 4, "kroner"),
        ("accounts", "net_debt", 5, float("1e12")),
        ("places", "barnehage", 5, -3),
        ("economy", "interest_rate", 6, 0.9),
        ("scenario", "demographic", 4, "middels"),
    ])
    with pytest.raises(InputError) as exc:
        import_kommunedata(bad)
    text = str(exc.value)
    assert "6 celler må rettes" in text
    for where in ("År for år!E", "År for år!D", "Regnskap!E", "Plasser!E", "Forutsetninger!F", "Scenario!D"):
        assert where in text, where
    assert "'mye' er ikke et tall" in text
    assert main(["kommunedata", "import", str(bad), "--out", str(tmp_path / "x.yaml")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "celler må rettes" in err
    assert not (tmp_path / "x.yaml").exists()


def test_a_half_filled_population_is_refused(utsira_book, tmp_path):
    wb = load_workbook(utsira_book)
    wb[SHEETS["population"]].cell(row=5, column=4, value=3)
    wb.save(tmp_path / "half.xlsx")
    with pytest.raises(InputError, match=r"Befolkning!D:E: 211 av 212 celler er tomme"):
        import_kommunedata(tmp_path / "half.xlsx")


def test_an_invalid_scenario_writes_nothing(utsira_book, tmp_path):
    data = import_kommunedata(utsira_book)
    data.scenario["kommune"] = "9999"
    with pytest.raises(InputError):
        write_scenario(data, tmp_path / "x.yaml")
    assert list(tmp_path.iterdir()) == []


def test_not_a_workbook_and_wrong_arguments(tmp_path, capsys):
    (tmp_path / "x.xlsx").write_text("ikke excel")
    assert main(["kommunedata", "import", str(tmp_path / "x.xlsx"), "--out", str(tmp_path / "s.yaml")]) == 2
    assert "kan ikke leses som Excel" in capsys.readouterr().err
    assert main(["kommunedata", "Utsira", "--out", str(tmp_path / "k.csv")]) == 2
    assert main(["kommunedata", "Atlantis", "--out", str(tmp_path / "k.xlsx")]) == 2
    assert main(["kommunedata", "import", "a.xlsx", "b.xlsx", "--out", str(tmp_path / "s.yaml")]) == 2


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(st.text(max_size=12), st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**15, 10**15)))
def test_any_cell_value_is_either_read_or_reported_with_its_cell(utsira_book, tmp_path, value):
    path = tmp_path / "h.xlsx"
    try:
        _fill(utsira_book, path, [("accounts", "net_debt", 5, value)])
    except (ValueError, TypeError, IllegalCharacterError):  # openpyxl cannot store it: nothing to test
        return
    try:
        data = import_kommunedata(path)
    except InputError as exc:
        assert "Regnskap!E" in str(exc)
        return
    debt = data.scenario.get("accounts", {}).get("net_debt")
    assert debt is None or (np.isfinite(debt) and abs(debt) <= 1e9)


def test_scenario_files_take_the_same_keys_and_refuse_bad_ones(tmp_path):
    from planmodel.core.errors import InputError as E

    with pytest.raises(E, match=r"budget\.free_income\.2026"):
        PlanScenario(kommune="1151", budget={"free_income": {2026: 1.0}})
    with pytest.raises(E, match=r"accounts\.sectors\.skole"):
        PlanScenario(kommune="1151", accounts={"sectors": {"skole": 1.0}})
    with pytest.raises(E, match=r"accounts\.net_debt"):
        PlanScenario(kommune="1151", accounts={"net_debt": float("nan")})
    with pytest.raises(E, match=r"demography\.base_population"):
        PlanScenario(kommune="1151", base_population=str(tmp_path / "finnes_ikke.csv"))


def test_own_user_counts_calibrate_the_coverage_where_kostra_has_none(utsira_book, tmp_path):
    from planmodel.model.chain import prepare

    wb = load_workbook(utsira_book)
    ws = wb[SHEETS["users"]]
    r = _row_of(ws, "hjemmetjenester.80p")
    assert ws.cell(row=r, column=4).value is None  # suppressed in KOSTRA for Utsira
    assert "ikke i KOSTRA" in ws.cell(row=r, column=6).value
    s = PlanScenario(kommune="1151", users={"hjemmetjenester.80p": 9.0})
    table = prepare(s).calibration.table
    row = table[(table["gruppe"] == "Hjemmetjenester") & (table["alder"] == "80 år og over")].iloc[0]
    assert row["observert"] == 9.0 and "egne tall" in row["kilde"]
    ds = run(s)
    home = [sid for sid in ds["service"].values if "hjemme" in str(sid)]
    assert home
    with pytest.raises(InputError, match=r"services\.users\.hjemmetjenester\.90p"):
        PlanScenario(kommune="1151", users={"hjemmetjenester.90p": 1.0})


def test_the_excel_okonomiplan_shows_own_lines_and_its_brutto_formula_adds_them(tmp_path):
    from planmodel.present.export import write_excel

    s = PlanScenario(kommune="1151", budget={"income_lines": {"eiendomsskatt": {2025: 400.0, 2027: 700.0}},
                                             "expense_lines": {"pensjon": {2027: 100.0}}})
    path = write_excel(run(s), tmp_path / "o.xlsx", scenario=s)
    ws = load_workbook(path)["Økonomiplan"]
    labels = {ws.cell(row=r, column=1).value: r for r in range(1, ws.max_row + 1)}
    own_in = labels["Egne generelle inntekter (eiendomsskatt, kraftinntekter o.l.)"]
    own_out = labels["Egne utgiftslinjer (pensjon o.l.)"]
    brutto = ws.cell(row=labels["Brutto driftsresultat"], column=3).value  # the first plan year
    assert brutto == f"=C{labels['Frie inntekter (skatt og rammetilskudd)']}+C{own_in}-C{own_out}-C{labels['Sum netto driftsutgifter']}"
    assert ws.cell(row=own_in, column=3).value == pytest.approx(0.7)  # mill. kr


def _fill_goals(src, dst, rows):
    wb = load_workbook(src)
    ws = wb[SHEETS["goals"]]
    for i, row in enumerate(rows):
        for j, v in enumerate(row, start=1):
            ws.cell(row=5 + i, column=j, value=v)
    wb.save(dst)
    return dst


GOALS = [("plan", "Kommuneplanens samfunnsdel 2024–2036", None, 2024, 2036),
         ("hovedmal", "HM1", "Gode tjenester for alle", "Gode tjenester", None),
         ("sektor", "HO", "Helse og omsorg", "helse_og_omsorg", None),
         ("hovedgrep", "HG1", "Mestring", "HO", "HM1"),
         ("delmal", "HG1.1", "Flere bor hjemme lenger", None, None)]


def test_the_goals_sheet_becomes_the_kommunes_own_malstruktur_and_goes_round(utsira_book, tmp_path):
    book = _fill_goals(utsira_book, tmp_path / "g.xlsx", GOALS)
    s, out = _import_and_run(book, tmp_path, "g.yaml")
    assert (tmp_path / "g_mal.yaml").is_file() and s.goals.endswith("g_mal.yaml")
    from planmodel.inputs.goals import scenario_goals

    goals = scenario_goals(s)
    assert goals.kommune == "1151" and list(goals.delmal) == ["HG1.1"] and goals.plan.first_year == 2024
    assert goals.sector_map["HO"] == ("helse_og_omsorg",)
    # and back: the workbook made from the scenario holds the same rows, which import to the same file
    again = tmp_path / "again.xlsx"
    write_kommunedata("1151", again, s)
    back, _ = _import_and_run(again, tmp_path, "h.yaml")
    assert (tmp_path / "h_mal.yaml").read_text(encoding="utf-8").split("\n", 1)[1] == \
        (tmp_path / "g_mal.yaml").read_text(encoding="utf-8").split("\n", 1)[1]


def test_bad_goal_rows_are_reported_by_cell(utsira_book, tmp_path):
    bad = _fill_goals(utsira_book, tmp_path / "b.xlsx", GOALS[:4] + [("delmal", "HG9.1", "Feil hovedgrep", None, None),
                                                                    ("mål", "X", "y", None, None)])
    with pytest.raises(InputError) as exc:
        import_kommunedata(bad)
    assert "Målstruktur!B9: 'HG9.1'" in str(exc.value) and "Målstruktur!A10: 'mål'" in str(exc.value)
    wrong_sector = _fill_goals(utsira_book, tmp_path / "w.xlsx", GOALS[:3] + [("hovedgrep", "HG1", "Mestring", "XX", "HM1")])
    with pytest.raises(InputError, match="Målstruktur"):
        import_kommunedata(wrong_sector)
    assert not list(tmp_path.glob("*.yaml"))


def _population_file(path, year: int, kommune="1151", name="Utsira"):
    from planmodel.inputs.kommunedata import population_csv
    from planmodel.population.demography import population_for

    pop = population_for(kommune, "main", 2035).sel(year=year).transpose("age", "sex").values.round()
    path.write_text(population_csv(pop, kommune, name).replace("Persons 2026", f"Persons {year}"), encoding="utf-8")
    return path


def test_an_own_population_file_ending_later_moves_the_base_year_and_the_plan(tmp_path):
    f = _population_file(tmp_path / "p.csv", 2027)
    s = PlanScenario(kommune="1151", base_population=str(f), budget={"free_income": {2028: 50_000.0}})
    assert s.base_year == 2027 and s.plan_period == (2028, 2031)
    ds = run(s)
    assert int(ds["year"].values[0]) == 2027 and ds.plan.years == [2028, 2029, 2030, 2031]
    acc = kommune_accounts("1151")
    assert float(ds["netto_driftsresultat"].sel(year=2027)) == pytest.approx(acc.net_operating_result)
    assert float(ds["frie_inntekter"].sel(year=2028)) == pytest.approx(50_000.0)
    assert any("Basisåret 2027 (fra egen befolkningsfil)" in w for w in ds.plan.warnings)
    with pytest.raises(InputError, match=r"budget\.free_income\.2027: året 2027 er utenfor 2028"):
        PlanScenario(kommune="1151", base_population=str(f), budget={"free_income": {2027: 1.0}})
    with pytest.raises(InputError, match="arbeidsboken gjelder basisåret 2026"):
        write_kommunedata("1151", tmp_path / "k.xlsx", s)


def test_a_population_file_ending_before_the_base_year_is_refused(tmp_path):
    f = _population_file(tmp_path / "old.csv", 2026)
    f.write_text(f.read_text(encoding="utf-8").replace("Persons 2026", "Persons 2024"), encoding="utf-8")
    with pytest.raises(InputError, match=r"demography\.base_population: siste år i old\.csv er 2024; forventet basisåret 2026"):
        PlanScenario(kommune="1151", base_population=str(f))


def test_a_decimal_population_cell_is_reported_in_the_workbook(utsira_book, tmp_path):
    wb = load_workbook(utsira_book)
    ws = wb[SHEETS["population"]]
    for a in range(106):
        ws.cell(row=5 + a, column=4, value=ws.cell(row=5 + a, column=2).value)
        ws.cell(row=5 + a, column=5, value=ws.cell(row=5 + a, column=3).value)
    ws.cell(row=15, column=4, value=10.4)
    wb.save(tmp_path / "dec.xlsx")
    with pytest.raises(InputError, match=r"Befolkning!D15: 10\.4 er ikke et helt tall"):
        import_kommunedata(tmp_path / "dec.xlsx")
