"""Built-in simulation scenarios and drills (package data), or files given by path."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from app.simulate.drill import DrillScenario
from app.simulate.scenario import Scenario
from app.spec.fileio import InputError, load_model, parse_data, validate_data

M = TypeVar("M", bound=BaseModel)
FOLDERS = {Scenario: "scenarios", DrillScenario: "drills"}


def builtin_ids(model: type[BaseModel]) -> list[str]:
    folder = resources.files("sop_templates") / FOLDERS[model]
    return sorted(
        e.name.removesuffix(".json") for e in folder.iterdir() if e.name.endswith(".json")
    )


def _safely(check: Callable[[], bool]) -> bool:
    """``check()`` (``is_file``, ``is_dir``), False where the file system cannot answer
    (a name too long for it, say)."""
    try:
        return check()
    except OSError:
        return False


def builtin(model: type[M], name: str) -> M:
    """A built-in scenario or drill by id (the designer's lists offer only these)."""
    entry = resources.files("sop_templates") / FOLDERS[model] / f"{name}.json"
    if not _safely(entry.is_file):
        kind = "scenario" if model is Scenario else "drill"
        raise InputError.single(
            name,
            f"there is no built-in {kind} {name!r}; choose one of: "
            f"{', '.join(builtin_ids(model))}, or give a file path",
        )
    source = f"{FOLDERS[model]}/{name}.json"
    return validate_data(model, parse_data(entry.read_text(encoding="utf-8"), source), source)


def load_builtin(model: type[M], name: str) -> M:
    """A scenario or drill from a file path (a name that is an existing file, has a path
    separator or ends in .json, .yaml or .yml), else a built-in one by id."""
    path = Path(name)
    if _safely(path.is_dir):
        raise InputError.single(name, "is a folder; give a scenario or drill file, or an id")
    if path.suffix.lower() in (".json", ".yaml", ".yml") or "/" in name or _safely(path.is_file):
        return load_model(model, name)
    return builtin(model, name)
