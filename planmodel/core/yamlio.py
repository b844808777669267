"""Strict YAML: duplicate keys are errors, every value knows its line, and a small schema
checker reports the file, the key path and what was expected.

PyYAML's default loader silently keeps the last of two duplicate keys and turns ``0301`` into
an int and ``NO`` into False. ``load_strict`` refuses duplicates, and the schema checks below
require codes to be strings, so an unquoted code is caught with a clear message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import yaml

from planmodel.core.errors import InputError


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~10x faster


class _StrictLoader(_Base):
    """Safe loader that rejects duplicate keys and remembers line numbers of mapping keys."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    out = LineDict()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {seen[key]})", key_node.start_mark)
        seen[key] = line
        out[key] = loader.construct_object(value_node, deep=deep)
        out.lines[key] = line
    return out


class LineDict(dict):
    """A dict that also knows the line of each key (``.lines[key]``)."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.lines: dict[Any, int] = {}


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_strict(path: str | Path, text: str | None = None) -> Any:
    """Load a YAML file strictly; syntax errors and duplicate keys become :class:`InputError`.

    Parameters
    ----------
    path : file to read (also the name used in messages).
    text : YAML text to parse instead of reading ``path``.
    """
    name = str(path)
    if text is None:
        p = Path(path)
        if not p.exists():
            raise InputError(name, "", "filen finnes ikke")
        text = p.read_text(encoding="utf-8")
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - strict SafeLoader subclass
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else "?"
        problem = str(exc.problem).replace("duplicate key", "nøkkelen finnes to ganger:").replace(
            "(first on line", "(første gang på linje")
        raise InputError(name, f"linje {line}", problem) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"linje {mark.line + 1}, kolonne {mark.column + 1}" if mark else ""
        raise InputError(name, where, f"ugyldig YAML: {getattr(exc, 'problem', exc)}") from None


class Checker:
    """Schema checks with key paths: ``Checker("x.yaml").keys(d, "services.barnehage", ...)``."""

    def __init__(self, source: str | Path):
        self.source = str(source)

    def fail(self, path: str, problem: str) -> None:
        raise InputError(self.source, path, problem)

    def mapping(self, value: Any, path: str) -> dict:
        if not isinstance(value, dict):
            self.fail(path, f"forventet en tabell (nøkkel: verdi), fikk {_kind(value)}")
        return value

    def keys(self, d: dict, path: str, required: Iterable[str], optional: Iterable[str] = ()) -> None:
        required, optional = list(required), list(optional)
        allowed = set(required) | set(optional)
        for key in d:
            if key not in allowed:
                where = f"{path}.{key}" if path else str(key)
                self.fail(where, f"ukjent nøkkel; tillatt her: {', '.join(sorted(allowed))}")
        for key in required:
            if key not in d:
                self.fail(path or "(øverste nivå)", f"mangler nøkkelen '{key}'")

    def number(self, value: Any, path: str, lo: float | None = None, hi: float | None = None,
               what: str = "et tall") -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(path, f"{value!r} er ikke {what}")
        if lo is not None and value < lo or hi is not None and value > hi:
            span = f"mellom {lo:g} og {hi:g}" if lo is not None and hi is not None else (
                f"minst {lo:g}" if lo is not None else f"høyst {hi:g}")
            self.fail(path, f"{value!r} er utenfor gyldig område; forventet {what} {span}")
        return float(value)

    def share(self, value: Any, path: str) -> float:
        return self.number(value, path, 0.0, 1.0, "en andel")

    def string(self, value: Any, path: str, choices: Iterable[str] | None = None) -> str:
        if not isinstance(value, str):
            hint = " (sett koder i anførselstegn, for eksempel \"0301\")" if isinstance(value, (int, float)) else ""
            self.fail(path, f"{value!r} er ikke tekst{hint}")
        if choices is not None:
            choices = list(choices)
            if value not in choices:
                self.fail(path, f"ukjent verdi {value!r}; gyldige: {', '.join(choices)}")
        return value

    def boolean(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            self.fail(path, f"{value!r} er ikke true/false")
        return value

    def sequence(self, value: Any, path: str) -> list:
        if not isinstance(value, list):
            self.fail(path, f"forventet en liste, fikk {_kind(value)}")
        return value


def _kind(value: Any) -> str:
    return {dict: "en tabell", list: "en liste", str: "tekst", bool: "true/false", type(None): "ingenting"}.get(
        type(value), type(value).__name__)
