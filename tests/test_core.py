"""The core layer (planmodel.core): the bounded read-only cache, atomic writes, schema errors in
bokmål with key paths and line numbers, the number formatter and the terskel words."""

import math
import os
from pathlib import Path
from typing import Annotated

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from planmodel.core import io as core_io
from planmodel.core.cache import file_key, freeze, memo
from planmodel.core.errors import InputError
from planmodel.core.formatting import MINUS, NBSP, endring, mill_kr, personer, prosent, tall
from planmodel.core.labels import (THRESHOLD_STEPS, USER_KEYS, age_group_label, age_range_label, breadth_text,
                                   threshold_text)
from planmodel.core.ages import KOSTRA_GROUPS
from planmodel.core.schema import (Bool, Choice, FileModel, Integer, Number, Share, Text, YearKey, after, key_path,
                                   validate)
from planmodel.core.yamlio import load_strict


# =========================================================================================
# cache.memo and cache.freeze
# =========================================================================================

def test_memo_keeps_the_last_maxsize_results_least_recently_used_first_out():
    calls = []

    @memo(maxsize=2)
    def square(x):
        calls.append(x)
        return x * x

    assert [square(1), square(2), square(1)] == [1, 4, 1]
    assert calls == [1, 2] and square.cache_len() == 2
    square(3)  # 2 is the least recently used (1 was used again): 2 goes
    assert square.cache_len() == 2
    square(1)
    assert calls == [1, 2, 3]
    square(2)
    assert calls == [1, 2, 3, 2]
    square.cache_clear()
    assert square.cache_len() == 0
    square(1)
    assert calls == [1, 2, 3, 2, 1]


def test_memo_key_function_decides_what_is_the_same_call():
    calls = []

    @memo(maxsize=4, key=lambda code, name: code)
    def lookup(code, name):
        calls.append(name)
        return f"{code}:{name}"

    assert lookup("3201", "Bærum") == "3201:Bærum"
    assert lookup("3201", "baerum") == "3201:Bærum"  # the resolved value is the key, not the spelling
    assert calls == ["Bærum"]
    assert lookup("0301", "Oslo") == "0301:Oslo" and calls == ["Bærum", "Oslo"]


def test_memo_default_key_includes_keyword_arguments():
    calls = []

    @memo(maxsize=8)
    def f(x, scale=1):
        calls.append((x, scale))
        return x * scale

    assert f(2, scale=3) == 6 and f(2, scale=3) == 6 and f(2, scale=4) == 8
    assert calls == [(2, 3), (2, 4)]


def test_memo_does_not_cache_an_exception():
    calls = []

    @memo(maxsize=2)
    def flaky(x):
        calls.append(x)
        if len(calls) == 1:
            raise RuntimeError("first time")
        return x

    with pytest.raises(RuntimeError):
        flaky(1)
    assert flaky(1) == 1 and calls == [1, 1] and flaky.cache_len() == 1


def test_memo_results_are_read_only_unless_asked_otherwise():
    @memo(maxsize=2)
    def arrays(n):
        return {"a": np.zeros(n), "b": [np.ones(n), (np.arange(n),)]}

    out = arrays(3)
    for arr in (out["a"], out["b"][0], out["b"][1][0]):
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr[0] = 5.0
    assert arrays(3) is out  # the same object for every caller

    @memo(maxsize=2, readonly=False)
    def writable(n):
        return np.zeros(n)

    w = writable(2)
    w[0] = 1.0
    assert writable(2)[0] == 1.0  # shared and writeable: the caller asked for it


def test_freeze_reaches_into_xarray_objects_and_returns_them():
    da = xr.DataArray(np.zeros((2, 3)), dims=("x", "y"), coords={"x": [1, 2], "label": ("y", np.array([0.0, 1.0, 2.0]))})
    assert freeze(da) is da
    with pytest.raises(ValueError):
        da.values[0, 0] = 1.0
    with pytest.raises(ValueError):
        da[0, 0] = 1.0
    assert not da["label"].values.flags.writeable
    ds = xr.Dataset({"a": ("x", np.zeros(2)), "b": ("x", np.ones(2))})
    freeze(ds)
    assert not ds["a"].values.flags.writeable and not ds["b"].values.flags.writeable
    # a copy is the caller's own again
    c = da.copy(deep=True)
    c.values[0, 0] = 1.0
    assert da.values[0, 0] == 0.0
    # things freeze does not know pass through unchanged
    assert freeze(5) == 5 and freeze("text") == "text"


def test_file_key_is_the_resolved_path_and_modification_time(tmp_path):
    p = tmp_path / "a.yaml"
    assert file_key(p) == (str(p.resolve()), None)
    p.write_text("x: 1\n")
    os.utime(p, ns=(1_000_000_000, 1_000_000_000))
    first = file_key(p)
    assert first == (str(p.resolve()), 1_000_000_000)
    os.utime(p, ns=(2_000_000_000, 2_000_000_000))
    assert file_key(p) != first
    # a relative spelling of the same file gives the same key
    assert file_key(Path(os.path.relpath(p)))[0] == str(p.resolve())


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=40), st.integers(1, 4))
def test_memo_never_holds_more_than_maxsize_and_always_answers_right(keys, maxsize):
    @memo(maxsize=maxsize)
    def double(x):
        return np.array([2 * x])

    for k in keys:
        assert double(k)[0] == 2 * k
        assert double.cache_len() <= maxsize
    if keys:  # the most recent distinct keys are the ones kept
        recent = list(dict.fromkeys(reversed(keys)))[:maxsize]
        assert double.cache_len() == len(recent)


# =========================================================================================
# io.write_text_atomic
# =========================================================================================

def _temp_files(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_atomic_write_writes_utf8_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "notat.md"
    out = core_io.write_text_atomic(path, "Bærum – økonomiplan\n")
    assert out == path
    assert path.read_bytes() == "Bærum – økonomiplan\n".encode()
    assert _temp_files(tmp_path) == []
    core_io.write_text_atomic(str(path), "ny\n")  # replaces; a str path works too
    assert path.read_text(encoding="utf-8") == "ny\n" and sorted(p.name for p in tmp_path.iterdir()) == ["notat.md"]


def test_failed_write_keeps_the_old_file_and_removes_the_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "tabell.csv"
    path.write_text("gammel\n", encoding="utf-8")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(core_io.os, "replace", broken_replace)
    from planmodel.core.errors import InputError

    with pytest.raises(InputError, match=r"kunne ikke skrive filen \(disk full\); den gamle filen er urørt"):
        core_io.write_text_atomic(path, "ny\n")
    assert path.read_text(encoding="utf-8") == "gammel\n"
    assert _temp_files(tmp_path) == []


def test_interrupted_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "rapport.html"
    path.write_text("gammel", encoding="utf-8")

    def interrupt(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(core_io.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        core_io.write_text_atomic(path, "halv")
    assert path.read_text(encoding="utf-8") == "gammel" and _temp_files(tmp_path) == []


def test_text_that_cannot_be_encoded_never_touches_the_file(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("gammel", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        core_io.write_text_atomic(path, "lone surrogate \udcff")
    assert path.read_text(encoding="utf-8") == "gammel" and _temp_files(tmp_path) == []


def test_atomic_write_into_a_missing_folder_fails_cleanly(tmp_path):
    from planmodel.core.errors import InputError

    with pytest.raises(InputError, match="finnes ikke"):
        core_io.write_text_atomic(tmp_path / "finnes_ikke" / "x.txt", "x")
    assert list(tmp_path.iterdir()) == []


# =========================================================================================
# schema.validate: errors as one line of bokmål
# =========================================================================================

def _no_x(v):
    return "x er ikke lov" if v == "x" else None


class Entry(FileModel):
    start: Integer("et årstall", 1900, 2100)
    share: Share = 0.5


class Top(FileModel):
    id: Annotated[Text("en id"), after(_no_x)]
    kind: Choice(("lav", "høy"))
    items: list[Entry] = []
    paths: dict[YearKey, Number("et antall", 0, 10)] = {}
    amount: Number("et beløp", 0) = 0.0
    cap: Number("et tak", None, 5) = 0.0
    flag: Bool = False
    inner: Entry | None = None


def fails(data, source="fil.yaml") -> str:
    with pytest.raises(InputError) as err:
        validate(Top, data, source)
    return str(err.value)


OK = {"id": "a", "kind": "lav"}


def test_a_valid_mapping_passes_and_keeps_its_values():
    top = validate(Top, {**OK, "items": [{"start": 2027}], "paths": {2030: 3}}, "fil.yaml")
    assert top.items[0].start == 2027 and top.items[0].share == 0.5 and top.paths == {2030: 3.0}


@pytest.mark.parametrize("data, message", [
    ({"kind": "lav"}, "fil.yaml: (øverste nivå): mangler nøkkelen 'id'"),
    ({**OK, "items": [{"share": 0.1}]}, "fil.yaml: items[0]: mangler nøkkelen 'start'"),
    ({**OK, "colour": "red"}, "fil.yaml: colour: ukjent nøkkel; tillatt her: amount, cap, flag, id, inner, items, kind, paths"),
    ({**OK, "items": [{"start": 2000}, {"start": 2001, "end": 3}]},
     "fil.yaml: items[1].end: ukjent nøkkel; tillatt her: share, start"),
    ({**OK, "inner": {"start": 2000, "x": 1}}, "fil.yaml: inner.x: ukjent nøkkel; tillatt her: share, start"),
    ({**OK, "items": [{"start": "2027"}]}, "fil.yaml: items[0].start: '2027' er ikke et årstall"),
    ({**OK, "items": [{"start": 2027.5}]}, "fil.yaml: items[0].start: 2027.5 er ikke et årstall (et helt tall)"),
    ({**OK, "items": [{"start": True}]}, "fil.yaml: items[0].start: True er ikke et årstall"),
    ({**OK, "items": [{"start": 2000}, {"start": 2000}, {"start": 1800}]},
     "fil.yaml: items[2].start: 1800 er utenfor gyldig område; forventet et årstall mellom 1900 og 2100"),
    ({**OK, "amount": -1}, "fil.yaml: amount: -1 er utenfor gyldig område; forventet et beløp minst 0"),
    ({**OK, "cap": 6}, "fil.yaml: cap: 6 er utenfor gyldig område; forventet et tak høyst 5"),
    ({**OK, "items": [{"start": 2000, "share": 1.5}]},
     "fil.yaml: items[0].share: 1.5 er utenfor gyldig område; forventet en andel mellom 0 og 1"),
    ({**OK, "kind": "middels"}, "fil.yaml: kind: ukjent verdi 'middels'; gyldige: lav, høy"),
    ({**OK, "kind": 1}, "fil.yaml: kind: 1 er ikke tekst (sett koder i anførselstegn, for eksempel \"0301\")"),
    ({**OK, "id": 301}, "fil.yaml: id: 301 er ikke tekst (sett koder i anførselstegn, for eksempel \"0301\")"),
    ({**OK, "id": False}, "fil.yaml: id: False er ikke tekst"),
    ({**OK, "id": "x"}, "fil.yaml: id: x er ikke lov"),
    ({**OK, "paths": {2030: 11}}, "fil.yaml: paths.2030: 11 er utenfor gyldig område; forventet et antall mellom 0 og 10"),
    ({**OK, "paths": {"2030": 1}}, "fil.yaml: paths.2030: nøkkelen må være et årstall"),
    ({**OK, "flag": "yes"}, "fil.yaml: flag: 'yes' er ikke true/false"),
    ({**OK, "flag": 1}, "fil.yaml: flag: 1 er ikke true/false"),
    ({**OK, "items": {"start": 2000}}, "fil.yaml: items: forventet en liste, fikk en tabell"),
    ({**OK, "inner": [1, 2]}, "fil.yaml: inner: forventet en tabell (nøkkel: verdi), fikk en liste"),
    ({**OK, "paths": "mye"}, "fil.yaml: paths: forventet en tabell (nøkkel: verdi), fikk tekst"),
])
def test_schema_errors_name_the_key_path_and_what_was_expected(data, message):
    assert fails(data) == message


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers_are_refused(value):
    msg = fails({**OK, "amount": value})
    assert msg == f"fil.yaml: amount: {value!r} er ikke et endelig tall; forventet et beløp"


def test_line_numbers_come_from_strict_yaml():
    text = ("id: a\n"            # 1
            "kind: lav\n"        # 2
            "items:\n"           # 3
            "  - start: 2000\n"  # 4
            "  - start: 2001\n"  # 5
            "  - start: 1800\n"  # 6
            "paths:\n"           # 7
            "  2030: 3\n")       # 8
    raw = load_strict("plan.yaml", text)
    assert fails(raw, "plan.yaml") == ("plan.yaml: items[2].start (linje 6): 1800 er utenfor gyldig område; "
                                       "forventet et årstall mellom 1900 og 2100")
    text = text.replace("start: 1800", "start: 2002")
    raw = load_strict("plan.yaml", text.replace("  2030: 3", "  2030: .inf"))
    assert fails(raw, "plan.yaml") == "plan.yaml: paths.2030 (linje 8): inf er ikke et endelig tall; forventet et antall"
    raw = load_strict("plan.yaml", text + "farge: rød\n")
    assert fails(raw, "plan.yaml").startswith("plan.yaml: farge (linje 9): ukjent nøkkel")
    # the unquoted code (YAML 1.1 would read the octal number 193) is shown as written, with its line
    raw = load_strict("plan.yaml", text.replace("id: a", "id: 0301"))
    assert fails(raw, "plan.yaml") == ('plan.yaml: id (linje 1): 0301 er ikke tekst (sett koder i anførselstegn, '
                                       'for eksempel "0301"); uten anførselstegn leser YAML det som et tall')


def test_duplicate_keys_and_bad_yaml_are_input_errors():
    with pytest.raises(InputError, match=r"^x.yaml: kind \(linje 3\): nøkkelen finnes to ganger: 'kind' \(første gang på linje 2\)"):
        load_strict("x.yaml", "id: a\nkind: lav\nkind: høy\n")
    with pytest.raises(InputError, match=r"^x.yaml: linje \d+, kolonne \d+: ugyldig YAML"):
        load_strict("x.yaml", "id: [a\n")
    with pytest.raises(InputError, match="filen finnes ikke"):
        load_strict("/finnes/ikke.yaml")


def test_key_path_without_line_numbers_and_at_the_top():
    assert key_path(("measures", 2, "start"), {"measures": [{}, {}, {"start": 1}]}) == "measures[2].start"
    assert key_path(("services", "capacity_additions", "institusjon", 2045), {}) == \
        "services.capacity_additions.institusjon.2045"
    assert key_path((), {}) == ""


# =========================================================================================
# formatting and labels
# =========================================================================================

def test_age_labels_have_one_form():
    """An age group is written one way everywhere: "80–89 år", "0 år", "90 år og over" (an
    open group), never "90+" or "90 år +" (core.labels is the single home)."""
    assert age_range_label(80, 89) == "80–89 år" and age_range_label(0, 0) == "0 år"
    assert age_range_label(90) == age_range_label(90, 105) == age_range_label(90, 200) == "90 år og over"
    assert [age_group_label(g) for g in KOSTRA_GROUPS] == [
        "0 år", "1–5 år", "6–12 år", "13–15 år", "16–19 år", "20–44 år", "45–66 år", "67–79 år", "80–89 år",
        "90 år og over"]
    assert age_group_label("85+") == "85 år og over" and age_group_label("3-4") == "3–4 år"
    assert USER_KEYS["hjemmetjenester.80p"] == "Brukere av hjemmetjenester, 80 år og over"


@pytest.mark.parametrize("x, decimals, text", [
    (1234567.8, 0, f"1{NBSP}234{NBSP}568"),
    (1234567.8, 1, f"1{NBSP}234{NBSP}567,8"),
    (999.94, 1, "999,9"),
    (999.96, 1, f"1{NBSP}000,0"),
    (-56.0, 0, f"{MINUS}56"),
    (-1234.25, 1, f"{MINUS}1{NBSP}234,2"),  # 1234.25 is stored just below .25: rounds down
    (-0.4, 0, "0"),  # no minus zero
    (-0.04, 1, "0,0"),
    (0, 0, "0"),
    (12, 2, "12,00"),
    (1234, -2, f"1{NBSP}200"),
])
def test_tall_by_hand(x, decimals, text):
    assert tall(x, decimals) == text


@pytest.mark.parametrize("x", [None, float("nan"), float("inf"), -math.inf])
def test_tall_of_a_missing_number_is_a_dash(x):
    assert tall(x) == "–" and tall(x, 2) == "–"


def test_prosent_mill_kr_personer_endring_by_hand():
    assert prosent(0.1234) == f"12,3{NBSP}%"
    assert prosent(0.0175, 2) == f"1,75{NBSP}%"
    assert prosent(-0.05, 0) == f"{MINUS}5{NBSP}%"
    assert mill_kr(1_234_500_000) == f"1{NBSP}234,5{NBSP}mill.{NBSP}kr"
    assert mill_kr(-2_000_000, 0) == f"{MINUS}2{NBSP}mill.{NBSP}kr"
    assert personer(12345) == f"12{NBSP}345{NBSP}personer"
    assert endring(1234) == f"+1{NBSP}234"
    assert endring(-56) == f"{MINUS}56"
    assert endring(0) == "0"
    assert endring(2.25, 1) == "+2,2"


def test_endring_of_a_change_that_rounds_to_zero_has_no_sign():
    assert endring(-0.4) == "0"
    assert endring(0.4) == "0"


@settings(max_examples=200, deadline=None)
@given(st.floats(-1e12, 1e12, allow_nan=False), st.integers(0, 3))
def test_tall_reads_back_as_the_rounded_number(x, decimals):
    text = tall(x, decimals)
    assert "-" not in text and "." not in text and " " not in text  # only U+2212, comma and no-break space
    back = float(text.replace(NBSP, "").replace(",", ".").replace(MINUS, "-"))
    assert back == pytest.approx(x, abs=0.5 * 10**-decimals + 1e-12 * abs(x))
    if decimals:
        assert len(text.split(",")[1]) == decimals
    groups = text.lstrip(MINUS).split(",")[0].split(NBSP)
    assert all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3


@pytest.mark.parametrize("value, words", [
    (1, "Høy terskel"), (1.0, "Høy terskel"), (0.5, "Noe høyere enn i dag"), (0.25, "Noe høyere enn i dag"),
    (0, "Som i dag"), (-0.0, "Som i dag"), (-0.25, "Noe lavere enn i dag"), (-0.5, "Noe lavere enn i dag"),
    (-1, "Lav terskel"), (np.float64(0.75), "Noe høyere enn i dag"),
])
def test_threshold_text(value, words):
    assert threshold_text(value) == words


def test_breadth_text_and_the_steps_offered():
    assert [breadth_text(v) for v in (-1, -0.3, 0, 0.3, 1)] == [
        "Smalt tilbud", "Noe smalere enn i dag", "Som i dag", "Noe bredere enn i dag", "Bredt tilbud"]
    assert sorted(THRESHOLD_STEPS) == [-1.0, -0.5, 0.0, 0.5, 1.0]
