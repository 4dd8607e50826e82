"""Property tests: valid documents round-trip; junk only ever raises the documented error."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.model.edges import ALLOWED_ENDPOINTS
from app.model.io import dumps_document, loads_document
from app.spec.fileio import InputError

SLUG = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,20}\Z")
# Names are one line of text without control characters or unpaired surrogates; a node's
# name also shows something.
TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=30)
VISIBLE = TEXT.filter(lambda text: any(c.isprintable() and not c.isspace() for c in text))
NUMBER = st.one_of(
    st.integers(-1000, 1000), st.floats(allow_nan=False, allow_infinity=False, width=64)
)
OPS = st.sampled_from([">=", ">", "<=", "<", "==", "!="])


def criterion(metrics: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    common = {"name": TEXT, "severity": st.sampled_from(["blocking", "advisory"])}
    return st.one_of(
        st.fixed_dictionaries(
            {"metric": st.sampled_from(metrics), "op": OPS, "value": NUMBER}, optional=common
        ),
        st.fixed_dictionaries(
            {"metric": st.sampled_from(metrics), "op": OPS, "baseline": st.just(True)},
            optional={"delta": NUMBER, **common},
        ),
        st.fixed_dictionaries({"check": SLUG, "equals": st.sampled_from(["passed", True, 1])}),
        st.fixed_dictionaries({"artifact": SLUG}, optional={"on_missing": st.just("hold")}),
    )


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    metrics = draw(st.lists(SLUG, min_size=1, max_size=4, unique=True))
    roles = draw(st.lists(SLUG, min_size=1, max_size=3, unique=True))
    kinds = draw(
        st.lists(st.sampled_from(["stage", "gate", "trigger", "action", "check"]), max_size=12)
    )
    nodes: list[dict[str, Any]] = []
    for index, kind in enumerate(kinds):
        node: dict[str, Any] = {"id": f"n{index}", "kind": kind, "name": draw(VISIBLE)}
        if kind in ("gate", "check"):
            items = draw(st.lists(criterion(metrics), max_size=3))
            node["criteria"] = [{"id": f"c{i}", **item} for i, item in enumerate(items)]
        if kind == "gate":
            node["approval"] = {
                "mode": draw(st.sampled_from(["all", "any"])),
                "rules": [{"role": r, "count": draw(st.integers(1, 3))} for r in roles[:2]],
            }
        if kind == "trigger":
            node.update(metric=draw(st.sampled_from(metrics)), op=draw(OPS), value=draw(NUMBER))
        if kind == "action":
            node.update(role=draw(st.sampled_from(roles)), minutes=draw(st.integers(0, 60)))
        nodes.append(node)
    edges = []
    for source in nodes:
        for target in nodes:
            pair = (source["kind"], target["kind"])
            legal = [k for k, pairs in ALLOWED_ENDPOINTS.items() if pair in pairs]
            if source is not target and legal and draw(st.booleans()):
                edges.append(
                    {
                        "id": f"e{len(edges)}",
                        "source": source["id"],
                        "target": target["id"],
                        "kind": draw(st.sampled_from(legal)),
                    }
                )
    return {
        "format": "gatewright.sop/1",
        "id": draw(SLUG),
        "title": draw(TEXT),
        "version": "1.0.0",
        "tiers": ["low", "high"],
        "roles": [{"id": r, "name": r, "members": ["a", "b", "c"]} for r in roles],
        "metrics": [{"id": m, "name": m} for m in metrics],
        "nodes": nodes,
        "edges": edges,
        "layout": {n["id"]: {"x": draw(NUMBER), "y": draw(NUMBER)} for n in nodes},
    }


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(documents())
def test_valid_documents_round_trip(data: dict[str, Any]) -> None:
    text = dumps_document(loads_document(json.dumps(data)))
    assert dumps_document(loads_document(text)) == text


JSON = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def _replace(value: Any, path: list[int], junk: Any) -> Any:
    """Replace the element that ``path`` picks (by position among children) with junk."""
    if not path or not isinstance(value, dict | list) or not value:
        return junk
    keys = list(value) if isinstance(value, dict) else list(range(len(value)))
    key = keys[path[0] % len(keys)]
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[key] = _replace(value[key], path[1:], junk)
    return copy


def _loads_or_input_error(text: str) -> None:
    try:
        loads_document(text, "fuzz.sop.json")
    except InputError as error:
        assert str(error).startswith("fuzz.sop.json: ")


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(documents(), st.lists(st.integers(0, 50), max_size=6), JSON)
def test_mutated_documents_load_or_fail_cleanly(data, path, junk) -> None:
    mutated = _replace(data, path, junk)
    text = json.dumps(mutated, allow_nan=True)
    _loads_or_input_error(text)


@settings(max_examples=150, deadline=None)
@given(JSON)
def test_any_json_loads_or_fails_cleanly(junk: Any) -> None:
    _loads_or_input_error(json.dumps(junk, allow_nan=True))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_any_text_loads_or_fails_cleanly(text: str) -> None:
    _loads_or_input_error(text)


def test_nan_is_never_accepted_anywhere_numeric() -> None:
    for field in ("value", "delta"):
        criterion_data = {"id": "c", "metric": "m", "op": ">=", "value": 1}
        if field == "delta":
            criterion_data = {"id": "c", "metric": "m", "op": ">=", "baseline": True}
        criterion_data[field] = math.nan
        doc = {
            "format": "gatewright.sop/1",
            "id": "x",
            "title": "x",
            "version": "1.0.0",
            "tiers": ["a"],
            "nodes": [{"id": "g", "kind": "gate", "name": "G", "criteria": [criterion_data]}],
        }
        try:
            loads_document(json.dumps(doc, allow_nan=True), "n.sop.json")
        except InputError as error:
            assert "finite" in str(error)
        else:
            raise AssertionError(f"NaN {field} was accepted")
