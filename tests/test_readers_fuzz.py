"""Fuzz tests for the SSB readers (issue 13): whatever the input, a reader either loads it or
raises InputError with a one-line message — never another exception.

Inputs: random bytes, random JSON structures, and valid fixtures from tests/fixtures/readers/
mutated at random (a JSON value replaced, deleted or retyped; bytes of a CSV replaced, inserted
or deleted; a CSV cell replaced).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planmodel.core.errors import InputError
from planmodel.inputs.readers import read_jsonstat, read_population, read_statbank_csv

FIX = Path(__file__).parent / "fixtures" / "readers"
JSON_FIXTURES = [
    "ssb_07459_baerum_2023_jsonstat_derived.json",
    "ssb_07459_kommune_hist_fixture.json",
    "ssb_13599_proj_fixture.json",
    "ssb_12134_frie_inntekter_2024_oslo_bergen_trondheim_jsonstat2.json",
    "suppressed_list.json",
    "suppressed_sparse.json",
]
CSV_FIXTURES = [
    "statbank_07459_2023_baerum_nb_utf8.csv",
    "statbank_07459_2023_excerpt.csv",
    "statbank_stub_sex_year.csv",
    "suppressed_statbank.csv",
]
DOCS = {name: json.loads((FIX / name).read_text(encoding="utf-8")) for name in JSON_FIXTURES}
CSVS = {name: (FIX / name).read_bytes() for name in CSV_FIXTURES}

#: FUZZ_EXAMPLES=5000 for a long run
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# --- strategies ------------------------------------------------------------------------------

numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([10**400, -(10**400), 0, -1, 1e300, -1e300, 1e-300]),
    st.floats(allow_nan=True, allow_infinity=True),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=12),
                    st.sampled_from(["..", ".", ":", "-", "dataset", "Tid", "Region", "Alder", "000", "105+"]))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=5)),
    max_leaves=25,
)


def _paths(doc, prefix=()):
    """Every key path into a parsed JSON document."""
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:8]):  # a few list items are enough
            yield from _paths(v, prefix + (i,))


@st.composite
def mutated_docs(draw, names=JSON_FIXTURES):
    doc = json.loads(json.dumps(DOCS[draw(st.sampled_from(names))]))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        key = path[-1]
        action = draw(st.sampled_from(["replace", "delete", "number", "wrap"]))
        if action == "delete":
            del parent[key]
        elif action == "number":
            parent[key] = draw(numbers)
        elif action == "wrap":
            parent[key] = [parent[key]] if draw(st.booleans()) else {"x": parent[key]}
        else:
            parent[key] = draw(json_values)
    return doc


@st.composite
def mutated_bytes(draw, blobs: dict[str, bytes]):
    data = bytearray(blobs[draw(st.sampled_from(sorted(blobs)))])
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["replace", "insert", "delete", "cell"]))
        chunk = draw(st.one_of(st.binary(min_size=1, max_size=6),
                               st.sampled_from([b";", b'"', b"\r\n", b"\n", b"\x00", b"1e999", b"-", b"..",
                                                b"99999999999999999999", b"\xff\xfe", b"\xe6\xf8\xe5"])))
        if action == "replace":
            data[pos:pos + len(chunk)] = chunk
        elif action == "insert":
            data[pos:pos] = chunk
        elif action == "delete":
            del data[pos:pos + draw(st.integers(1, 40))]
        else:  # replace one ;-separated cell
            text = bytes(data)
            start = text.rfind(b";", 0, pos) + 1
            end = text.find(b";", pos)
            end = len(text) if end < 0 else end
            data[start:end] = draw(st.sampled_from([b"1e300", b"inf", b"NaN", b"-5", b"0", b"12,5", b"", b"x", b'"']))
    return bytes(data)


def _encode(doc) -> bytes:
    return json.dumps(doc, allow_nan=True, ensure_ascii=False).encode("utf-8")


def _loads_or_input_error(call):
    """Run ``call``; it may only return or raise InputError with one line of text."""
    try:
        out = call()
    except InputError as exc:
        msg = str(exc)
        assert msg and "\n" not in msg and "\r" not in msg, repr(msg)
        assert exc.problem, repr(msg)
        return None
    return out


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


# --- read_jsonstat ---------------------------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=300))
def test_fuzz_jsonstat_random_bytes(data):
    _loads_or_input_error(lambda: read_jsonstat(data))


@FUZZ
@given(doc=json_values)
def test_fuzz_jsonstat_random_json(doc):
    _loads_or_input_error(lambda: read_jsonstat(_encode(doc)))
    if isinstance(doc, dict):
        _loads_or_input_error(lambda: read_jsonstat(doc))


@FUZZ
@given(doc=mutated_docs(), with_status=st.booleans())
def test_fuzz_jsonstat_mutated_fixtures(doc, with_status):
    out = _loads_or_input_error(lambda: read_jsonstat(doc, with_status=with_status))
    if out is not None:
        values = (out["value"] if with_status else out).values
        assert not np.isinf(values).any()


# --- read_statbank_csv -----------------------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=400))
def test_fuzz_statbank_csv_random_bytes(work, data):
    _loads_or_input_error(lambda: read_statbank_csv(_write(work, "random.csv", data)))


@FUZZ
@given(data=mutated_bytes(CSVS), encoding=st.sampled_from([None, None, "utf-8", "iso-8859-1", "utf-16"]))
def test_fuzz_statbank_csv_mutated_fixtures(work, data, encoding):
    out = _loads_or_input_error(lambda: read_statbank_csv(_write(work, "mutated.csv", data), encoding=encoding))
    if out is not None:
        assert np.isfinite(out["value"].dropna()).all()


# --- read_population on both formats ---------------------------------------------------------

POP_JSON = ["ssb_07459_baerum_2023_jsonstat_derived.json", "ssb_07459_kommune_hist_fixture.json"]
POP_CSV = {k: CSVS[k] for k in ("statbank_07459_2023_baerum_nb_utf8.csv", "statbank_07459_2023_excerpt.csv")}


def _check_population(out) -> None:
    if out is None:
        return
    v = out.values
    assert np.isfinite(v).all() and (v >= 0).all()
    assert (out.sum(["age", "sex"]).values <= 10_000_000).all()


@FUZZ
@given(doc=mutated_docs(POP_JSON), kommune=st.sampled_from([None, "3024", "0301", "1103"]),
       partial=st.booleans())
def test_fuzz_population_jsonstat_mutated(work, doc, kommune, partial):
    path = _write(work, "pop.json", _encode(doc))
    _check_population(_loads_or_input_error(lambda: read_population(path, kommune=kommune, partial=partial)))


@FUZZ
@given(data=mutated_bytes(POP_CSV), kommune=st.sampled_from([None, "3024", "3001"]), partial=st.booleans())
def test_fuzz_population_csv_mutated(work, data, kommune, partial):
    path = _write(work, "pop.csv", data)
    _check_population(_loads_or_input_error(lambda: read_population(path, kommune=kommune, partial=partial)))


@FUZZ
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".json", ".csv", ".txt"]))
def test_fuzz_population_random_bytes(work, data, suffix):
    _loads_or_input_error(lambda: read_population(_write(work, "random" + suffix, data)))


@FUZZ
@given(scale=st.sampled_from([0.0, 1e-9, 0.5, 1.0, 10.0, 1e3, 1e6, 1e300, math.inf, math.nan, -1.0]))
def test_fuzz_population_scaled_values(work, scale):
    """Every cell multiplied by one factor: loads only if the result is a plausible population."""
    doc = json.loads(json.dumps(DOCS["ssb_07459_baerum_2023_jsonstat_derived.json"]))
    doc["value"] = [None if v is None else v * scale for v in doc["value"]]
    path = _write(work, "scaled.json", _encode(doc))
    out = _loads_or_input_error(lambda: read_population(path))
    _check_population(out)
    assert (out is not None) == (scale in (1.0, 10.0)), scale
