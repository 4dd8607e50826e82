"""Reading and writing Gatewright's files safely: size limits, clear errors, atomic saves."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Hashable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from app.spec.jsondata import loads
from app.spec.problems import Problem, problems_from
from app.spec.types import bounded_int

MAX_INPUT_BYTES = 16 * 1024 * 1024
"""Largest input file read (16 MiB); a 1,000-node SOP is well under 1 MiB."""

YAML_SUFFIXES = (".yaml", ".yml")
_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)", re.ASCII)
_DECIMAL_FLOAT = re.compile(
    r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
    re.ASCII,
)
"""The numbers YAML input may hold: decimal literals, as in JSON (plus YAML's ``.inf`` and
``.nan``, which number fields then refuse by name)."""


class InputError(Exception):
    """Input that cannot be used; ``str()`` is one sentence naming the file and the place."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems or [Problem((), "cannot be used")]
        super().__init__(str(self))

    @classmethod
    def single(cls, source: str, message: str, path: tuple[Any, ...] = ()) -> InputError:
        return cls(source, [Problem(path, message)])

    def __str__(self) -> str:
        first = self.problems[0]
        where = f"{first.where}: " if first.where else ""
        more = len(self.problems) - 1
        tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        return f"{self.source}: {where}{first.message}{tail}"

    def lines(self, limit: int = 10) -> list[str]:
        """Every problem on its own line, up to ``limit``."""
        shown = [f"{self.source}: {problem}" for problem in self.problems[:limit]]
        if len(self.problems) > limit:
            shown.append(f"... and {len(self.problems) - limit} more")
        return shown


class SaveError(Exception):
    """A file that could not be written; the previous version is left untouched."""


def read_text(path: str | os.PathLike[str], limit: int = MAX_INPUT_BYTES) -> str:
    """The UTF-8 text of a file, or an :class:`InputError` saying plainly why not."""
    source = str(path)
    file = Path(path)
    try:
        if file.is_dir():
            raise InputError.single(source, "is a folder, not a file")
        if file.exists() and not file.is_file():  # a pipe or device could block forever
            raise InputError.single(source, "is not a regular file")
        with open(file, "rb") as stream:
            data = stream.read(limit + 1)
    except FileNotFoundError:
        raise InputError.single(source, "does not exist") from None
    except PermissionError:
        raise InputError.single(source, "cannot be read: permission denied") from None
    except IsADirectoryError:
        raise InputError.single(source, "is a folder, not a file") from None
    except OSError as error:
        raise InputError.single(source, f"cannot be read: {error.strerror or error}") from None
    if len(data) > limit:
        raise InputError.single(
            source,
            f"is larger than the {limit // (1024 * 1024)} MiB limit for Gatewright input files",
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:1024]:
        looks = "UTF-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "UTF-16 or binary"
        raise InputError.single(
            source, f"is not UTF-8 text (it looks like {looks}); save it with UTF-8 encoding"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError.single(
            source,
            f"is not UTF-8 text (byte {error.start} is 0x{data[error.start]:02x}); "
            "save it with UTF-8 encoding",
        ) from None


def parse_json(text: str, source: str) -> Any:
    if not text.strip():
        raise InputError.single(source, "is empty; a Gatewright file holds one JSON object")
    try:
        return loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        # json's messages end in "at" (where follows in its own format): drop it.
        detail = re.sub(r"( starting)? at$", "", error.msg[0].lower() + error.msg[1:])
        hints = []
        if detail == "invalid control character" and text[error.pos : error.pos + 1] in "\r\n":
            detail, hints = "a line break inside a string", ["is a closing quote missing?"]
        before = text[: error.pos].rstrip()
        if error.pos >= len(text.rstrip()) or detail == "unterminated string":
            hints.append("the file ends too early: is it truncated?")
        elif text.startswith(("//", "/*", "#"), error.pos):
            hints.append("JSON does not allow comments")
        elif before.endswith(",") and text.startswith(("}", "]"), error.pos):
            hints.append("remove the comma before it: JSON does not allow a trailing comma")
        if hints:
            detail += f" ({'; '.join(hints)})"
        raise InputError.single(source, f"{where}: invalid JSON: {detail}") from None
    except ValueError as error:  # a duplicate key
        raise InputError.single(source, f"invalid JSON: {error}") from None
    except RecursionError:
        raise InputError.single(source, "invalid JSON: nested too deeply") from None


def parse_yaml(text: str, source: str) -> Any:
    import yaml  # only YAML files pay for importing it

    class _NoAliasLoader(yaml.SafeLoader):
        """Refuses anchors and aliases, which SOP files never need and YAML bombs use."""

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.events.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    "aliases (*name) are not allowed in Gatewright files",
                    event.start_mark,
                )
            return super().compose_node(parent, index)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            """A mapping, refusing a key that appears twice (YAML would keep the last)."""
            seen: set[Any] = set()
            for key_node, _value in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # ``<<``: PyYAML merges it below
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, Hashable):
                    continue  # refused below, with its place
                if key in seen:
                    problem = f"the key {key!r} appears twice in one mapping; keep one"
                    raise yaml.constructor.ConstructorError(
                        None, None, problem, key_node.start_mark
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

        def construct_yaml_int(self, node: Any) -> Any:
            read = super().construct_yaml_int
            self._decimal(node, _DECIMAL_INT, read)
            return bounded_int(node.value, lambda _text: read(node))  # as in JSON

        def construct_yaml_float(self, node: Any) -> Any:
            read = super().construct_yaml_float
            self._decimal(node, _DECIMAL_FLOAT, read)
            return read(node)

        def _decimal(self, node: Any, form: re.Pattern[str], read: Any) -> None:
            """Refuse YAML 1.1's other ways to write a number (``1_0``, ``0x1F``, ``017``,
            ``1:30``): a value must mean what it says to the person reading the file."""
            if isinstance(node.value, str) and not form.fullmatch(node.value):
                meant = ""
                if len(node.value) <= 40:  # say what it would have meant, briefly
                    with suppress(ValueError, OverflowError):
                        meant = f" (YAML 1.1 would read it as {read(node)!r})"
                problem = (
                    f"the number {node.value} is not a decimal number{meant}; write it with "
                    "the digits 0-9 only, or quote it to keep it as text"
                )
                raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark)

    _NoAliasLoader.add_constructor("tag:yaml.org,2002:int", _NoAliasLoader.construct_yaml_int)
    _NoAliasLoader.add_constructor("tag:yaml.org,2002:float", _NoAliasLoader.construct_yaml_float)

    try:
        return yaml.load(text, Loader=_NoAliasLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        context = ""
        if error.context and error.context_mark and error.context_mark is not mark:
            context = f" ({error.context} starting on line {error.context_mark.line + 1})"
        if "'\\t'" in str(error.problem):
            context += " (indent YAML with spaces, not tabs)"
        raise InputError.single(source, f"{where}invalid YAML: {error.problem}{context}") from None
    except RecursionError:
        raise InputError.single(source, "invalid YAML: nested too deeply") from None
    except yaml.YAMLError as error:
        raise InputError.single(source, f"invalid YAML: {error}") from None


def parse_data(text: str, source: str) -> Any:
    """Parse JSON, or YAML when ``source`` ends in .yaml or .yml."""
    if source.lower().endswith(YAML_SUFFIXES):
        return parse_yaml(text, source)
    return parse_json(text, source)


def validate_data(schema: type[BaseModel] | TypeAdapter[Any], data: Any, source: str) -> Any:
    """Validate parsed data into a model, turning every error into a located problem."""
    try:
        if isinstance(schema, TypeAdapter):
            return schema.validate_python(data)
        return schema.model_validate(data)
    except ValidationError as error:
        raise InputError(source, problems_from(error, data)) from None
    except RecursionError:
        raise InputError.single(source, "is nested too deeply to be used") from None
    except OverflowError:  # an integer too large for a float (from YAML)
        raise InputError.single(source, "holds a number too large to be used") from None


def load_model(schema: type[BaseModel] | TypeAdapter[Any], path: str | os.PathLike[str]) -> Any:
    """Read, parse and validate one file; every failure is an :class:`InputError`."""
    source = str(path)
    return validate_data(schema, parse_data(read_text(path), source), source)


_INPUTS: ContextVar[tuple[Path, ...]] = ContextVar("gatewright_inputs", default=())
"""The files the running command reads: no output may replace one (see ``inputs_kept``)."""


@contextmanager
def inputs_kept(*paths: str | os.PathLike[str] | None) -> Iterator[None]:
    """While inside, every write refuses to replace one of ``paths`` (the SOP being
    exported or compiled, say): ``-o`` naming the input by mistake, or through a link,
    gets a clear error instead of a PDF where the SOP was."""
    kept = tuple(Path(p) for p in paths if p is not None)
    token = _INPUTS.set(_INPUTS.get() + kept)
    try:
        yield
    finally:
        _INPUTS.reset(token)


def refuse_inputs(target: Path) -> None:
    """A :class:`SaveError` when ``target`` is one of the files ``inputs_kept`` protects."""
    for source in _INPUTS.get():
        try:
            same = os.path.samefile(target, source)  # links and other spellings too
        except OSError:  # one of them does not exist (yet): compare where they would be
            same = target.resolve() == source.resolve()
        if same:
            raise SaveError(
                f"{target}: is the input file {source}; writing there would replace it, "
                "so choose another output"
            )


def ready_to_write(files: list[Path]) -> None:
    """A :class:`SaveError` unless every one of ``files`` can be written as a file: none is
    an input (``inputs_kept``), a folder, or under a file standing where a folder must be.
    Exports writing several files ask this first, so that they write all or nothing."""
    for path in files:
        refuse_inputs(path)
        if path.exists() and not path.is_file():
            raise SaveError(f"{path}: is in the way (not a file); move it or choose another place")
        existing = path.parent.absolute()
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            raise SaveError(f"{path}: {existing} is a file, not a folder")


def write_atomic(path: str | os.PathLike[str], data: str | bytes, backup: bool = False) -> None:
    """Replace ``path`` with ``data`` all at once: readers see the old file or the new one.

    The data goes to a temporary file in the same folder, is flushed and fsynced, then
    moved over the target with ``os.replace``. With ``backup``, the previous version is
    kept as ``path.bak``. On any failure the previous file is left as it was.
    """
    target = Path(path)
    refuse_inputs(target)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if target.is_dir():
        raise SaveError(f"{target}: is a folder; choose a file name")
    if target.exists() and not target.is_file():
        _write_through(target, payload)  # a device or a pipe (/dev/stdout): never replaced
        return
    if target.is_symlink():
        target = target.resolve()  # save the file the link points to; the link stays
    folder = target.parent if str(target.parent) else Path(".")
    try:
        descriptor, temporary = _temporary_beside(target)
    except FileNotFoundError:
        raise SaveError(f"{target}: the folder {folder} does not exist") from None
    except OSError as error:
        raise SaveError(f"{target}: cannot write in {folder}: {error.strerror}") from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        if target.exists():
            shutil.copymode(target, temporary)
            if backup:
                shutil.copy2(target, f"{target}.bak")
        os.replace(temporary, target)
        sync_to_disk(folder)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise SaveError(f"{target}: could not be saved: {error.strerror or error}") from None
        raise


def write_quick(path: Path, text: str) -> None:
    """Replace ``path`` atomically without waiting for the disk: what survives a killed
    process (the recovery journal's many small writes); :func:`sync_to_disk` then makes it
    survive a power cut too. Errors are the OSError itself."""
    descriptor, temporary = _temporary_beside(path)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _temporary_beside(target: Path) -> tuple[int, str]:
    """A new, empty file in ``target``'s folder, opened for writing, with the mode a new
    file gets: the kernel applies the umask to 0o666, so no thread has to change the
    process's umask to learn it (tempfile's 0600 files would need that)."""
    folder = target.parent if str(target.parent) else Path(".")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        name = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(name, flags, 0o666), str(name)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target}")


def _write_through(target: Path, payload: bytes) -> None:
    try:
        with open(target, "wb") as stream:
            stream.write(payload)
    except OSError as error:
        raise SaveError(f"{target}: could not be written: {error.strerror or error}") from None


def sync_to_disk(path: Path) -> None:
    """fsync ``path`` (a file or a folder) and, for a file, its folder, so that a power cut
    keeps what was written and the name it was given. Best effort: a file system that
    cannot fsync (some network shares) is no reason to fail a save."""
    targets = [path] if path.is_dir() else [path, path.parent]
    for target in targets:
        try:
            descriptor = os.open(target, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.fsync(descriptor)
        except OSError:
            pass
        finally:
            os.close(descriptor)
