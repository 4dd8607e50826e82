"""The JSON Schema of the SOP document format (``gatewright schema sop``)."""

from __future__ import annotations

from typing import Any

from app.model.document import Sop


def sop_schema() -> dict[str, Any]:
    schema = Sop.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:gatewright:schema:sop:1",
        **schema,
    }
