"""Where a metric is read (`sources`): kept by the document, carried into the spec, described
by both JSON Schemas, and hostile text in it refused with one located sentence."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from app.cli import main
from app.cli.schemas import schema_of
from app.compiler.compile import compile_data
from app.model.io import load_document
from app.model.templates import template_text

SOURCES = {"mlflow": "val/accuracy", "prometheus": 'avg(model_accuracy{model="credit-scorer"})'}

HOSTILE = [
    ("up\x00", "NUL character (U+0000) at position 3"),
    ("up\u202e}x{", "bidirectional control character (U+202E) at position 3"),
    ("up\n+ 1", "line break (U+000A) at position 3"),
    ("up\u2028", "line break (U+2028) at position 3"),
    ("\x1b[31mup", "control character (U+001B) at position 1"),
    ("", "must not be empty"),
    ("   ", "must not be empty"),
    ("x" * 5000, "at most 4,096 characters"),
    (["up"], "must be a string, got a list"),
]


def _template(sources: object) -> dict:
    data = json.loads(template_text("deployment-gate"))
    data["metrics"][0]["sources"] = sources
    return data


def test_sources_are_kept_and_compiled_into_the_spec(tmp_path: Path) -> None:
    path = tmp_path / "sop.json"
    path.write_text(json.dumps(_template(SOURCES)), encoding="utf-8")
    doc = load_document(path)
    assert doc.metrics[0].sources is not None
    assert doc.metrics[0].sources.model_dump(exclude_none=True) == SOURCES
    spec = compile_data(doc)
    accuracy = next(metric for metric in spec["metrics"] if metric["id"] == "accuracy")
    assert accuracy["sources"] == SOURCES
    jsonschema.Draft202012Validator(schema_of("spec")).validate(spec)


@pytest.mark.parametrize("what", ["sop", "spec"])
def test_both_schemas_describe_the_sources(what: str) -> None:
    schema = schema_of(what)
    sources = schema["$defs"]["MetricSources"]["properties"]
    assert set(sources) == {"mlflow", "prometheus"}
    assert all(field["description"] for field in sources.values())


@pytest.mark.parametrize(("value", "said"), HOSTILE, ids=[s for _v, s in HOSTILE])
def test_hostile_sources_are_refused_with_one_sentence(
    value: object, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _template({"prometheus": value})
    path = tmp_path / "hostile.sop.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{path}: $.metrics[0].sources.prometheus: " in err
    assert said in err
    # The published schema refuses what the loader refuses (the JSON types can hold it).
    errors = list(jsonschema.Draft202012Validator(schema_of("sop")).iter_errors(data))
    assert errors, f"the SOP schema accepts {value!r}"


def test_a_query_in_another_script_with_quotes_and_braces_is_kept(tmp_path: Path) -> None:
    query = 'avg(précision{modèle="crédit", job=~"$(rm -rf /)|${{ secrets.X }}"})'
    path = tmp_path / "sop.json"
    path.write_text(json.dumps(_template({"prometheus": query})), encoding="utf-8")
    assert load_document(path).metrics[0].sources.prometheus == query  # type: ignore[union-attr]
