"""Schemas for the input files, and their errors as one line of bokmål.

Every input file type (scenario, service catalogue, tiltak library, goals, economy
assumptions) is described once, as a pydantic v2 model built from the field types below.
Each field type carries the words used in its error message (``what``: "en terskel (-1 lav,
1 høy)"), so a failed check reads like the rest of planmodel::

    scenarios/x.yaml: services.threshold: 1.4 er utenfor gyldig område; forventet en terskel (-1 lav, 1 høy) mellom -1 og 1

:func:`validate` runs a model on parsed YAML and turns the first error into an
:class:`~planmodel.core.errors.InputError` naming the file, the key path (``measures[2].start``;
list positions in brackets, mapping keys after dots) and what was expected. Unknown keys are
errors (``extra="forbid"``), values are never coerced (strict: ``"0301"`` stays text and ``0301``
is refused with a hint to quote it), and numbers must be finite.

The same models give the JSON Schema that an editor can validate a file against while typing
(:func:`json_schema`).
"""

from __future__ import annotations

import datetime
import math
import numbers
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from planmodel.core.errors import InputError

#: Pydantic config of every file model: unknown keys refused, no coercion, finite numbers.
STRICT = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class FileModel(BaseModel):
    """Base class of the file schemas (strict; see :data:`STRICT`)."""

    model_config = STRICT


# --------------------------------------------------------------------------- value checks

def kind_of(value: Any) -> str:
    """What a YAML (or Python) value is, in bokmål (for messages): "en tabell", "en dato" ..."""
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "ingenting"
    if isinstance(value, str):
        return "tekst"
    if isinstance(value, numbers.Number):
        return "et tall"
    if isinstance(value, Mapping):
        return "en tabell"
    if isinstance(value, (list, tuple)):
        return "en liste"
    if isinstance(value, datetime.datetime):
        return "et tidspunkt"
    if isinstance(value, datetime.date):
        return "en dato"
    if isinstance(value, (bytes, bytearray)):
        return "binærdata"
    return f"et {type(value).__module__.split('.')[0]}.{type(value).__name__}-objekt"


#: Longest value shown in a message.
SHOW_CHARS = 60


def shown(value: Any) -> str:
    """A value as a message shows it: text and numbers as written (shortened), anything else by
    what it is ("en tabell", "en dato 2024-01-01") — never a long Python repr."""
    if isinstance(value, str):
        r = repr(value)
        return r if len(r) <= SHOW_CHARS else r[:SHOW_CHARS - 4] + "…'"
    if value is None:
        return kind_of(value)
    if isinstance(value, (bool, int, float)):
        return repr(value)
    if isinstance(value, datetime.date):
        return f"{kind_of(value)} ({value.isoformat()})"
    return kind_of(value)


def listing(items: Iterable[Any], limit: int = 12) -> str:
    """``"a, b, c"``; more than ``limit`` items end with ``"… og N til"``."""
    items = [str(x) for x in items]
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" … og {len(items) - limit} til"


def _fail(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def _span(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"mellom {lo:g} og {hi:g}"
    return f"minst {lo:g}" if lo is not None else f"høyst {hi:g}"


def _number_check(what: str, lo: float | None, hi: float | None, integer: bool):
    def check(v: Any) -> Any:
        if isinstance(v, (numbers.Integral, numbers.Real)) and not isinstance(v, (bool, int, float)):
            v = int(v) if isinstance(v, numbers.Integral) else float(v)  # numpy numbers from Python
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _fail("pm_type", f"{v!r} er ikke {what}" if isinstance(v, (bool, str)) or v is None
                        else f"forventet {what}, fikk {shown(v)}")
        if not math.isfinite(v):
            raise _fail("pm_finite", f"{v!r} er ikke et endelig tall; forventet {what}")
        if integer and not isinstance(v, int):
            raise _fail("pm_type", f"{v!r} er ikke {what} (et helt tall)")
        if lo is not None and v < lo or hi is not None and v > hi:
            raise _fail("pm_range", f"{v!r} er utenfor gyldig område; forventet {what} {_span(lo, hi)}")
        return int(v) if integer else v
    return check


def Number(what: str = "et tall", lo: float | None = None, hi: float | None = None, description: str = ""):
    """A finite number (int or float) in [lo, hi]; bool and text are refused."""
    extra = {k: v for k, v in (("minimum", lo), ("maximum", hi)) if v is not None}
    return Annotated[float, BeforeValidator(_number_check(what, lo, hi, False)),
                     Field(description=description or what, json_schema_extra=extra or None)]


def Integer(what: str = "et helt tall", lo: int | None = None, hi: int | None = None, description: str = ""):
    """A whole number in [lo, hi]."""
    extra = {k: v for k, v in (("minimum", lo), ("maximum", hi)) if v is not None}
    return Annotated[int, BeforeValidator(_number_check(what, lo, hi, True)),
                     Field(description=description or what, json_schema_extra=extra or None)]


def Year(lo: int = 1900, hi: int = 2100, description: str = "et årstall"):
    """A calendar year in [lo, hi]."""
    return Integer("et årstall", lo, hi, description)


def Version(known: int = 1):
    """A file's ``schema_version``: a whole number, and one this planmodel knows."""
    return Annotated[Integer("en versjon"),
                     after(lambda v: None if v == known else f"{v!r}: planmodel kjenner bare versjon {known}")]


Share = Number("en andel", 0.0, 1.0)


def _text_check(choices: Sequence[str] | None, nonempty: bool):
    def check(v: Any) -> Any:
        if not isinstance(v, str):
            if getattr(v, "text", ""):  # yamlio.CodeInt: 0301 written without quotes
                raise _fail("pm_type", f"{v.text} er ikke tekst (sett koder i anførselstegn, for eksempel \"{v.text}\"); "
                                       "uten anførselstegn leser YAML det som et tall")
            hint = " (sett koder i anførselstegn, for eksempel \"0301\")" if isinstance(v, (int, float)) \
                and not isinstance(v, bool) else ""
            if isinstance(v, (bool, int, float, str)) or v is None:
                raise _fail("pm_type", f"{v!r} er ikke tekst{hint}")
            if isinstance(v, datetime.date):
                hint = f" (sett teksten i anførselstegn: \"{v.isoformat()}\")"
            raise _fail("pm_type", f"forventet tekst, fikk {shown(v)}{hint}")
        if nonempty and not v.strip():
            raise _fail("pm_empty", "teksten er tom")
        if choices is not None and v not in choices:
            raise _fail("pm_choice", f"ukjent verdi {shown(v)}; gyldige: {listing(choices)}")
        return v
    return check


def Text(description: str = "", nonempty: bool = False):
    """Text (a YAML string; numbers and booleans are refused with a hint to quote codes)."""
    return Annotated[str, BeforeValidator(_text_check(None, nonempty)), Field(description=description or None)]


def Choice(choices: Iterable[str], description: str = ""):
    """One of ``choices`` (a JSON Schema enum)."""
    choices = tuple(choices)
    return Annotated[Literal[choices], BeforeValidator(_text_check(choices, False)),  # type: ignore[valid-type]
                     Field(description=description or None)]


def _bool_check(v: Any) -> Any:
    if not isinstance(v, bool):
        if isinstance(v, (int, float, str)) or v is None:
            raise _fail("pm_type", f"{v!r} er ikke true/false")
        raise _fail("pm_type", f"forventet true eller false, fikk {shown(v)}")
    return v


Bool = Annotated[bool, BeforeValidator(_bool_check)]


def _year_key_check(v: Any) -> Any:
    if isinstance(v, bool) or not isinstance(v, int):
        raise _fail("pm_key", "nøkkelen må være et årstall")
    return v


YearKey = Annotated[int, BeforeValidator(_year_key_check)]


def one_or_per_key(scalar, mapping, scalar_tag: str = "<tall>", mapping_tag: str = "<per nøkkel>"):
    """Either one value (``scalar`` type) or a mapping (``mapping`` type), told apart by the
    YAML value itself so that an error reports the branch the user wrote."""
    def which(v: Any) -> str:
        return mapping_tag if isinstance(v, dict) else scalar_tag
    return Annotated[typing.Union[Annotated[scalar, Tag(scalar_tag)], Annotated[mapping, Tag(mapping_tag)]],
                     Discriminator(which)]


def check(condition: bool, message: str):
    """For model validators: raise a bokmål message (reported at the model's key path)."""
    if not condition:
        raise _fail("pm_rule", message)


def after(fn):
    """An AfterValidator from a function that returns a message (str) when the value is bad."""
    def run(v):
        msg = fn(v)
        if msg:
            raise _fail("pm_rule", msg)
        return v
    return AfterValidator(run)


# --------------------------------------------------------------------------- errors

def _is_tag(x: Any) -> bool:
    return isinstance(x, str) and x.startswith("<") and x.endswith(">")


def key_path(loc: Sequence[Any], data: Any) -> str:
    """``("measures", 2, "start")`` -> ``"measures[2].start"``: positions in lists in brackets,
    mapping keys after dots (a year key stays ``capacity_additions.institusjon.2045``). When
    ``data`` came from :func:`planmodel.core.yamlio.load_strict`, the line of the last key
    found is added: ``"services.terskel (linje 7)"``."""
    return locate(loc, data)[0]


def locate(loc: Sequence[Any], data: Any) -> tuple[str, str | None]:
    """(key path as :func:`key_path` gives it, the file the last key found was read from or
    None): after a baseline merge a key may come from another file than the one loaded."""
    out = ""
    node = data
    line = None
    file = None
    for part in loc:
        if _is_tag(part) or part == "[key]":
            continue
        if isinstance(node, list) and isinstance(part, int):
            out += f"[{part}]"
        else:
            text = str(part) if str(part).isprintable() else repr(str(part))  # a key with a line break stays on one line
            out += f".{text}" if out else text
        lines = getattr(node, "lines", None)
        if lines is not None and part in lines:
            line = lines[part]
            file = getattr(node, "files", {}).get(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return (f"{out} (linje {line})" if out and line is not None else out), file


def _blame(source: str, file: str | None, problem: str) -> tuple[str, str]:
    """(file to name, problem): a key read from a baseline file is reported in that file."""
    if file and file != source:
        return file, f"{problem} (i basisalternativet til {source})"
    return source, problem


class Rules:
    """The checks a schema cannot express (references between keys), reported like schema
    errors: ``Rules(source, raw).fail(("services", "x", "sector"), "ukjent verdi ...")``."""

    def __init__(self, source: str, raw: Any):
        self.source = str(source)
        self.raw = raw

    def where(self, loc: Sequence[Any]) -> str:
        return key_path(loc, self.raw) or "(øverste nivå)"

    def fail(self, loc: Sequence[Any], problem: str) -> typing.NoReturn:
        path, file = locate(loc, self.raw)
        source, problem = _blame(self.source, file, problem)
        raise InputError(source, path or "(øverste nivå)", problem)

    def check(self, condition: bool, loc: Sequence[Any], problem: str) -> None:
        if not condition:
            self.fail(loc, problem)

    def choice(self, value: str, choices: Iterable[str], loc: Sequence[Any]) -> str:
        choices = list(choices)
        if value not in choices:
            self.fail(loc, f"ukjent verdi {shown(value)}; gyldige: {listing(choices)}")
        return value


def _model_at(model: type[BaseModel], loc: Sequence[Any]) -> type[BaseModel] | None:
    """The model class reached by following ``loc`` through ``model``'s fields."""
    current: Any = model
    for part in loc:
        if _is_tag(part):
            continue
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            if part not in current.model_fields:
                return None
            current = current.model_fields[part].annotation
        else:
            origin = typing.get_origin(current)
            args = typing.get_args(current)
            if origin in (list, tuple, Sequence) and args:
                current = args[0]
            elif origin is dict and args:
                current = args[1]
            else:
                return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    """Strip Annotated and Optional; for a union, the first model class in it."""
    while typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        models = [a for a in (_unwrap(a) for a in args) if isinstance(a, type) and issubclass(a, BaseModel)]
        if models:
            return models[0]
        return _unwrap(args[0]) if len(args) == 1 else tp
    return tp


def _allowed(model: type[BaseModel] | None) -> str:
    return ", ".join(sorted(model.model_fields)) if model is not None else ""


def message(model: type[BaseModel], err: dict, data: Any) -> tuple[str, str]:
    """(key path, problem) in bokmål for one pydantic error of ``model`` on ``data``."""
    loc = tuple(err["loc"])
    kind = err["type"]
    value = err.get("input")
    if kind == "missing":
        parent = key_path(loc[:-1], data)
        return parent or "(øverste nivå)", f"mangler nøkkelen '{loc[-1]}'"
    if kind == "extra_forbidden":
        return key_path(loc, data), f"ukjent nøkkel; tillatt her: {_allowed(_model_at(model, loc[:-1]))}"
    path = key_path(loc, data) or "(øverste nivå)"
    if kind in ("int_type", "float_type", "string_type", "bool_type", "literal_error", "int_from_float"):
        return path, f"{shown(value)} har feil type ({kind_of(value)})"
    if kind.startswith("pm_"):
        return path, err["msg"]
    if kind in ("dict_type", "model_type", "model_attributes_type", "mapping_type"):
        return path, f"forventet en tabell (nøkkel: verdi), fikk {kind_of(value)}"
    if kind in ("list_type", "tuple_type", "sequence_str"):
        return path, f"forventet en liste, fikk {kind_of(value)}"
    if kind in ("too_short", "too_long"):
        ctx = err.get("ctx", {})
        n = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        return path, f"forventet {'minst' if kind == 'too_short' else 'høyst'} {n} element(er)"
    if kind == "value_error":
        return path, str(err["msg"]).removeprefix("Value error, ")
    if kind == "union_tag_invalid":
        return path, f"{shown(value)} har feil form"
    return path, str(err["msg"])


def validate(model: type[BaseModel], data: Any, source: str, context: dict | None = None):
    """Validate parsed YAML ``data`` against ``model``; the first problem becomes an
    :class:`InputError` (``source: key.path: what was wrong; what was expected``)."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        path, problem = message(model, err, data)
        file = locate(tuple(err["loc"]) if err["type"] not in ("missing",) else tuple(err["loc"])[:-1], data)[1]
        source, problem = _blame(str(source), file, problem)
        raise InputError(source, path, problem) from None


def json_schema(model: type[BaseModel], title: str, description: str = "") -> dict:
    """JSON Schema (draft 2020-12) of a file model, for editors."""
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = title
    if description:
        schema["description"] = description
    return schema
