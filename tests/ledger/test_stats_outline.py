"""`ledger stats FILE.sop.json` reads the SOP's outline (id, gates in order, last stage) from
its JSON without compiling it; the outline must be the compiled spec's, and anything it does
not plainly understand goes through the compiler as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.compiler.compile import compile_spec
from app.model.io import dumps_document, save_document
from app.model.templates import list_templates, load_template
from app.simulate.sop_outline import Outline, outline_of, read_outline
from tests.cli import run

pytestmark = pytest.mark.usefixtures("no_ledger_env")


def compiled_outline(doc) -> Outline:
    spec = compile_spec(doc)
    path = spec.promote_path()
    return Outline(spec.metadata.name, [g.id for g in spec.gates], path[-1].to if path else None)


@pytest.mark.parametrize("template", [info.id for info in list_templates()])
def test_the_outline_is_the_compiled_specs(template: str) -> None:
    doc = load_template(template)
    assert outline_of(json.loads(dumps_document(doc))) == compiled_outline(doc)


def test_ties_and_several_gates_out_of_a_stage(small_doc) -> None:
    """A second gate out of dev, written before the first, to a canary: the spec lists it
    first and its promote path takes it (through the canary's gate); the outline agrees."""
    data = json.loads(dumps_document(small_doc))
    data["nodes"].insert(0, {**next(n for n in data["nodes"] if n["id"] == "gate"),
                             "id": "fast-gate", "name": "Fast gate"})  # fmt: skip
    data["nodes"].append({"id": "canary", "kind": "stage", "name": "Canary"})
    data["edges"] += [
        {"id": "dev-fast", "source": "dev", "target": "fast-gate", "kind": "promote"},
        {"id": "fast-canary", "source": "fast-gate", "target": "canary", "kind": "promote"},
        {"id": "fast-reject", "source": "fast-gate", "target": "dev", "kind": "reject"},
    ]
    second = {**next(n for n in data["nodes"] if n["id"] == "gate"), "id": "canary-gate"}
    data["nodes"].append(second)
    data["edges"] += [
        {"id": "canary-in", "source": "canary", "target": "canary-gate", "kind": "promote"},
        {"id": "canary-out", "source": "canary-gate", "target": "prod", "kind": "promote"},
        {"id": "canary-back", "source": "canary-gate", "target": "dev", "kind": "reject"},
    ]
    from app.model.document import Sop

    outline = outline_of(data)
    assert outline is not None and outline == compiled_outline(Sop.model_validate(data))
    assert outline.gates == ["fast-gate", "gate", "canary-gate"]
    assert outline.final_stage == "prod"


def _edited(small_doc, change) -> dict:
    data = json.loads(dumps_document(small_doc))
    change(data)
    return data


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(format="gatewright.sop/0"),
        lambda d: d.update(id=["small"]),
        lambda d: d["nodes"].append({"id": "dev", "kind": "stage"}),  # a duplicate id
        lambda d: d["nodes"].append({"id": "lab", "kind": "stage"}),  # a second entry
        lambda d: d["edges"].append(
            {"id": "x", "source": "prod", "target": "gate", "kind": "promote"}
        ),  # a cycle; two ways in
        lambda d: d.update(edges=[e for e in d["edges"] if e["id"] != "gate-to-prod"]),
        lambda d: d["edges"].append({"id": "y", "source": {"a": 1}, "target": "gate"}),
        lambda d: d["nodes"].append("stage"),
    ],
    ids=["format", "id", "duplicate", "entries", "cycle", "dead-end", "source", "node"],
)
def test_anything_unusual_is_left_to_the_compiler(small_doc, change) -> None:
    assert outline_of(_edited(small_doc, change)) is None


def test_unreadable_files_are_left_to_the_compiler(tmp_path: Path) -> None:
    for name, content in (
        ("bad.sop.json", b'{"format": "gatewright.sop/1", '),
        ("latin.sop.json", '{"id": "caf\u00e9"}'.encode("latin-1")),
        ("deep.sop.json", b"[" * 100_000 + b"]" * 100_000),
        ("doc.sop.yaml", b"format: gatewright.sop/1\n"),
    ):
        (tmp_path / name).write_bytes(content)
        assert read_outline(tmp_path / name) is None
    assert read_outline(tmp_path / "absent.sop.json") is None
    assert read_outline(tmp_path) is None


def test_stats_read_the_same_through_either_path(small_doc, history, tmp_path, capsys) -> None:
    """The JSON document (outline) and the same SOP as YAML (compiled) give the same figures;
    an SOP the compiler refuses is still refused, naming its problem."""
    json_file, yaml_file = tmp_path / "small.sop.json", tmp_path / "small.sop.yaml"
    save_document(small_doc, json_file, backup=False)
    save_document(small_doc, yaml_file, backup=False)
    outputs = []
    for file in (json_file, yaml_file):
        code, out, err = run(capsys, "ledger", "stats", str(file), "--ledger", history, "--json")
        assert code == 0, err
        outputs.append(json.loads(out))
    assert outputs[0] == outputs[1] and list(outputs[0]["gates"]) == ["gate"]
    data = _edited(small_doc, lambda d: d["nodes"].append({"id": "lab", "kind": "stage",
                                                           "name": "Lab"}))  # fmt: skip
    broken = tmp_path / "broken.sop.json"
    broken.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run(capsys, "ledger", "stats", str(broken), "--ledger", history)
    assert code == 1 and out == "" and "validation error" in err
