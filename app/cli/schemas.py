"""JSON Schemas of the public formats, for ``gatewright schema``."""

from __future__ import annotations

from typing import Any


def schema_of(what: str) -> dict[str, Any]:
    if what == "sop":
        from app.model.schema import sop_schema

        return sop_schema()
    from app.simulate.drill import DrillScenario
    from app.simulate.scenario import Scenario
    from app.spec.evidence import Evidence, Telemetry
    from app.spec.schema import GateSpec

    model = {
        "spec": GateSpec,
        "evidence": Evidence,
        "telemetry": Telemetry,
        "scenario": Scenario,
        "drill": DrillScenario,
    }[what]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:gatewright:schema:{what}:1",
        **model.model_json_schema(by_alias=True),
    }
