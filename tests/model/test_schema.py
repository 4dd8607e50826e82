"""The published JSON Schema of the SOP format describes every field."""

from __future__ import annotations

import jsonschema

from app.model.schema import sop_schema


def _properties(schema: dict) -> list[tuple[str, str, dict]]:
    found = []
    for name, definition in schema.get("$defs", {}).items():
        for field, spec in definition.get("properties", {}).items():
            found.append((name, field, spec))
    for field, spec in schema.get("properties", {}).items():
        found.append(("Sop", field, spec))
    return found


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(sop_schema())


def test_every_field_has_a_description() -> None:
    missing = [
        f"{model}.{field}"
        for model, field, spec in _properties(sop_schema())
        if not spec.get("description")
    ]
    assert missing == []


def test_schema_rejects_what_the_loader_rejects(small_doc) -> None:
    import json

    from app.model.io import dumps_document

    data = json.loads(dumps_document(small_doc))
    data["nodes"][0]["kind"] = "spaceship"
    errors = list(jsonschema.Draft202012Validator(sop_schema()).iter_errors(data))
    assert errors
