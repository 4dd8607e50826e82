"""The built-in template library, read from the ``sop_templates`` package (checkout or wheel)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from app.model.document import Sop
from app.model.io import loads_document
from app.spec.jsondata import loads

SUFFIX = ".sop.json"


class UnknownTemplateError(LookupError):
    """No built-in template has this id."""


@dataclass(frozen=True)
class TemplateInfo:
    """What the template gallery and ``gatewright templates`` show."""

    id: str
    title: str
    summary: str


def _files() -> dict[str, resources.abc.Traversable]:
    folder = resources.files("sop_templates")
    return {
        entry.name.removesuffix(SUFFIX): entry
        for entry in folder.iterdir()
        if entry.name.endswith(SUFFIX)
    }


def _summary(description: str) -> str:
    """The first sentence: up to a full stop followed by a capitalised word."""
    first = re.split(r"(?<=[.!?])\s+(?=[A-Z])", description.strip(), maxsplit=1)[0].strip()
    return first if first.endswith((".", "!", "?")) else first + "."


def template_ids() -> list[str]:
    return sorted(_files())


def list_templates() -> list[TemplateInfo]:
    """Every built-in template, sorted by id, read without full validation (fast)."""
    infos = []
    for template_id, entry in sorted(_files().items()):
        data = loads(entry.read_text(encoding="utf-8"))
        infos.append(
            TemplateInfo(
                template_id, data.get("title", template_id), _summary(data.get("description", ""))
            )
        )
    return infos


def template_text(template_id: str) -> str:
    files = _files()
    if template_id not in files:
        raise UnknownTemplateError(
            f"there is no template {template_id!r}; choose one of: {', '.join(sorted(files))}"
        )
    return files[template_id].read_text(encoding="utf-8")


def load_template(template_id: str) -> Sop:
    """A fresh, validated document from a built-in template."""
    return loads_document(template_text(template_id), f"template {template_id}")
