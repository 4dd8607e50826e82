"""The engine: settings, suppression, ordering, caching, JSON output, and never raising."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cli import main
from app.model import Sop
from app.model.graph import document_graph
from app.model.io import dumps_document, save_document
from app.validate.config import load_lint_file
from app.validate.engine import validate, validate_cached


def break_gate(doc: Sop) -> None:
    """Name production like development: one duplicate-name warning on both stages."""
    doc.set_field("prod", "name", "Development")


def test_small_document_is_clean(small_doc: Sop) -> None:
    assert validate(small_doc) == []


def test_settings_change_severity_and_turn_rules_off(small_doc: Sop) -> None:
    break_gate(small_doc)
    assert [d.severity for d in validate(small_doc)] == ["warning"]
    assert [d.severity for d in validate(small_doc, {"duplicate-name": "error"})] == ["error"]
    assert validate(small_doc, {"duplicate-name": "off"}) == []


def test_the_documents_lint_section_wins_over_outside_settings(small_doc: Sop) -> None:
    break_gate(small_doc)
    small_doc.lint = {"duplicate-name": "info"}
    assert [d.severity for d in validate(small_doc, {"duplicate-name": "off"})] == ["info"]


def test_rule_options_come_from_settings(small_doc: Sop) -> None:
    option = {"level": "warning", "submitter_roles": ["ml-lead", "risk"]}
    found = validate(small_doc, {"high-tier-needs-independent-approval": option})
    assert [(d.rule, d.severity) for d in found] == [
        ("high-tier-needs-independent-approval", "warning")
    ]


def test_unknown_rules_and_options_are_reported_not_fatal(small_doc: Sop) -> None:
    found = validate(small_doc, {"no-such-rule": "off", "duplicate-name": {"colour": "red"}})
    assert [d.rule for d in found] == ["lint-config", "lint-config"]
    assert "no-such-rule" in found[0].message + found[1].message


def test_node_suppression_silences_one_rule_on_one_node(small_doc: Sop) -> None:
    break_gate(small_doc)
    small_doc.set_field("prod", "suppress", ["duplicate-name"])
    assert validate(small_doc) == []  # the finding names both stages; one suppression is enough


def test_lint_toml_beside_the_document(small_doc: Sop, tmp_path: Path, capsys) -> None:
    break_gate(small_doc)
    path = tmp_path / "x.sop.json"
    save_document(small_doc, path)
    (tmp_path / ".gatewright-lint.toml").write_text('[rules]\nduplicate-name = "error"\n')
    assert load_lint_file(path) == {"duplicate-name": "error"}
    assert main(["validate", str(path)]) == 1
    (tmp_path / ".gatewright-lint.toml").write_text('[rules]\nduplicate-name = "loud"\n')
    assert main(["validate", str(path)]) == 2
    assert "rules.duplicate-name" in capsys.readouterr().err


def test_diagnostics_are_sorted_errors_first(small_doc: Sop) -> None:
    break_gate(small_doc)
    small_doc.set_field("revert", "role", None)
    found = validate(small_doc)
    assert [(d.rule, d.severity) for d in found] == [
        ("action-has-role", "error"),
        ("duplicate-name", "warning"),
        ("role-unused", "info"),
    ]


def test_graph_is_cached_until_the_graph_changes(small_doc: Sop) -> None:
    graph = document_graph(small_doc)
    small_doc.set_field("prod", "name", "Live")
    assert document_graph(small_doc) is graph
    small_doc.disconnect("gate-reject")
    assert document_graph(small_doc) is not graph


def test_cached_diagnostics_follow_content_not_moves(small_doc: Sop) -> None:
    first = validate_cached(small_doc)
    small_doc.move("dev", 500, 500)
    assert validate_cached(small_doc) is first
    break_gate(small_doc)
    assert validate_cached(small_doc) != first


VALIDATE_OUTPUT = {
    "type": "object",
    "required": ["file", "valid", "counts", "diagnostics"],
    "additionalProperties": False,
    "properties": {
        "file": {"type": "string"},
        "valid": {"type": "boolean"},
        "counts": {
            "type": "object",
            "required": ["error", "warning", "info"],
            "additionalProperties": {"type": "integer", "minimum": 0},
        },
        "diagnostics": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["rule", "severity", "message", "fix", "elements"],
                "additionalProperties": False,
                "properties": {
                    "rule": {"type": "string"},
                    "severity": {"enum": ["error", "warning", "info"]},
                    "message": {"type": "string", "minLength": 1},
                    "fix": {"type": "string"},
                    "elements": {"type": "array", "items": {"type": "string"}},
                    "path": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                },
            },
        },
    },
}


def test_validate_json_output_has_a_stable_shape(small_doc: Sop, tmp_path: Path, capsys) -> None:
    data = json.loads(dumps_document(small_doc))
    data["edges"].append({"id": "loop", "source": "prod", "target": "gate", "kind": "promote"})
    path = tmp_path / "x.sop.json"
    path.write_text(json.dumps(data))
    assert main(["validate", str(path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    jsonschema.validate(report, VALIDATE_OUTPUT)
    cycle = next(d for d in report["diagnostics"] if d["rule"] == "no-promotion-cycle")
    assert cycle["path"][0] == "gate" and set(cycle["path"]) == {"gate", "prod"}


def test_rules_command_lists_every_rule(capsys) -> None:
    from app.validate.registry import RULES

    assert main(["rules", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {r["id"] for r in listed} == set(RULES)
    assert main(["rules"]) == 0
    assert "separation-feasible" in capsys.readouterr().out


KINDS = ["stage", "gate", "trigger", "action", "check"]


@st.composite
def random_graphs(draw: st.DrawFn) -> Sop:
    count = draw(st.integers(0, 14))
    nodes = []
    for index in range(count):
        kind = draw(st.sampled_from(KINDS))
        node = {"id": f"n{index}", "kind": kind, "name": draw(st.sampled_from(["A", "B", "C"]))}
        if kind == "trigger":
            node.update(
                metric=draw(st.sampled_from(["m", "x"])),
                op="<",
                value=draw(st.floats(-2, 2)),
                max_minutes=draw(st.sampled_from([None, 1, 100])),
            )
        if kind == "action":
            node.update(
                role=draw(st.sampled_from([None, "r", "ghost"])), minutes=draw(st.integers(0, 50))
            )
        if kind in ("gate", "check"):
            node["criteria"] = draw(
                st.lists(
                    st.sampled_from(
                        [
                            {"id": "a", "metric": "m", "op": "<=", "value": 5},
                            {"id": "b", "check": "scan"},
                            {
                                "id": "c",
                                "metric": "x",
                                "op": ">=",
                                "baseline": True,
                                "tiers": ["zz"],
                            },
                        ]
                    ),
                    max_size=2,
                    unique_by=lambda c: c["id"],
                )
            )
        if kind == "gate":
            node["approval"] = {
                "rules": draw(
                    st.lists(
                        st.sampled_from(
                            [
                                {"role": "r", "count": 3},
                                {"role": "ghost"},
                                {"role": "q", "tiers": ["high"]},
                            ]
                        ),
                        max_size=2,
                        unique_by=lambda r: r["role"],
                    )
                )
            }
        if kind == "stage":
            node["environment"] = draw(st.sampled_from([None, "production", "staging"]))
        nodes.append(node)
    edges = []
    if count:
        pairs = st.tuples(
            st.integers(0, count - 1),
            st.integers(0, count - 1),
            st.sampled_from(["promote", "reject", "monitor", "rollback", "next"]),
        )
        for source, target, kind in draw(st.lists(pairs, max_size=25)):
            edges.append(
                {
                    "id": f"e{len(edges)}",
                    "source": f"n{source}",
                    "target": f"n{target}",
                    "kind": kind,
                }
            )
    return Sop.model_validate(
        {
            "format": "gatewright.sop/1",
            "id": "random",
            "title": "Random",
            "version": "1.0.0",
            "tiers": ["low", "high"],
            "roles": [{"id": "r", "name": "R", "members": ["a", "a2"]}, {"id": "q", "name": "Q"}],
            "metrics": [{"id": "m", "name": "M", "direction": "lower", "min": 0, "max": 1}],
            "nodes": nodes,
            "edges": edges,
        }
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs())
def test_random_graphs_never_make_the_engine_raise(doc: Sop) -> None:
    found = validate(doc)
    assert all(d.message and d.rule for d in found)
    assert found == sorted(found, key=lambda d: d.sort_key())
