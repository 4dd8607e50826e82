"""`gatewright evidence init|collect|fetch` and `decision verify`, through the entry point.

The platform payloads in tests/fixtures/platforms are written from the fields the GitHub
and GitLab REST documentation shows for a workflow run's review history and a deployment.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from app.compiler.compile import compile_data
from app.model.templates import load_template, template_ids
from app.spec.files import write_spec
from tests.cli import run

PLATFORMS = Path(__file__).resolve().parents[1] / "fixtures" / "platforms"
GATE = "release-gate"


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "spec.json"
    write_spec(compile_data(load_template("startup-lightweight")), path)
    return path


def base_evidence(tmp_path: Path, **changes: Any) -> Path:
    evidence = {
        "candidate": {"model": "ranker", "version": "2.0.0", "tier": "low", "submitted_by": "ana"},
        "metrics": {"accuracy": 0.93, "latency-p95-ms": 120},
        "checks": {"smoke-tests": "passed"},
        "artifacts": ["model-card"],
        "approvals": [
            {"by": "fay", "role": "ml-lead", "decision": "approve", "at": "2026-11-21T09:00:00Z"}
        ],
        **changes,
    }
    path = tmp_path / "base.json"
    path.write_text(json.dumps(evidence), encoding="utf-8")
    return path


def collect(capsys, spec_file: Path, tmp_path: Path, *args: str) -> tuple[int, Any, str]:
    out = tmp_path / "collected.json"
    code, _stdout, err = run(
        capsys, "evidence", "collect", str(spec_file), "--gate", GATE, "-o", str(out), *args
    )
    return code, json.loads(out.read_text()) if code == 0 else None, err


# -- init -----------------------------------------------------------------------------------


def test_init_prints_every_value_the_gate_reads_as_null(spec_file, capsys) -> None:
    code, out, err = run(capsys, "evidence", "init", str(spec_file), "--gate", GATE)
    assert code == 0, err
    assert json.loads(out) == {
        "candidate": {"model": None, "version": None, "tier": None, "submitted_by": None},
        "metrics": {"latency-p95-ms": None, "accuracy": None},
        "baseline": {},
        "checks": {"smoke-tests": None, "security-review": None},
        "artifacts": [],
        "approvals": [],
    }
    assert "model-card" in err and "artifacts" in err  # named, not listed: listing passes
    # Where a record's comment and conditions go, and the three decisions it may hold.
    assert '"comment"' in err and '"conditions"' in err and '"revise"' in err


def test_every_templates_skeleton_names_what_its_criteria_read(tmp_path, capsys) -> None:
    for template_id in template_ids():
        spec = compile_data(load_template(template_id))
        path = tmp_path / f"{template_id}.json"
        write_spec(spec, path)
        for gate in spec["gates"]:
            code, out, err = run(capsys, "evidence", "init", str(path), "--gate", gate["id"])
            assert code == 0, err
            skeleton = json.loads(out)
            for criterion in gate["criteria"]:
                if "artifact" in criterion:
                    assert criterion["artifact"] in err
                elif "check" in criterion:
                    assert skeleton["checks"][criterion["check"]] is None
                else:
                    assert skeleton["metrics"][criterion["metric"]] is None
                    if criterion.get("baseline"):
                        assert skeleton["baseline"][criterion["metric"]] is None


def test_a_filled_skeleton_is_what_check_reads(spec_file, tmp_path, capsys) -> None:
    _code, out, _err = run(capsys, "evidence", "init", str(spec_file), "--gate", GATE)
    evidence = json.loads(out)
    evidence["candidate"] = {"model": "ranker", "version": "2.0.0", "tier": "low"}
    evidence["candidate"]["submitted_by"] = "ana"
    evidence["metrics"] = {"latency-p95-ms": 120, "accuracy": 0.93}
    evidence["checks"] = {"smoke-tests": "passed", "security-review": None}
    evidence["artifacts"] = ["model-card"]
    evidence["approvals"] = [
        {"by": "eli", "role": "ml-lead", "decision": "approve", "at": "2026-11-21T09:00:00Z"}
    ]
    path = tmp_path / "filled.json"
    path.write_text(json.dumps(evidence))
    code, out, err = run(
        capsys, "check", str(spec_file), "--gate", GATE, "--evidence", str(path), "--json"
    )
    assert code in (0, 3), err  # promote, or a hold on the approval window
    assert json.loads(out)["criteria"]


def test_init_names_an_unknown_gate_and_the_spec(spec_file, capsys) -> None:
    code, out, err = run(capsys, "evidence", "init", str(spec_file), "--gate", "nope")
    assert code == 2 and out == ""
    assert str(spec_file) in err and "review-gate, release-gate" in err


# -- collect --------------------------------------------------------------------------------


def test_gitlab_deployment_approvals_replace_those_of_the_base(spec_file, tmp_path, capsys):
    base = base_evidence(tmp_path)
    code, evidence, err = collect(
        capsys,
        spec_file,
        tmp_path,
        "--base",
        str(base),
        "--approvals-gitlab",
        str(PLATFORMS / "gitlab-deployment.json"),
    )
    assert code == 0, err
    # The deployment's approvals carry each approver's comment (the REST API's `comment`).
    assert evidence["approvals"] == [
        {
            "by": "eli",
            "decision": "approve",
            "at": "2026-11-21T09:30:30.097Z",
            "comment": "Looks good to me",
        },
        {
            "by": "gus",
            "decision": "reject",
            "at": "2026-11-21T09:31:00+01:00",
            "comment": "the security review is missing",
        },
    ]
    assert evidence["approvals_from"] == "gitlab"
    assert evidence["metrics"] == {"accuracy": 0.93, "latency-p95-ms": 120}
    assert "2 approvals (from: gitlab)" in err


def test_github_reviews_of_one_environment_become_approvals(spec_file, tmp_path, capsys):
    code, evidence, err = collect(
        capsys,
        spec_file,
        tmp_path,
        "--approvals-github",
        str(PLATFORMS / "github-run-approvals.json"),
        "--github-environment",
        "approve-release-gate",
        "--approved-at",
        "2026-11-21T10:00:00Z",
    )
    assert code == 0, err
    # fay reviewed another environment, gus only commented (pending): neither counts here.
    assert evidence["approvals"] == [
        {"by": "Eli", "decision": "approve", "at": "2026-11-21T10:00:00Z", "comment": "Ship it!"}
    ]
    assert evidence["approvals_from"] == "github"


def test_a_platform_approval_without_a_comment_has_none(spec_file, tmp_path, capsys) -> None:
    """GitLab writes `comment: null` when the approver gave none, GitHub an empty string:
    the record then has no comment (not an empty one)."""
    gitlab = json.loads((PLATFORMS / "gitlab-deployment.json").read_text())
    gitlab["approvals"][0]["comment"] = None
    del gitlab["approvals"][1]["comment"]
    path = tmp_path / "deployment.json"
    path.write_text(json.dumps(gitlab))
    code, evidence, err = collect(capsys, spec_file, tmp_path, "--approvals-gitlab", str(path))
    assert code == 0, err
    assert [sorted(record) for record in evidence["approvals"]] == [["at", "by", "decision"]] * 2
    reviews = json.loads((PLATFORMS / "github-run-approvals.json").read_text())
    reviews[0]["comment"] = ""
    path = tmp_path / "reviews.json"
    path.write_text(json.dumps(reviews))
    code, evidence, err = collect(capsys, spec_file, tmp_path, "--approvals-github", str(path))
    assert code == 0, err
    assert "comment" not in evidence["approvals"][0]
    assert evidence["approvals"][1]["comment"] == "staging looks fine"


def test_github_reviews_without_a_time_take_now(spec_file, tmp_path, capsys) -> None:
    code, evidence, err = collect(
        capsys,
        spec_file,
        tmp_path,
        "--approvals-github",
        str(PLATFORMS / "github-run-approvals.json"),
    )
    assert code == 0, err
    assert [record["by"] for record in evidence["approvals"]] == ["Eli", "fay"]
    assert all(record["at"].endswith("Z") for record in evidence["approvals"])


def test_junit_reports_set_the_gates_checks(spec_file, tmp_path, capsys) -> None:
    base = base_evidence(tmp_path, checks={"smoke-tests": "failed", "other": "kept"})
    code, evidence, err = collect(
        capsys, spec_file, tmp_path, "--base", str(base), "--junit", str(PLATFORMS / "junit.xml")
    )
    assert code == 0, err
    # A failure beats a skip of the same check; a test no criterion reads is left out.
    assert evidence["checks"] == {
        "smoke-tests": "passed",
        "other": "kept",
        "security-review": "failed",
    }
    assert evidence["approvals_from"] == "evidence"


def test_no_approvals_and_the_platforms_submitter(spec_file, tmp_path, capsys) -> None:
    base = base_evidence(tmp_path)
    code, evidence, err = collect(
        capsys, spec_file, tmp_path, "--base", str(base), "--no-approvals", "--submitted-by", "ben"
    )
    assert code == 0, err
    assert evidence["approvals"] == [] and evidence["approvals_from"] == "none"
    assert evidence["candidate"]["submitted_by"] == "ben"


@pytest.mark.parametrize(
    ("payload", "option", "fragment"),
    [
        (
            [{"state": "approved", "user": {"login": "x y"}}],
            "--approvals-github",
            "$[0].user.login",
        ),
        ([{"state": "maybe", "user": {"login": "x"}}], "--approvals-github", "$[0].state"),
        ({"approvals": "all"}, "--approvals-gitlab", "$.approvals"),
        (
            {"approvals": [{"user": {"username": "eli"}, "status": "ok", "created_at": "x"}]},
            "--approvals-gitlab",
            "$.approvals[0].status",
        ),
        (
            {
                "approvals": [
                    {
                        "user": {"username": "eli"},
                        "status": "approved",
                        "created_at": "2026-11-21T09:30:30",
                    }
                ]
            },
            "--approvals-gitlab",
            "$.approvals[0].created_at",
        ),
        (
            {"approvals": [{"user": {"username": "el\u0456"}, "status": "approved"}]},
            "--approvals-gitlab",
            "$.approvals[0].user.username",
        ),
        # A reviewer's comment that would show other text than it holds, or none at all.
        (
            [{"state": "approved", "user": {"login": "eli"}, "comment": "ok \u202egnp.exe"}],
            "--approvals-github",
            "$[0].comment: holds a bidirectional control character (U+202E)",
        ),
        (
            [{"state": "approved", "user": {"login": "eli"}, "comment": "x" * 10_001}],
            "--approvals-github",
            "$[0].comment: must be at most 10,000 characters",
        ),
        (
            {
                "approvals": [
                    {
                        "user": {"username": "eli"},
                        "status": "approved",
                        "created_at": "2026-11-21T09:30:30Z",
                        "comment": "fine\u0000",
                    }
                ]
            },
            "--approvals-gitlab",
            "$.approvals[0].comment: holds a NUL character",
        ),
        (
            {
                "approvals": [
                    {
                        "user": {"username": "eli"},
                        "status": "approved",
                        "created_at": "2026-11-21T09:30:30Z",
                        "comment": 42,
                    }
                ]
            },
            "--approvals-gitlab",
            "$.approvals[0].comment: must be a string",
        ),
    ],
)
def test_a_payload_that_cannot_be_read_is_named(
    spec_file, tmp_path, capsys, payload, option, fragment
) -> None:
    path = tmp_path / "payload.json"
    path.write_text(json.dumps(payload))
    code, _evidence, err = collect(capsys, spec_file, tmp_path, option, str(path))
    assert code == 2
    assert f"{path}: {fragment}" in err and "Traceback" not in err
    assert not (tmp_path / "collected.json").exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--no-approvals", "--approvals-gitlab", "x.json"], "one approvals source"),
        (["--submitted-by", "ana maria"], "--submitted-by"),
        (["--approved-at", "2026-11-21T10:00:00Z"], "--approved-at goes with"),
        (["--github-environment", "x"], "--github-environment goes with"),
        (["--junit", "missing.xml"], "missing.xml: does not exist"),
    ],
)
def test_collect_refuses_bad_usage_in_one_sentence(
    spec_file, tmp_path, capsys, args, fragment
) -> None:
    code, _evidence, err = collect(capsys, spec_file, tmp_path, *args)
    assert code == 2 and fragment in err and "Traceback" not in err


def test_collect_never_writes_over_its_inputs(spec_file, tmp_path, capsys) -> None:
    base = base_evidence(tmp_path)
    before = spec_file.read_bytes(), base.read_bytes()
    for target in (spec_file, base):
        code, _out, err = run(
            capsys, "evidence", "collect", str(spec_file), "--gate", GATE,
            "--base", str(base), "-o", str(target),
        )  # fmt: skip
        assert code == 2 and "is the input file" in err
    assert (spec_file.read_bytes(), base.read_bytes()) == before


def test_junit_with_entities_or_bad_xml_is_refused(spec_file, tmp_path, capsys) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<!DOCTYPE x [<!ENTITY a "aaaa">]><testsuites>&a;</testsuites>')
    code, _e, err = collect(capsys, spec_file, tmp_path, "--junit", str(bomb))
    assert code == 2 and "entities" in err
    broken = tmp_path / "broken.xml"
    broken.write_text("<testsuites><testcase></testsuites>")
    code, _e, err = collect(capsys, spec_file, tmp_path, "--junit", str(broken))
    assert code == 2 and "invalid XML" in err


# -- fetch ----------------------------------------------------------------------------------


class _Api(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, Any]]] = {}
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        type(self).seen.append(
            {"path": self.path, **{k.lower(): v for k, v in self.headers.items()}}
        )
        status, body = type(self).routes.get(self.path, (404, {"message": "404 Not Found"}))
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def api() -> Iterator[tuple[str, type[_Api]]]:
    handler = type("Api", (_Api,), {"routes": {}, "seen": []})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", handler
    server.shutdown()
    server.server_close()


def test_fetch_github_reviews_with_the_jobs_token(api, tmp_path, capsys, monkeypatch) -> None:
    url, handler = api
    reviews = json.loads((PLATFORMS / "github-run-approvals.json").read_text())
    handler.routes["/repos/acme/models/actions/runs/77/approvals"] = (200, reviews)
    for name, value in {
        "GITHUB_API_URL": url,
        "GITHUB_REPOSITORY": "acme/models",
        "GITHUB_RUN_ID": "77",
        "GITHUB_TOKEN": "ghs_secret",
    }.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "reviews.json"
    code, _out, err = run(capsys, "evidence", "fetch", "github-reviews", "-o", str(out))
    assert code == 0, err
    assert json.loads(out.read_text()) == reviews
    assert handler.seen[0]["authorization"] == "Bearer ghs_secret"


def test_fetch_gitlab_finds_the_jobs_deployment(api, tmp_path, capsys, monkeypatch) -> None:
    url, handler = api
    deployment = json.loads((PLATFORMS / "gitlab-deployment.json").read_text())
    listed = [{"id": 41, "deployable": {"id": 663}}, {"id": 42, "deployable": {"id": 664}}]
    query = "environment=approve-release-gate&order_by=id&sort=desc&per_page=100"
    handler.routes[f"/api/v4/projects/7/deployments?{query}"] = (200, listed)
    handler.routes["/api/v4/projects/7/deployments/42"] = (200, deployment)
    for name, value in {
        "CI_API_V4_URL": f"{url}/api/v4",
        "CI_PROJECT_ID": "7",
        "CI_JOB_ID": "664",
        "CI_ENVIRONMENT_NAME": "approve-release-gate",
        "CI_JOB_TOKEN": "job-secret",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GATEWRIGHT_GITLAB_TOKEN", raising=False)
    out = tmp_path / "deployment.json"
    code, _out, err = run(capsys, "evidence", "fetch", "gitlab-deployment", "-o", str(out))
    assert code == 0, err
    assert json.loads(out.read_text())["approvals"][0]["user"]["username"] == "eli"
    assert all(seen["job-token"] == "job-secret" for seen in handler.seen)
    monkeypatch.setenv("CI_JOB_ID", "999")
    code, _out, err = run(capsys, "evidence", "fetch", "gitlab-deployment", "-o", str(out))
    assert code == 2 and "job 999 has no deployment" in err


def test_an_api_that_refuses_or_cannot_be_reached_is_one_line(
    api, tmp_path, capsys, monkeypatch
) -> None:
    url, _handler = api
    monkeypatch.setenv("GITHUB_API_URL", url)
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/models")
    monkeypatch.setenv("GITHUB_RUN_ID", "77")
    monkeypatch.setenv("GITHUB_TOKEN", "bad")
    out = tmp_path / "reviews.json"
    code, _out, err = run(capsys, "evidence", "fetch", "github-reviews", "-o", str(out))
    assert code == 2 and "HTTP 404" in err and err.count("\n") == 1
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9")  # nothing listens there
    code, _out, err = run(capsys, "evidence", "fetch", "github-reviews", "-o", str(out))
    assert code == 2 and "cannot read the workflow run's review history" in err
    assert err.count("\n") == 1 and not out.exists()
    monkeypatch.delenv("GITHUB_TOKEN")
    code, _out, err = run(capsys, "evidence", "fetch", "github-reviews", "-o", str(out))
    assert code == 2 and "GITHUB_TOKEN is not set" in err


# -- decision verify ------------------------------------------------------------------------


def decision_file(spec_file: Path, tmp_path: Path, **changes: Any) -> Path:
    document = {
        "gate": GATE,
        "decision": "promote",
        "spec_digest": json.loads(spec_file.read_text())["digest"],
        "candidate": {"model": "ranker", "version": "2.0.0", "tier": "low"},
        **changes,
    }
    path = tmp_path / "decision.json"
    path.write_text(json.dumps(document))
    return path


def verify(capsys, spec_file: Path, decision: Path, *args: str) -> tuple[int, str, str]:
    return run(
        capsys, "decision", "verify", str(decision), "--spec", str(spec_file), "--gate", GATE, *args
    )


def test_verify_lets_the_decided_candidate_through(spec_file, tmp_path, capsys) -> None:
    decision = decision_file(spec_file, tmp_path)
    code, out, err = verify(capsys, spec_file, decision, "--model", "ranker", "--version", "2.0.0")
    assert code == 0, err
    assert "promoted ranker 2.0.0" in out
    code, out, _err = verify(capsys, spec_file, decision)  # nothing given: what was decided
    assert code == 0 and "ranker 2.0.0" in out


@pytest.mark.parametrize(
    ("conditions", "said"),
    [
        ([{"by": "eli", "role": "ml-lead", "decision": "approve", "text": "watch"}], "1 condition"),
        ([{"text": "a"}, {"text": "b"}], "2 conditions"),
        ("not a list", None),
        ([], None),
    ],
)
def test_verify_says_when_the_promotion_comes_with_conditions(
    spec_file, tmp_path, capsys, conditions, said
) -> None:
    decision = decision_file(spec_file, tmp_path, conditions=conditions)
    code, out, err = verify(capsys, spec_file, decision)
    assert code == 0, err
    assert "promoted ranker 2.0.0: deploying it" in out
    if said is None:
        assert "condition" not in out
    else:
        assert f"with {said} its approvers set" in out


@pytest.mark.parametrize(
    ("changes", "args", "fragment"),
    [
        ({}, ["--version", "2.0.1"], "promoted version '2.0.0', but this job was given"),
        ({}, ["--model", "other"], "promoted model 'ranker'"),
        ({"decision": "hold"}, [], "is a hold decision, not a promote"),
        ({"gate": "review-gate"}, [], "decides gate 'review-gate'"),
        ({"spec_digest": "sha256:00"}, [], "another spec"),
        ({"candidate": None}, [], "names no candidate"),
    ],
)
def test_verify_refuses_anything_else(spec_file, tmp_path, capsys, changes, args, fragment) -> None:
    decision = decision_file(spec_file, tmp_path, **changes)
    code, out, err = verify(capsys, spec_file, decision, *args)
    assert code == 1 and out == ""
    assert fragment in err and str(decision) in err


def test_verify_of_an_unnamed_candidate_compares_what_it_can(spec_file, tmp_path, capsys) -> None:
    decision = decision_file(spec_file, tmp_path, candidate={"tier": "low"})
    code, out, _err = verify(capsys, spec_file, decision)
    assert code == 0 and "did not name" in out
    code, _out, err = verify(capsys, spec_file, decision, "--version", "2.0.0")
    assert code == 1 and "promoted version '', but this job was given version '2.0.0'" in err


def test_verify_of_a_missing_decision_is_unusable_input(spec_file, tmp_path, capsys) -> None:
    code, _out, err = verify(capsys, spec_file, tmp_path / "none.json")
    assert code == 2 and "does not exist" in err
