"""Strict YAML: duplicate keys are errors and every mapping knows the line of each key.

PyYAML's default loader silently keeps the last of two duplicate keys and turns ``0301`` into
an int and ``NO`` into False. :func:`load_strict` refuses duplicates (naming the key path and
both lines); the file schemas (:mod:`planmodel.core.schema`) then require codes to be strings,
so an unquoted code is caught with a clear message, and use the recorded lines in every error.

Before any YAML is parsed, :func:`read_input_bytes` checks that the path is a regular file (not
a folder, not a device such as ``/dev/zero``) under a size cap, and :func:`decode_text` that it
is UTF-8 (Latin-1 and UTF-16 files are named with how to fix them). Anchors and aliases
(``&a`` / ``*a``) and nesting deeper than :data:`MAX_DEPTH` are refused before anything is
built, so that no small file expands into millions of values; a leading-zero number such as
``0301`` keeps its digits (:class:`CodeInt`) so that a message can show it as written.
"""

from __future__ import annotations

import stat as _stat
from pathlib import Path
from typing import Any

import yaml

from planmodel.core.errors import InputError

#: The largest input text file planmodel reads (bytes); YAML files are far smaller.
MAX_FILE_BYTES = 20_000_000


def read_input_bytes(path: str | Path, name: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of an input file, after checking that ``path`` names a regular file (not a
    folder or a device such as ``/dev/zero``) of at most ``max_bytes``; every problem is an
    :class:`InputError` naming the file."""
    name = str(path) if name is None else name
    text_path = str(path)
    if "\0" in text_path:
        raise InputError(name.replace("\0", "\\0"), "", "filnavnet inneholder et nulltegn (\\0); oppgi et vanlig filnavn")
    p = Path(text_path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(name, "", "filen finnes ikke") from None
    except OSError as exc:
        raise InputError(name, "", f"kan ikke lese filen ({exc.strerror or exc})") from None
    if _stat.S_ISDIR(st.st_mode):
        raise InputError(name, "", "dette er en mappe; forventet en fil")
    if not _stat.S_ISREG(st.st_mode):
        raise InputError(name, "", "dette er ikke en vanlig fil (men for eksempel en enhet eller et rør); "
                                   "forventet en fil")
    if st.st_size > max_bytes:
        raise InputError(name, "", f"filen er {st.st_size / 1e6:.1f} MB; forventet høyst {max_bytes / 1e6:g} MB")
    try:
        with open(p, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(name, "", f"kan ikke lese filen ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise InputError(name, "", f"filen er større enn {max_bytes / 1e6:g} MB")
    return data


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 text of an input file (a UTF-8 byte-order mark is allowed); UTF-16 and Latin-1 /
    Windows-1252 files are refused with the line of the first bad byte and how to fix it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(name, "", "filen er lagret som UTF-16; lagre den som UTF-8 (i Notisblokk: «Lagre som», "
                                   "koding UTF-8)")
    if b"\0" in data:
        line = data[:data.index(b"\0")].count(b"\n") + 1
        raise InputError(name, f"linje {line}", "filen inneholder nulltegn (lagret som UTF-16?); lagre den som UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        hint = "UTF-16" if data[:200].count(b"\0") > 10 else "Latin-1 eller Windows-1252"
        raise InputError(name, f"linje {line}", f"byte 0x{data[exc.start]:02x} er ikke UTF-8 (filen ser ut til å være "
                                                f"lagret som {hint}); lagre den som UTF-8") from None


def read_input_text(path: str | Path, name: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of an input file (see :func:`read_input_bytes` and :func:`decode_text`)."""
    name = str(path) if name is None else name
    return decode_text(read_input_bytes(path, name, max_bytes), name)


class CodeInt(int):
    """A YAML integer written with a leading zero (``0301``): YAML 1.1 reads it as an octal
    number (193); planmodel keeps the digits as written (``.text``) so that a message can show
    them and say to quote the code."""

    text: str = ""

    def __repr__(self) -> str:
        return self.text or int.__repr__(self)


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
    """A dict that also knows the line of each key (``.lines[key]``) and, for a key merged in
    from another file (a baseline), that file (``.files[key]``)."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.lines: dict[Any, int] = {}
        self.files: dict[Any, str | None] = {}


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _construct_int(loader: _StrictLoader, node: yaml.ScalarNode) -> int:
    text = str(node.value).replace("_", "")
    digits = text.lstrip("+-")
    if len(digits) > 1 and digits.startswith("0") and digits.isdigit():
        out = CodeInt(int(text, 10))  # as written (YAML 1.2), never octal
        out.text = str(node.value)
        return out
    return yaml.SafeLoader.construct_yaml_int(loader, node)


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)

#: Deepest nesting of lists and tables in a YAML file.
MAX_DEPTH = 40
#: Most values a YAML file may hold once its aliases are expanded (files that allow aliases).
MAX_NODES = 1_000_000


def _check_events(text: str, name: str, aliases: bool) -> None:
    """Refuse (``aliases=False``) or bound (at most :data:`MAX_NODES` values once expanded)
    anchors and aliases (``&a`` / ``*a``: a small file could otherwise expand to millions of
    values), and refuse nesting deeper than :data:`MAX_DEPTH` — before anything is built, in
    one pass over the parser's events (nothing is expanded)."""
    sizes: dict[str, int] = {}
    stack: list[list] = []  # [anchor, values so far] of each open list or table
    for ev in yaml.parse(text, Loader=_Base):
        line = ev.start_mark.line + 1
        if not aliases and (isinstance(ev, yaml.AliasEvent) or getattr(ev, "anchor", None) is not None):
            raise InputError(name, f"linje {line}", f"YAML-ankre og -aliaser (&{ev.anchor} / *{ev.anchor}) er ikke "
                                                   "tillatt; skriv verdiene ut")
        if isinstance(ev, yaml.CollectionStartEvent):
            stack.append([ev.anchor, 1])
            if len(stack) > MAX_DEPTH:
                raise InputError(name, f"linje {line}", f"lister og tabeller er nestet mer enn {MAX_DEPTH} nivåer dypt")
            continue
        if isinstance(ev, yaml.CollectionEndEvent):
            anchor, n = stack.pop()
        elif isinstance(ev, yaml.AliasEvent):
            anchor, n = None, sizes.get(ev.anchor, 1)
        elif isinstance(ev, yaml.ScalarEvent):
            anchor, n = ev.anchor, 1
        else:
            continue
        if anchor is not None:
            sizes[anchor] = n
        if stack:
            stack[-1][1] += n
            if stack[-1][1] > MAX_NODES:
                raise InputError(name, f"linje {line}", f"aliasene (*navn) gir mer enn {MAX_NODES:,} verdier; "
                                                       "skriv verdiene ut eller del opp filen".replace(",", " "))


def load_strict(path: str | Path, text: str | None = None, aliases: bool = True) -> Any:
    """Load a YAML file strictly; syntax errors and duplicate keys become :class:`InputError`.

    Parameters
    ----------
    path : file to read (also the name used in messages).
    text : YAML text to parse instead of reading ``path``.
    aliases : allow anchors and aliases (bounded: :data:`MAX_NODES` values once expanded);
        False refuses them (scenario files, which are merged through their baselines).
    """
    name = str(path).replace("\0", "\\0")
    if text is None:
        text = read_input_text(path, name)
    try:
        _check_events(text, name, aliases)
        loader = _StrictLoader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
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
        raise InputError(name, where, yaml_problem(exc, text)) from None
    except RecursionError:
        raise InputError(name, "", f"lister og tabeller er nestet for dypt (høyst {MAX_DEPTH} nivåer)") from None


def yaml_problem(exc: yaml.YAMLError, text: str) -> str:
    """A PyYAML error in bokmål where the cause is a common one (tab indent, bad character)."""
    problem = str(getattr(exc, "problem", None) or exc)
    mark = getattr(exc, "problem_mark", None)
    char = ""
    if mark is not None:
        lines = text.splitlines()
        if 0 <= mark.line < len(lines) and 0 <= mark.column < len(lines[mark.line]):
            char = lines[mark.line][mark.column]
    if char == "\t" or "tab" in problem or "\t" in problem:
        return "tabulator er ikke tillatt i YAML; bruk mellomrom til innrykk"
    if "nesting depth" in problem:
        return f"lister og tabeller er nestet for dypt (høyst {MAX_DEPTH} nivåer)"
    if "cannot start any token" in problem:
        return f"tegnet {char!r} kan ikke stå her (ugyldig YAML); sett teksten i anførselstegn" if char \
            else "ugyldig YAML: et tegn som ikke kan stå her"
    if "unacceptable character" in problem or "special characters are not allowed" in problem:
        return "filen inneholder et kontrolltegn som ikke er tillatt i YAML"
    if "mapping values are not allowed" in problem:
        return "ugyldig YAML: kolon på feil sted (mangler mellomrom etter kolon eller anførselstegn rundt teksten?)"
    if "could not find expected ':'" in problem or "expected <block end>" in problem:
        return f"ugyldig YAML: innrykket eller strukturen stemmer ikke ({problem})"
    return f"ugyldig YAML: {problem}"


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
        def ignore_aliases(self, data):  # never write &id001 / *id001: load_strict refuses them
            return True

    def _str(dumper, value):
        style = '"' if value.isdigit() or value.lower() in {"yes", "no", "on", "off", "true", "false", "null", "~", ""} \
            else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
