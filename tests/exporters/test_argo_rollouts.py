"""`gatewright export argo-rollouts`: a Rollout and an AnalysisTemplate per canary stage,
validated against the vendored Argo Rollouts schemas for every template with a canary;
conditions judged as Argo Rollouts would; missing queries said, never invented; hostile
names and queries; golden files of startup-lightweight.

Refresh the golden files after an intended change (and review the diff):

    GATEWRIGHT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/exporters/test_argo_rollouts.py
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from app.cli import main
from app.model.io import dumps_document, loads_document
from app.model.templates import load_template, template_ids, template_text
from exporters import argo_rollouts as rollouts
from exporters.promote_plan import stage_rollout
from tests.environment import missing
from tests.exporters.argo_support import need_schemas, schema_errors
from tests.exporters.pipelines_support import GOLDEN, compare_with_golden, export_doc, strings_in

HOSTILE = "Bad \"name\" 'q' {{ args.x }} ${{ secrets.T }} $(touch /tmp/pwned) `id` #: x"
"""Names may not hold line breaks (the SOP refuses them); descriptions may. Queries are one line."""
HOSTILE_QUERY = 'sum(rate(errors_total{path="/a\\"b",cmd="$(touch /tmp/pwned)"}[5m])) / 1'


def canary_templates() -> list[str]:
    ids = []
    for template_id in template_ids():
        doc = load_template(template_id)
        if any(getattr(n, "strategy", None) and n.strategy.type == "canary" for n in doc.nodes):
            ids.append(template_id)
    return ids


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("rollouts")
    folders = {}
    for template_id in canary_templates():
        export_doc(load_template(template_id), "argo-rollouts", root / template_id)
        folders[template_id] = root / template_id
    return folders


def read(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def judge(condition: str, result: list[float]) -> bool:
    """An Argo Rollouts condition evaluated as its expression language does (||, && and !
    short-circuit and negate as Python's or, and, not; isNaN and isInf as in Rollouts)."""
    python = condition.replace("||", " or ").replace("&&", " and ")
    python = re.sub(r"!(?!=)", " not ", python)
    names = {"result": result, "len": len, "isNaN": math.isnan, "isInf": math.isinf}
    return bool(eval(python, {"__builtins__": {}}, names))


def comment_text(text: str) -> str:
    """The comment lines of a YAML file as one line of words (wrapping undone)."""
    lines = [line.strip().lstrip("#").strip() for line in text.splitlines()]
    lines = [
        line
        for line, raw in zip(lines, text.splitlines(), strict=True)
        if raw.strip().startswith("#")
    ]
    return " ".join(line for line in lines if line)


def outcome(metric: dict[str, Any], result: list[float]) -> str:
    """A measurement's phase, by Argo Rollouts' rules (evaluate.EvaluateResult)."""
    failed = judge(metric["failureCondition"], result)
    if "successCondition" not in metric:
        return "failed" if failed else "successful"
    succeeded = judge(metric["successCondition"], result)
    return "failed" if failed else "successful" if succeeded else "inconclusive"


# -- every template with a canary -----------------------------------------------------------


def test_the_templates_with_canary_stages_are_the_expected_ones() -> None:
    assert set(canary_templates()) >= {
        "automated-pipeline",
        "continuous-quality-gates",
        "ecommerce-recommendation",
        "startup-lightweight",
    }


def test_every_canary_export_validates_against_the_rollouts_schemas(exports) -> None:
    need_schemas()
    for template_id, folder in exports.items():
        files = sorted((folder / rollouts.FOLDER).glob("*.yaml"))
        assert files, template_id
        for path in files:
            document = read(path)
            assert document["kind"] in ("Rollout", "AnalysisTemplate")
            assert schema_errors(document) == [], f"{template_id} {path.name}"


def test_schema_validation_catches_a_broken_rollout(exports) -> None:
    """The schema check can fail: a weight written as text is refused."""
    need_schemas()
    document = read(exports["startup-lightweight"] / rollouts.rollout_file("production"))
    document["spec"]["strategy"]["canary"]["steps"][0]["setWeight"] = "ten"
    assert schema_errors(document)


def test_every_canary_step_is_a_weight_a_bake_and_an_analysis(exports) -> None:
    for template_id, folder in exports.items():
        doc = load_template(template_id)
        spec = json.loads((folder / "gatewright" / "spec.json").read_text(encoding="utf-8"))
        for stage in spec["stages"]:
            plan = stage_rollout(doc, stage["id"])
            path = folder / rollouts.rollout_file(stage["id"])
            assert path.is_file() == (plan.strategy == "canary"), f"{template_id} {stage['id']}"
            if plan.strategy != "canary":
                continue
            rollout = read(path)
            name = rollout["metadata"]["name"]
            expected: list[dict[str, Any]] = []
            for weight in plan.weights:
                expected.append({"setWeight": math.ceil(weight)})
                if plan.bake_minutes:
                    expected.append({"pause": {"duration": f"{plan.bake_minutes}m"}})
                expected.append({"analysis": {"templates": [{"templateName": name}]}})
            if plan.weights[-1] < 100:
                expected.append({"pause": {}})
            assert rollout["spec"]["strategy"]["canary"]["steps"] == expected
            analysis = read(folder / rollouts.analysis_file(stage["id"]))
            assert analysis["metadata"]["name"] == name
            assert_metrics_follow_the_triggers(spec, stage["id"], analysis)


def assert_metrics_follow_the_triggers(
    spec: dict[str, Any], stage_id: str, analysis: dict[str, Any]
) -> None:
    queries = {m["id"]: m["sources"]["prometheus"] for m in spec["metrics"] if m.get("sources")}
    triggers = [t for r in spec["rollback"] if r["stage"] == stage_id for t in r["triggers"]]
    metrics = {metric["name"]: metric for metric in analysis["spec"]["metrics"]}
    assert list(metrics) == [trigger["id"] for trigger in triggers]
    for trigger in triggers:
        metric = metrics[trigger["id"]]
        prometheus = metric["provider"]["prometheus"]
        assert prometheus["query"] == queries[trigger["metric"]]
        assert prometheus["address"] == "{{args.prometheus-address}}"
        assert metric["count"] == trigger["for_windows"]
        assert metric["failureLimit"] == trigger["for_windows"] - 1
        assert metric["interval"] == rollouts.INTERVAL
        value = trigger["value"]
        bad = value + 1 if trigger["op"] in (">", ">=") else value - 1
        good = value - 1 if trigger["op"] in (">", ">=") else value + 1
        assert outcome(metric, [bad]) == "failed"
        assert outcome(metric, [good]) == "successful"
        assert outcome(metric, [value]) == ("failed" if "=" in trigger["op"] else "successful")
        unusable = "failed" if trigger["on_missing"] == "breach" else "inconclusive"
        for result in ([], [math.nan], [math.inf]):
            assert outcome(metric, result) == unusable, (trigger, result)


def test_the_template_queries_are_promql(exports) -> None:
    """Every query the analyses run parses as PromQL (promtool, from the Prometheus package)."""
    promtool = shutil.which("promtool")
    if promtool is None:
        missing("promtool is not installed (the Debian prometheus package has it)")
    rules = []
    for template_id, folder in exports.items():
        for path in sorted((folder / rollouts.FOLDER).glob("*-analysis.yaml")):
            for number, metric in enumerate(read(path)["spec"]["metrics"]):
                record = f"{template_id}:{path.stem}:{number}".replace("-", "_")
                rules.append({"record": record, "expr": metric["provider"]["prometheus"]["query"]})
    assert len(rules) >= 6
    rules_file = next(iter(exports.values())).parent / "rules.yaml"
    rules_file.write_text(yaml.safe_dump({"groups": [{"name": "gatewright", "rules": rules}]}))
    done = subprocess.run(
        [promtool, "check", "rules", "--lint=none", str(rules_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# -- what cannot be exported as asked -------------------------------------------------------


def edited_template(template_id: str, tmp_path: Path, edit: Any) -> Path:
    data = json.loads(template_text(template_id))
    edit(data)
    source = tmp_path / "edited.sop.json"
    source.write_text(dumps_document(loads_document(json.dumps(data))), encoding="utf-8")
    return source


def set_query(data: dict[str, Any], metric_id: str, query: str | None) -> None:
    for metric in data["metrics"]:
        if metric["id"] == metric_id:
            if query is None:
                metric.pop("sources", None)
            else:
                metric["sources"] = {"prometheus": query}


def test_a_metric_without_a_query_is_said_and_never_invented(tmp_path, capsys) -> None:
    source = edited_template(
        "startup-lightweight", tmp_path, lambda data: set_query(data, "latency-p95-ms", None)
    )
    out = tmp_path / "out"
    assert main(["export", "argo-rollouts", str(source), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    sentence = (
        "stage production, trigger slow-responses, metric latency-p95-ms: the metric has no "
        "Prometheus query (sources.prometheus in the SOP's metric catalog), so the analysis "
        "leaves this trigger out; add the query and export again"
    )
    assert f"warning: {sentence}" in err
    analysis_text = (out / rollouts.analysis_file("production")).read_text(encoding="utf-8")
    assert f"WARNING: {sentence}." in comment_text(analysis_text)  # the file says it too
    metrics = yaml.safe_load(analysis_text)["spec"]["metrics"]
    assert [metric["name"] for metric in metrics] == ["error-spike"]


def test_a_stage_without_any_query_gets_no_analysis(tmp_path, capsys) -> None:
    def edit(data: dict[str, Any]) -> None:
        set_query(data, "latency-p95-ms", None)
        set_query(data, "error-rate", None)

    out = tmp_path / "out"
    source = edited_template("startup-lightweight", tmp_path, edit)
    assert main(["export", "argo-rollouts", str(source), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "stage production: none of its triggers has a usable Prometheus query" in err
    assert not (out / rollouts.analysis_file("production")).exists()
    steps = read(out / rollouts.rollout_file("production"))["spec"]["strategy"]["canary"]["steps"]
    assert not [step for step in steps if "analysis" in step]


def test_a_query_with_an_argument_reference_is_left_out(tmp_path, capsys) -> None:
    source = edited_template(
        "startup-lightweight",
        tmp_path,
        lambda data: set_query(data, "error-rate", 'sum(x{a="{{args.secret}}"})'),
    )
    out = tmp_path / "out"
    assert main(["export", "argo-rollouts", str(source), "-o", str(out)]) == 0
    assert "which Argo Rollouts reads as an argument reference" in capsys.readouterr().err
    for path in (out / rollouts.FOLDER).glob("*.yaml"):
        for value in strings_in(read(path)):
            assert "{{args.secret" not in value


def test_an_sop_without_a_canary_stage_is_refused(tmp_path, capsys) -> None:
    source = tmp_path / "gate.sop.json"
    source.write_text(template_text("deployment-gate"), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["export", "argo-rollouts", str(source), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "the SOP has no canary stage" in err and "Traceback" not in err
    assert not out.exists()


def test_hostile_names_and_queries_stay_data(tmp_path, capsys) -> None:
    """Quotes, {{ }}, newlines and $(...) in every name and in a query: the YAML reads back
    as the ids and the query, names appear in comments only, one line each, and no
    template expression but the address argument is written."""

    def edit(data: dict[str, Any]) -> None:
        data["title"] = HOSTILE
        for node in data["nodes"]:
            node["name"] = HOSTILE
            node["description"] = f"{HOSTILE}\nline two"
            node["description"] = f"{HOSTILE}\nline two"
        for metric in data["metrics"]:
            metric["name"] = HOSTILE
        set_query(data, "error-rate", HOSTILE_QUERY)

    out = tmp_path / "out"
    source = edited_template("startup-lightweight", tmp_path, edit)
    assert main(["export", "argo-rollouts", str(source), "-o", str(out)]) == 0
    capsys.readouterr()
    files = sorted((out / rollouts.FOLDER).glob("*.yaml"))
    assert len(files) == 2
    for path in files:
        text = path.read_text(encoding="utf-8")
        document = yaml.safe_load(text)
        for value in strings_in(document):
            assert "pwned" not in value or value == HOSTILE_QUERY
            assert "{{" not in value or value == "{{args.prometheus-address}}"
            assert "Bad " not in value  # names never reach a field
        for line in text.splitlines():
            if "Bad " in line:
                assert line.lstrip().startswith("#"), line
    analysis = read(out / rollouts.analysis_file("production"))
    query = analysis["spec"]["metrics"][0]["provider"]["prometheus"]["query"]
    assert query == HOSTILE_QUERY


def test_long_ids_make_names_kubernetes_takes(tmp_path, capsys) -> None:
    """Names are label values too (at most 63 characters); stage ids keep them apart."""
    sop_id = "s" + "o" * 61 + "p"
    stage = "p" + "r" * 61 + "d"

    def edit(data: dict[str, Any]) -> None:
        data["id"] = sop_id
        for node in data["nodes"]:
            if node["id"] == "production":
                node["id"] = stage
        for edge in data["edges"]:
            edge["source"] = stage if edge["source"] == "production" else edge["source"]
            edge["target"] = stage if edge["target"] == "production" else edge["target"]
        data["layout"] = {
            (stage if key == "production" else key): value for key, value in data["layout"].items()
        }

    out = tmp_path / "out"
    source = edited_template("startup-lightweight", tmp_path, edit)
    assert main(["export", "argo-rollouts", str(source), "-o", str(out)]) == 0, (
        capsys.readouterr().err
    )
    rollout = read(out / rollouts.rollout_file(stage))
    assert rollout["metadata"]["name"] == stage
    assert rollout["spec"]["selector"]["matchLabels"]["app"] == stage
    spec = SimpleNamespace(metadata=SimpleNamespace(name=sop_id))
    assert rollouts.resource_name(spec, "canary") == f"{sop_id[:56]}-canary"
    assert len(rollouts.resource_name(spec, "canary")) == 63
    need_schemas()
    assert schema_errors(rollout) == []


# -- golden files ---------------------------------------------------------------------------


def test_golden_export_of_startup_lightweight(exports) -> None:
    compare_with_golden(exports["startup-lightweight"], GOLDEN / "argo-rollouts", "argo-rollouts")
