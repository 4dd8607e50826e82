"""The compiler: deterministic, refuses invalid SOPs, and every template compiles."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from app.cli import main
from app.cli.schemas import schema_of
from app.compiler.compile import CompileRefusedError, compile_data, compile_spec
from app.model import Sop
from app.model.io import dumps_document, save_document
from app.model.templates import load_template, template_ids
from app.spec.digest import spec_digest, spec_text
from app.spec.fileio import InputError
from app.spec.files import load_spec


def _compiled_in_a_process(hash_seed: str, out: Path) -> dict[str, str]:
    """Every template compiled by a fresh interpreter whose string hashing is seeded
    ``hash_seed``: set and dict orders that leak into the output differ between two."""
    script = (
        "import json, sys\n"
        "from app.compiler.compile import compile_data\n"
        "from app.model.templates import load_template, template_ids\n"
        "from app.spec.digest import spec_text\n"
        "texts = {t: spec_text(compile_data(load_template(t))) for t in template_ids()}\n"
        "open(sys.argv[1], 'w', encoding='utf-8').write(json.dumps(texts))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    subprocess.run([sys.executable, "-c", script, str(out)], env=env, check=True)
    return json.loads(out.read_text(encoding="utf-8"))


def test_every_template_compiles_to_the_same_bytes_in_any_process(tmp_path: Path) -> None:
    first = _compiled_in_a_process("1", tmp_path / "first.json")
    second = _compiled_in_a_process("2", tmp_path / "second.json")
    assert sorted(first) == sorted(template_ids())
    assert first == second


@pytest.mark.parametrize("template_id", template_ids())
def test_every_template_compiles_to_a_valid_spec(template_id: str) -> None:
    first = spec_text(compile_data(load_template(template_id)))
    data = json.loads(first)
    assert data["digest"] == spec_digest(data)
    jsonschema.validate(data, schema_of("spec"))


@pytest.mark.parametrize("template_id", template_ids())
def test_the_spec_model_gives_back_the_sealed_data(template_id: str) -> None:
    """Exports are handed the GateSpec and write ``data()``: it must be the compiled JSON
    itself, with no default filled in (the digest seals exactly that)."""
    doc = load_template(template_id)
    data = compile_data(doc)
    assert compile_spec(doc).data() == data
    assert spec_text(compile_spec(doc).data()) == spec_text(data)


def test_source_digest_is_the_sha256_of_the_saved_file(small_doc: Sop, tmp_path: Path) -> None:
    path = tmp_path / "x.sop.json"
    save_document(small_doc, path)
    expected = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert compile_data(small_doc)["metadata"]["source_digest"] == expected


def test_stages_are_in_promote_order_and_gates_are_wired(small_doc: Sop) -> None:
    spec = compile_spec(small_doc)
    assert [(s.id, s.order) for s in spec.stages] == [("dev", 1), ("prod", 2)]
    gate = spec.gates[0]
    assert (gate.from_, gate.to, gate.on_reject) == ("dev", "prod", "dev")


def test_rollback_policy_holds_the_runbook(small_doc: Sop) -> None:
    (policy,) = compile_spec(small_doc).rollback
    assert policy.id == "acc-drop" and policy.stage == "prod"
    assert policy.target == "previous-stable"
    assert [a.id for a in policy.actions] == ["revert"]
    assert [t.id for t in policy.triggers] == ["acc-drop"]


def test_a_demotion_targets_the_earlier_stage(small_doc: Sop) -> None:
    small_doc.disconnect("verify-then-prod")
    small_doc.connect("verify", "dev", "next", "verify-then-dev")
    (policy,) = compile_spec(small_doc).rollback
    assert policy.target == "dev"


def test_two_triggers_sharing_a_runbook_make_one_policy(small_doc: Sop) -> None:
    small_doc.add_node(
        {
            "kind": "trigger",
            "id": "acc-crash",
            "name": "Accuracy crash",
            "metric": "accuracy",
            "op": "<",
            "value": 0.5,
            "max_minutes": 20,
            "restores": [{"component": "model", "source": "registry-alias", "ref": "model@stable"}],
        }
    )
    small_doc.connect("prod", "acc-crash", "monitor")
    small_doc.connect("acc-crash", "revert", "rollback")
    small_doc.set_field("acc-drop", "max_minutes", 45)
    (policy,) = compile_spec(small_doc).rollback
    assert [t.id for t in policy.triggers] == ["acc-drop", "acc-crash"]
    assert policy.max_minutes == 20  # the strictest SLA of the triggers


def test_an_invalid_sop_is_refused(small_doc: Sop) -> None:
    small_doc.disconnect("gate-reject")
    with pytest.raises(CompileRefusedError) as refused:
        compile_data(small_doc)
    assert refused.value.diagnostics[0].rule == "gate-has-reject-path"


def test_layout_does_not_change_the_gates(small_doc: Sop) -> None:
    before = compile_data(small_doc)
    small_doc.move("dev", 999, 999)
    after = compile_data(small_doc)
    assert before["gates"] == after["gates"]
    assert before["metadata"]["source_digest"] != after["metadata"]["source_digest"]


def test_compile_cli_writes_json_and_yaml(small_doc: Sop, tmp_path: Path, capsys) -> None:
    source = tmp_path / "x.sop.json"
    save_document(small_doc, source)
    assert main(["compile", str(source), "-o", str(tmp_path / "spec.json")]) == 0
    assert main(["compile", str(source), "-o", str(tmp_path / "spec.yaml")]) == 0
    assert load_spec(tmp_path / "spec.json") == load_spec(tmp_path / "spec.yaml")
    assert "digest sha256:" in capsys.readouterr().err


def test_compile_cli_refuses_errors_with_exit_1(small_doc: Sop, tmp_path: Path, capsys):
    small_doc.disconnect("gate-reject")
    source = tmp_path / "x.sop.json"
    source.write_text(dumps_document(small_doc))
    assert main(["compile", str(source), "-o", str(tmp_path / "spec.json")]) == 1
    captured = capsys.readouterr()
    assert "gate-has-reject-path" in captured.err and captured.out == ""
    assert not (tmp_path / "spec.json").exists()


@pytest.mark.parametrize("what", ["sop", "spec", "evidence", "telemetry"])
def test_schemas_are_valid_json_schemas(what: str, capsys) -> None:
    assert main(["schema", what]) == 0
    jsonschema.Draft202012Validator.check_schema(json.loads(capsys.readouterr().out))


@pytest.mark.parametrize("separator", ["\x85", "\u2028", "\u2029"])
def test_a_spec_compiled_before_line_breaks_were_escaped_still_loads(
    tmp_path: Path, separator: str
) -> None:
    """Pipelines keep compiled specs: one written with the character raw must still run,
    and one edited by hand is still refused."""
    # Names can no longer hold these characters; specs compiled while they could still run.
    spec = compile_data(load_template("startup-lightweight"))
    spec["stages"][0]["name"] = f"Dev{separator}elopment"
    spec["digest"] = spec_digest(spec)
    raw = json.dumps(spec, indent=2, ensure_ascii=False) + "\n"  # as compile wrote it then
    assert separator in raw and spec_text(spec) != raw
    old = tmp_path / "old.spec.json"
    old.write_text(raw, encoding="utf-8")
    assert load_spec(old).stages[0].name == f"Dev{separator}elopment"
    edited = tmp_path / "edited.spec.json"
    edited.write_text(raw.replace('  "', '   "', 1), encoding="utf-8")
    with pytest.raises(InputError, match="byte for byte"):
        load_spec(edited)
