"""`gatewright monitor --prometheus` against a real Prometheus server (CONTRACTS section 8):
healthy before a drop, rollback after it, a gap with no data, a query answering with
several series, a metric without a query, a failing query and a server that is not there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.compiler.compile import compile_data
from app.model.templates import load_template
from app.spec.files import write_spec
from tests.cli import run
from tests.runtime.prometheus_server import at, free_port, prometheus_server

MINUTES = range(0, 61)
SERIES = {
    # Healthy until minute 40, then a drop below the trigger's 0.85.
    'model_accuracy{model="credit"}': {m: (0.93 if m <= 40 else 0.70) for m in MINUTES},
    # No sample from minute 16 to minute 44.
    'model_accuracy{model="gappy"}': {m: 0.93 for m in MINUTES if not 15 < m < 45},
    'model_parity_gap{model="credit"}': dict.fromkeys(MINUTES, 0.02),
    'model_latency_ms{pod="a"}': dict.fromkeys(MINUTES, 120),
    'model_latency_ms{pod="b"}': dict.fromkeys(MINUTES, 140),
}
ACCURACY = 'model_accuracy{model="credit"}'
PARITY = 'max(model_parity_gap{model="credit"})'


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with prometheus_server(tmp_path_factory.mktemp("prometheus"), SERIES) as url:
        yield url


def spec_with(
    folder: Path, accuracy: str | None = ACCURACY, parity: str | None = PARITY, **trigger: Any
) -> Path:
    """The deployment-gate template compiled with these queries (None: no query), the
    accuracy-drop trigger changed by ``trigger``."""
    doc = load_template("deployment-gate")
    metrics = [metric.model_dump(exclude_none=True) for metric in doc.metrics]
    queries = {"accuracy": accuracy, "demographic-parity-gap": parity}
    for metric in metrics:
        if metric["id"] not in queries:
            continue
        if query := queries[metric["id"]]:
            metric["sources"] = {"prometheus": query}
        else:
            metric.pop("sources", None)  # the template's own query goes too
    doc.set_document_field("metrics", metrics)
    for field, value in trigger.items():
        doc.set_field("accuracy-drop", field, value)
    path = folder / f"spec-{len(list(folder.glob('spec-*')))}.json"
    write_spec(compile_data(doc), path)
    return path


def monitor(capsys, spec: Path, url: str, minute: float, *extra: str) -> tuple[int, Any, str]:
    code, out, err = run(
        capsys,
        "monitor",
        str(spec),
        "--stage",
        "production",
        "--prometheus",
        url,
        "--at",
        at(minute).isoformat(),
        "--json",
        *extra,
    )
    return code, json.loads(out) if out else None, err


def test_healthy_before_the_drop(capsys, tmp_path: Path, prometheus: str) -> None:
    code, result, err = monitor(capsys, spec_with(tmp_path), prometheus, 30)
    assert (code, result["decision"], result["fired"]) == (0, "healthy", []), err
    assert result["windows"] == 3  # accuracy-drop needs three 5-minute windows


def test_rollback_after_the_drop(capsys, tmp_path: Path, prometheus: str) -> None:
    code, result, err = monitor(capsys, spec_with(tmp_path), prometheus, 55)
    assert (code, result["decision"], result["fired"]) == (1, "rollback", ["accuracy-drop"]), err
    assert result["plan"]["policy"]


def test_one_bad_window_of_three_does_not_fire(capsys, tmp_path: Path, prometheus: str) -> None:
    # Windows end at minutes 37, 42 (0.70) and 47 (0.70): only the last two are below.
    code, result, _err = monitor(capsys, spec_with(tmp_path), prometheus, 47)
    assert (code, result["decision"]) == (0, "healthy")
    code, result, _err = monitor(capsys, spec_with(tmp_path), prometheus, 52)
    assert (code, result["decision"]) == (1, "rollback")


def test_the_step_sets_the_window(capsys, tmp_path: Path, prometheus: str) -> None:
    # One-minute windows ending at minute 43: 41, 42 and 43 are all after the drop.
    spec = spec_with(tmp_path)
    code, result, _err = monitor(capsys, spec, prometheus, 43, "--step", "1m")
    assert (code, result["decision"]) == (1, "rollback")
    code, result, _err = monitor(capsys, spec, prometheus, 43)  # 5m: 33, 38, 43
    assert (code, result["decision"]) == (0, "healthy")


def test_a_gap_is_missing_data_never_healthy(capsys, tmp_path: Path, prometheus: str) -> None:
    gappy = 'model_accuracy{model="gappy"}'
    code, result, _err = monitor(capsys, spec_with(tmp_path, gappy), prometheus, 35)
    assert (code, result["decision"]) == (1, "rollback")  # on_missing: breach (the default)
    ignoring = spec_with(tmp_path, gappy, on_missing="ignore")
    code, result, _err = monitor(capsys, ignoring, prometheus, 35)
    assert (code, result["decision"], result["inconclusive"]) == (
        3,
        "inconclusive",
        ["accuracy-drop"],
    )
    # Windows at 40 (no sample in its look-back), 45 and 50: one missing, then healthy.
    code, result, _err = monitor(capsys, spec_with(tmp_path, gappy), prometheus, 50)
    assert (code, result["decision"]) == (0, "healthy")


def test_a_query_answering_several_series_is_unusable(
    capsys, tmp_path: Path, prometheus: str
) -> None:
    code, result, err = monitor(capsys, spec_with(tmp_path, "model_latency_ms"), prometheus, 30)
    assert (code, result) == (2, None)
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "metric 'accuracy'" in err and "answers with 2 series" in err and "pod='a'" in err


def test_a_trigger_whose_metric_has_no_query_is_unusable(
    capsys, tmp_path: Path, prometheus: str
) -> None:
    spec = spec_with(tmp_path, parity=None)
    code, result, err = monitor(capsys, spec, prometheus, 30)
    assert (code, result) == (2, None)
    assert f"{spec}: metric 'demographic-parity-gap' has no Prometheus query" in err
    assert err.count("\n") == 1


def test_a_failing_query_names_prometheus_and_its_reason(
    capsys, tmp_path: Path, prometheus: str
) -> None:
    code, _result, err = monitor(capsys, spec_with(tmp_path, "avg(model_accuracy"), prometheus, 30)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(
        f"error: Prometheus at {prometheus}: cannot read metric 'accuracy': HTTP 400 Bad Request: "
    )
    assert "parse error" in err


def test_an_empty_result_everywhere_is_never_healthy(
    capsys, tmp_path: Path, prometheus: str
) -> None:
    spec = spec_with(tmp_path, "model_accuracy{model='nobody'}")
    code, result, _err = monitor(capsys, spec, prometheus, 30)
    assert (code, result["decision"]) == (1, "rollback")


def test_more_windows_than_prometheus_answers_is_unusable(
    capsys, tmp_path: Path, prometheus: str
) -> None:
    spec = spec_with(tmp_path, for_windows=20_000)
    code, result, err = monitor(capsys, spec, prometheus, 30)
    assert (code, result) == (2, None)
    assert "needs 20,000 windows in a row, more than the 11,000 points" in err


def test_an_unreachable_prometheus_is_unusable_never_healthy(capsys, tmp_path: Path) -> None:
    url = f"http://user:s3cret@127.0.0.1:{free_port()}"
    code, result, err = monitor(capsys, spec_with(tmp_path), url, 30)
    assert (code, result) == (2, None)
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"error: Prometheus at http://127.0.0.1:{url.rsplit(':', 1)[1]}:")
    assert "s3cret" not in err and "refused" in err.lower()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--prometheus", "ftp://example.org"], "is not the http(s) URL of a Prometheus server"),
        (["--prometheus", "http://127.0.0.1:1", "--step", "0s"], "no time at all"),
        (["--prometheus", "http://127.0.0.1:1", "--step", "5 minutes"], "is not a duration"),
        (["--telemetry", "x.json", "--step", "5m"], "goes with --prometheus"),
        (["--telemetry", "x.json", "--prometheus", "http://127.0.0.1:1"], "not allowed with"),
    ],
)
def test_bad_usage_is_one_sentence(capsys, tmp_path: Path, args: list[str], said: str) -> None:
    code, out, err = run(
        capsys, "monitor", str(spec_with(tmp_path)), "--stage", "production", *args
    )
    assert code == 2 and out == ""
    assert said in err and "Traceback" not in err


def test_as_a_process_with_the_text_report(tmp_path: Path, prometheus: str) -> None:
    spec = spec_with(tmp_path)
    done = subprocess.run(
        [
            *(sys.executable, "-m", "app", "monitor", str(spec), "--stage", "production"),
            *("--prometheus", prometheus, "--at", at(55).isoformat()),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("production: ROLLBACK (fired: accuracy-drop)")


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("5m", 300), ("1h30m", 5400), ("1d", 86400), ("250ms", 0.25)]
)
def test_steps_are_prometheus_durations(text: str, seconds: float) -> None:
    from app.runtime.prometheus import parse_step

    assert parse_step(text).total_seconds() == seconds


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://u:p%40ss@prom.example:9090/prefix/", "http://prom.example:9090/prefix/"),
        ("https://[::1]:9090", "https://[::1]:9090"),
        ("http://prom.example", "http://prom.example"),
    ],
)
def test_the_server_is_named_without_its_credentials(url: str, shown: str) -> None:
    from app.runtime.prometheus import PrometheusServer

    assert PrometheusServer(url).shown == shown


def test_an_unknown_stage_names_the_spec_before_asking_prometheus(capsys, tmp_path: Path) -> None:
    spec = spec_with(tmp_path)
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens: the stage is refused first
    code, out, err = run(capsys, "monitor", str(spec), "--stage", "prod", "--prometheus", url)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {spec}: the spec has no stage 'prod'")
