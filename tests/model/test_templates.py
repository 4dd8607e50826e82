"""Every built-in template loads, validates clean, round-trips, and matches the JSON Schema."""

from __future__ import annotations

import json

import jsonschema
import pytest

from app.model.io import dumps_document, loads_document
from app.model.schema import sop_schema
from app.model.templates import (
    UnknownTemplateError,
    list_templates,
    load_template,
    template_ids,
    template_text,
)
from app.validate.engine import validate

EXPECTED = {
    "deployment-gate",
    "deployment-approval",
    "rollback-procedure",
    "continuous-quality-gates",
    "automated-pipeline",
    "financial-credit-model",
    "healthcare-diagnostic",
    "startup-lightweight",
    "ecommerce-recommendation",
    "internal-productivity-tool",
}


def test_the_library_holds_every_template() -> None:
    assert set(template_ids()) >= EXPECTED


@pytest.mark.parametrize("template_id", sorted(EXPECTED))
def test_template_round_trips_byte_for_byte(template_id: str) -> None:
    text = template_text(template_id)
    assert dumps_document(loads_document(text)) == text


@pytest.mark.parametrize("template_id", sorted(EXPECTED))
def test_template_is_clean(template_id: str) -> None:
    doc = load_template(template_id)
    assert doc.id == template_id
    assert validate(doc) == []


@pytest.mark.parametrize("template_id", sorted(EXPECTED))
def test_template_matches_the_published_schema(template_id: str) -> None:
    jsonschema.validate(json.loads(template_text(template_id)), sop_schema())


@pytest.mark.parametrize("template_id", sorted(EXPECTED))
def test_template_places_every_node(template_id: str) -> None:
    doc = load_template(template_id)
    assert set(doc.layout) == {node.id for node in doc.nodes}
    spots = {(round(p.x / 40), round(p.y / 40)) for p in doc.layout.values()}
    assert len(spots) == len(doc.nodes), "two nodes sit on top of each other"


def test_list_templates_gives_title_and_one_sentence_summary() -> None:
    infos = {info.id: info for info in list_templates()}
    assert infos["deployment-gate"].title
    for info in infos.values():
        assert info.summary.endswith(".") and len(info.summary) < 240


def test_unknown_template_lists_the_choices() -> None:
    with pytest.raises(UnknownTemplateError, match="deployment-gate"):
        template_text("nope")
