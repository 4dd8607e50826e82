"""Safe YAML for the pipeline exports: every string quoted, scripts as literal blocks,
comments where asked, no anchors, and checked to read back as exactly the data.

The text is what PyYAML writes with :class:`ReferenceDumper` (lists indented under their
key), byte for byte; a small emitter of our own writes it, since PyYAML's pure-Python
emitter took most of a minute for a 10,000-node SOP. Anything outside what that emitter
knows (keys too long for a simple key, blocks needing chomping indicators, strings long
enough to be folded) goes through PyYAML itself. The read-back check parses with libyaml
when PyYAML has it (see ``READ_BACK_LIMIT``).
"""

from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

COMMENT_WIDTH = 92
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Block(str):
    """Text written as a YAML literal block (``|``), e.g. a file's content."""


class Script(Block):
    """A constant shell script, written as a literal block; it never holds user text."""


@dataclass(frozen=True)
class Commented:
    """A mapping value or list item with comment lines written just above it."""

    value: Any
    lines: tuple[str, ...]


def comment(lines: list[str], indent: int = 0, width: int = COMMENT_WIDTH) -> str:
    """Comment lines (each already one line) at ``indent``, long ones wrapped; empty
    strings become a bare ``#``."""
    pad = " " * indent
    room = max(width - indent - 2, 40)
    out = []
    for line in lines:
        body = line.lstrip(" ")
        lead = " " * (len(line) - len(body))
        if body and len(line) <= room and body.isprintable() and not body.endswith(" "):
            out.append(f"{pad}# {line}\n")  # what textwrap would make of it, at once
            continue
        wrapped = textwrap.wrap(
            body,
            width=room,
            initial_indent=lead,
            subsequent_indent=lead + "  ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        out.extend(f"{pad}# {part}\n" for part in wrapped or [""])
    return "".join(part if part.strip() != "#" else part.rstrip(" \n") + "\n" for part in out)


# -- the reference: PyYAML ------------------------------------------------------------------

_YAML11_WORDS = {
    "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", ".inf", ".nan",
}  # fmt: skip
_PLAIN_KEY = re.compile(r"^\.?[A-Za-z_][A-Za-z0-9_./-]*$")
_WIDTH = 1_000_000
"""One string, one line: no folding of long user text."""


@lru_cache(maxsize=4096)
def plain_key(key: str) -> bool:
    """Whether a mapping key is written without quotes: a name-like key that no YAML
    reader takes for anything but a string."""
    if not _PLAIN_KEY.match(key) or key.lower() in _YAML11_WORDS:
        return False
    resolved = yaml.resolver.Resolver().resolve(yaml.ScalarNode, key, (True, False))
    return bool(resolved == "tag:yaml.org,2002:str")


class ReferenceDumper(yaml.SafeDumper):
    """Quotes every string value, keeps safe keys plain, never writes anchors or aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Lists are indented under their key, as people write workflow files.
        super().increase_indent(flow, False)

    def represent_mapping(self, tag: str, mapping: Any, flow_style: Any = None) -> yaml.Node:
        pairs = []
        node = yaml.MappingNode(tag, pairs, flow_style=flow_style)
        for key, value in mapping.items():
            if not isinstance(key, str):
                raise TypeError(f"YAML keys must be strings, got {key!r}")
            style = None if plain_key(key) else '"'
            key_node = yaml.ScalarNode("tag:yaml.org,2002:str", key, style=style)
            pairs.append((key_node, self.represent_data(value)))
        node.flow_style = self.default_flow_style if pairs else True
        return node


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    style = "|" if isinstance(text, Block) else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(text), style=style)


for _kind in (str, Block, Script):
    ReferenceDumper.add_representer(_kind, _represent_str)


def reference_dump(data: Any) -> str:
    """``data`` as PyYAML writes it with :class:`ReferenceDumper`."""
    return yaml.dump(
        data,
        Dumper=ReferenceDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=_WIDTH,
    )


# -- the fast emitter -----------------------------------------------------------------------


class _Unsupported(Exception):
    """Something only PyYAML's emitter writes right; the whole text is left to it."""


class _HasComments(Exception):
    """A :class:`Commented` part: :func:`_render` writes its comment lines."""


_ESCAPES = {
    "\0": "0", "\x07": "a", "\x08": "b", "\x09": "t", "\x0a": "n", "\x0b": "v", "\x0c": "f",
    "\x0d": "r", "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\u2028": "L", "\u2029": "P",
}  # fmt: skip
_NEEDS_ESCAPE = re.compile('["\\\\\x85\u2028\u2029\ufeff]|[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd]')
_LONGEST_STRING = _WIDTH // 2
"""Strings longer than this might be folded by PyYAML: they go through it."""
_LONGEST_KEY = 100
"""PyYAML writes keys of 128 characters or more as complex keys (``? key``)."""
_BREAKS = "\n\x85\u2028\u2029"


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _ESCAPES:
        return "\\" + _ESCAPES[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02X}"
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def _quoted(text: str) -> str:
    if len(text) > _LONGEST_STRING:
        raise _Unsupported
    return '"' + _NEEDS_ESCAPE.sub(_escape, text) + '"'


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value).lower()
    return text.replace("e", ".0e", 1) if "." not in text and "e" in text else text


def _scalar(value: Any) -> str:
    if isinstance(value, Commented):
        raise _HasComments
    if value is None:
        return "null"
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, int | float):
        return _number(value)
    raise _Unsupported


_SPECIAL = re.compile("[^\n\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010fffe]|\ufeff")
_SPACE_BREAK = re.compile(" [\n\x85\u2028\u2029]")


def _literal_allowed(text: str) -> bool:
    """PyYAML's test for a literal block: no special characters, no space before a line
    break, no trailing space (``Emitter.analyze_scalar``)."""
    return bool(text) and not (
        text.endswith(" ") or _SPECIAL.search(text) or _SPACE_BREAK.search(text)
    )


def _block(text: str, indent: int, out: list[str]) -> None:
    """A literal block after ``key: `` or ``- ``, its lines at ``indent``."""
    if not _literal_allowed(text):
        out.append(_quoted(text) + "\n")
        return
    if text[0] in " " + _BREAKS or text[-1] not in _BREAKS or text[-2:-1] in tuple(_BREAKS):
        raise _Unsupported  # indentation or chomping indicators: PyYAML's job
    if any(char in text for char in "\x85\u2028\u2029"):
        raise _Unsupported
    pad = " " * indent
    out.append("|\n")
    out.extend(f"{pad}{line}\n" if line else "\n" for line in text[:-1].split("\n"))


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"YAML keys must be strings, got {key!r}")
    text = _key_text(key)
    if text is None:
        raise _Unsupported  # not a simple key: PyYAML writes "? key"
    return text


@lru_cache(maxsize=1 << 16)
def _key_text(key: str) -> str | None:
    if not key or len(key) > _LONGEST_KEY or any(char in key for char in _BREAKS):
        return None
    return key if plain_key(key) else _quoted(key)


def _mapping(data: dict[str, Any], indent: int, out: list[str], first: str) -> None:
    """Each pair at ``indent``; the first line starts with ``first`` (a ``- `` prefix)."""
    pad = " " * indent
    lead = first
    for key, value in data.items():
        out.append(f"{lead}{_key(key)}:")
        lead = pad
        _value(value, indent, out)


def _sequence(data: list[Any], indent: int, out: list[str], first: str) -> None:
    pad = " " * indent
    lead = first
    for item in data:
        out.append(f"{lead}-")
        lead = pad
        if isinstance(item, Block):
            out.append(" ")
            _block(item, indent + 2, out)
        elif isinstance(item, dict) and item:
            _mapping(item, indent + 2, out, " ")
        elif isinstance(item, list) and item:
            _sequence(item, indent + 2, out, " ")
        else:
            out.append(f" {_collection_or_scalar(item)}\n")


def _value(value: Any, indent: int, out: list[str]) -> None:
    """What follows ``key:`` of a mapping at ``indent``."""
    if isinstance(value, Block):
        out.append(" ")
        _block(value, indent + 2, out)
    elif isinstance(value, dict) and value:
        out.append("\n")
        _mapping(value, indent + 2, out, " " * (indent + 2))
    elif isinstance(value, list) and value:
        out.append("\n")
        _sequence(value, indent + 2, out, " " * (indent + 2))
    else:
        out.append(f" {_collection_or_scalar(value)}\n")


def _collection_or_scalar(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def dump_plain(data: Any) -> str:
    """``data`` as block YAML, exactly as :func:`reference_dump` writes it (``_HasComments``
    when it holds a :class:`Commented` part)."""
    out: list[str] = []
    try:
        if isinstance(data, dict) and data:
            _mapping(data, 0, out, "")
        elif isinstance(data, list) and data:
            _sequence(data, 0, out, "")
        else:
            raise _Unsupported
    except _Unsupported:
        if _has_comments(data):
            raise _HasComments from None
        return reference_dump(data)
    return "".join(out)


# -- documents with comments ----------------------------------------------------------------


def plain(data: Any) -> Any:
    """The data without comments (what a YAML parser reads back)."""
    if isinstance(data, Commented):
        return plain(data.value)
    if isinstance(data, dict):
        return {key: plain(value) for key, value in data.items()}
    if isinstance(data, list):
        return [plain(item) for item in data]
    if isinstance(data, Block):
        return str(data)
    return data


def _has_comments(data: Any) -> bool:
    if isinstance(data, Commented):
        return True
    if isinstance(data, dict):
        return any(_has_comments(value) for value in data.values())
    if isinstance(data, list):
        return any(_has_comments(item) for item in data)
    return False


def _indent(text: str, indent: int) -> str:
    pad = " " * indent
    return "".join(pad + line if line.strip() else line for line in text.splitlines(True))


def _render(data: Any, indent: int) -> str:
    """Block YAML of ``data`` at ``indent``, with the comments of :class:`Commented` parts."""
    try:
        return _indent(dump_plain(data), indent)
    except _HasComments:
        pass  # written part by part below, each comment above its part
    parts: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            lines: tuple[str, ...] = ()
            if isinstance(value, Commented):
                lines, value = value.lines, value.value
            parts.append(comment(list(lines), indent))
            try:
                parts.append(_indent(dump_plain({key: value}), indent))
            except _HasComments:
                key_line = dump_plain({key: 0}).rstrip("\n").removesuffix(" 0")
                parts.append(" " * indent + key_line + "\n")
                parts.append(_render(value, indent + 2))
    elif isinstance(data, list):
        for item in data:
            lines = ()
            if isinstance(item, Commented):
                lines, item = item.lines, item.value
            parts.append(comment(list(lines), indent))
            try:
                parts.append(_indent(dump_plain([item]), indent))
            except _HasComments:
                raise ValueError("comments inside a list item are not supported") from None
    else:
        raise ValueError("only mappings and lists carry comments")
    return "".join(parts)


READ_BACK_LIMIT = 1 << 20
"""Texts up to this many characters (an SOP of about 1,000 nodes, past the 256 jobs GitHub
runs in one workflow) are read back and compared with the data. Reading back costs ten
times the writing (half a second to a second and a half per MiB, even with libyaml):
beyond the limit it is skipped, and the guarantees are the emitter's own, tested against
PyYAML's output byte for byte: every string double-quoted with every line break, quote
and control character escaped, keys plain only when a YAML reader takes them as strings."""


def dump_yaml(data: Any, header: list[str] | None = None) -> str:
    """YAML text: every string value double-quoted (scripts as literal blocks), no anchors,
    comments where :class:`Commented` asks, and (up to ``READ_BACK_LIMIT``) checked to read
    back as exactly ``data``."""
    text = comment(header or []) + _render(data, 0)
    if len(text) <= READ_BACK_LIMIT and yaml.load(text, Loader=_SafeLoader) != plain(data):
        raise ValueError("internal error: the YAML written does not read back as the data")
    return text
