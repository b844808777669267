"""Strict YAML: duplicate keys are errors and every mapping knows the line of each key.

PyYAML's default loader silently keeps the last of two duplicate keys and turns ``0301`` into
an int and ``NO`` into False. :func:`load_strict` refuses duplicates (naming the key path and
both lines); the file schemas (:mod:`planmodel.core.schema`) then require codes to be strings,
so an unquoted code is caught with a clear message, and use the recorded lines in every error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        problem = str(exc.problem).replace("duplicate key", "nøkkelen finnes to ganger:").replace(
            "(first on line", "(første gang på linje")
        path = _key_path_at_line(text, line) if line else None
        where = f"{path} (linje {line})" if path else f"linje {line or '?'}"
        raise InputError(name, where, problem) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"linje {mark.line + 1}, kolonne {mark.column + 1}" if mark else ""
        raise InputError(name, where, f"ugyldig YAML: {getattr(exc, 'problem', exc)}") from None


def _key_path_at_line(text: str, line: int) -> str | None:
    """Key path (``services.threshold``) of the mapping key on ``line`` (1-based), or None."""
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None

    def walk(node, prefix: str) -> str | None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                path = f"{prefix}.{key.value}" if prefix else str(key.value)
                if key.start_mark.line + 1 == line:
                    return path
                found = walk(value, path)
                if found:
                    return found
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                found = walk(item, f"{prefix}[{i}]")
                if found:
                    return found
        return None

    return walk(root, "")


def dump_yaml(data: Any) -> str:
    """YAML text of plain data, in key order; text that YAML would read as something else (codes
    such as ``"0301"``, ``yes``, ``null``) is quoted so that it stays text."""

    class _Dumper(yaml.SafeDumper):
        pass

    def _str(dumper, value):
        style = '"' if value.isdigit() or value.lower() in {"yes", "no", "on", "off", "true", "false", "null", "~", ""} \
            else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
