"""A local runner for the GitHub workflows Gatewright exports (no GitHub runner exists here).

It runs every job's ``run:`` steps with bash, in ``needs:`` order, each job in a fresh copy
of the repository, with the ``env:`` the workflow, the job and the step set and the
variables GitHub gives every job (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_ACTOR...).
The actions the exports use are emulated: checkout and setup-python do nothing (the
repository is already there; python is the runner's), upload-artifact and
download-artifact copy files through a store shared by the run, and local composite
actions run their own steps. Expressions are evaluated for the forms the exporter writes;
any other expression, or any other action, fails the run loudly instead of being guessed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
TOKEN = re.compile(
    r"\s*(?:(?P<op>\|\||&&|==|!=|\(|\)|,)|(?P<str>'(?:[^']|'')*')"
    r"|(?P<path>[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*|\['[^']*'\])*))"
)
STATUS_FUNCTIONS = ("always()", "success()", "failure()", "cancelled()")


class HarnessError(AssertionError):
    """The workflow uses something this harness does not emulate."""


# -- expressions ----------------------------------------------------------------------------


def _tokens(text: str) -> list[tuple[str, str]]:
    found, position = [], 0
    while position < len(text.rstrip()):
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise HarnessError(f"cannot read the expression {text!r} at {text[position:]!r}")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


def _truthy(value: Any) -> bool:
    return value not in (None, "", 0, False)


class Expression:
    """A small recursive-descent evaluator: ``||``, ``&&``, ``==``, ``!=``, strings, context
    paths and the functions always, success, failure, contains and fromJSON."""

    def __init__(self, text: str, context: dict[str, Any]) -> None:
        self.tokens = _tokens(text)
        self.index = 0
        self.context = context

    def value(self) -> Any:
        result = self._or()
        if self.index != len(self.tokens):
            raise HarnessError(f"unexpected {self.tokens[self.index]} in an expression")
        return result

    def _peek(self) -> str | None:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _or(self) -> Any:
        left = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            left = left if _truthy(left) else right
        return left

    def _and(self) -> Any:
        left = self._compare()
        while self._peek() == "&&":
            self._take()
            right = self._compare()
            left = right if _truthy(left) else left
        return left

    def _compare(self) -> Any:
        left = self._primary()
        if self._peek() in ("==", "!="):
            op = self._take()[1]
            right = self._primary()
            same = str(left).lower() == str(right).lower()
            return same if op == "==" else not same
        return left

    def _primary(self) -> Any:
        kind, text = self._take()
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if text == "(":
            inner = self._or()
            self._take()
            return inner
        if kind == "path" and self._peek() == "(":
            self._take()
            args = []
            while self._peek() != ")":
                args.append(self._or())
                if self._peek() == ",":
                    self._take()
            self._take()
            return self._call(text, args)
        if kind == "path":
            return self._lookup(text)
        raise HarnessError(f"unexpected {text!r} in an expression")

    def _call(self, name: str, args: list[Any]) -> Any:
        status = self.context.get("__status__", {})
        if name == "always":
            return True
        if name == "success":
            return status.get("success", True)
        if name == "failure":
            return not status.get("success", True)
        if name == "fromJSON":
            return json.loads(args[0])
        if name == "contains":
            haystack, needle = args
            if isinstance(haystack, list):
                return any(str(item).lower() == str(needle).lower() for item in haystack)
            return str(needle).lower() in str(haystack).lower()
        raise HarnessError(f"the harness does not know the function {name}()")

    def _lookup(self, path: str) -> Any:
        parts = re.findall(r"\['([^']*)'\]|([A-Za-z_][A-Za-z0-9_-]*)", path)
        value: Any = self.context
        for quoted, plain in parts:
            key = quoted or plain
            if not isinstance(value, dict):
                return None
            if value is self.context and key not in value:
                raise HarnessError(f"the harness has no context {key!r} (in {path!r})")
            value = value.get(key)
        return value


def evaluate(text: str, context: dict[str, Any]) -> Any:
    return Expression(text, context).value()


def substitute(value: Any, context: dict[str, Any]) -> str:
    """A workflow value with its ``${{ }}`` expressions replaced by their values."""
    text = str(value) if not isinstance(value, bool) else str(value).lower()

    def replace(match: re.Match[str]) -> str:
        result = evaluate(match.group(1), context)
        if result is None:
            return ""
        if isinstance(result, bool):
            return str(result).lower()
        return str(result)

    return EXPRESSION.sub(replace, text)


def condition(text: str, context: dict[str, Any]) -> bool:
    """A job's or step's ``if:`` (with or without ``${{ }}``), with GitHub's implicit
    ``success() &&`` when it names no status function."""
    inner = text.strip()
    if inner.startswith("${{") and inner.endswith("}}"):
        inner = inner[3:-2]
    if not any(function in inner.replace(" ", "") for function in STATUS_FUNCTIONS):
        if not context.get("__status__", {}).get("success", True):
            return False  # GitHub's && stops here: the rest is never evaluated
        inner = f"success() && ({inner})"
    return _truthy(evaluate(inner, context))


# -- running --------------------------------------------------------------------------------


@dataclass
class JobRun:
    """What became of one job."""

    status: str  # success | failure | skipped | waiting (held by its environment)
    outputs: dict[str, str] = field(default_factory=dict)
    log: str = ""
    summary: str = ""
    workspace: Path | None = None


@dataclass
class GitHubRun:
    """One run of one workflow, job by job."""

    repo: Path
    work: Path
    runner_bin: Path
    inputs: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    """Overrides of the workflow's own ``env:`` (what a team edits in the file)."""
    api_url: str = "http://127.0.0.1:9"
    actor: str = "ana"
    run_id: str = "4242"
    token: str = "ghs_harness_token"
    jobs: dict[str, JobRun] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    """The repository's secrets (none set: each reads as empty, as on GitHub)."""
    held: set[str] = field(default_factory=set)
    """Environments whose required reviewers have not approved: GitHub holds a job bound to
    one (status ``waiting``), and the jobs that need it do not start."""

    def __post_init__(self) -> None:
        self.store = self.work / "artifacts"
        self.store.mkdir(parents=True, exist_ok=True)

    def run(self, workflow_file: str) -> dict[str, JobRun]:
        workflow = yaml.safe_load((self.repo / workflow_file).read_text(encoding="utf-8"))
        base = {
            "inputs": dict(self.inputs),
            "github": self._github(),
            "secrets": dict(self.secrets),
        }
        workflow_env = {
            key: substitute(value, base) for key, value in (workflow.get("env") or {}).items()
        }
        workflow_env.update(self.env)
        for job_id in _job_order(workflow["jobs"]):
            self.jobs[job_id] = self._run_job(job_id, workflow["jobs"][job_id], workflow_env)
        return self.jobs

    def _github(self) -> dict[str, Any]:
        return {"token": self.token, "actor": self.actor, "run_id": self.run_id}

    def _needs_context(self, needs: list[str]) -> dict[str, Any]:
        return {
            need: {"result": self.jobs[need].status, "outputs": self.jobs[need].outputs}
            for need in needs
        }

    def _run_job(self, job_id: str, job: dict[str, Any], workflow_env: dict[str, str]) -> JobRun:
        if "uses" in job:
            raise HarnessError(f"{job_id}: reusable workflows are not emulated")
        needs = job.get("needs") or []
        needs = [needs] if isinstance(needs, str) else needs
        ok = all(self.jobs[need].status == "success" for need in needs)
        context = {
            "inputs": dict(self.inputs),
            "github": self._github(),
            "needs": self._needs_context(needs),
            "env": dict(workflow_env),
            "__status__": {"success": ok},
        }
        if "if" in job:
            if not condition(str(job["if"]), context):
                return JobRun("skipped")
        elif not ok:
            return JobRun("skipped")
        environment = job.get("environment")
        if isinstance(environment, dict):
            environment = environment.get("name")
        if environment in self.held:
            return JobRun("waiting")
        workspace = self.work / "jobs" / job_id
        shutil.copytree(self.repo, workspace, ignore=shutil.ignore_patterns(".git"))
        env = dict(workflow_env)
        env.update(
            {key: substitute(value, context) for key, value in (job.get("env") or {}).items()}
        )
        summary = self.work / "summaries" / f"{job_id}.md"
        summary.parent.mkdir(parents=True, exist_ok=True)
        summary.touch()
        state = _JobState(job_id, workspace, env, summary, context, int(job["timeout-minutes"]))
        context["steps"] = state.steps
        for step in job.get("steps") or []:
            self._run_step(step, state, context)
        outputs = {
            key: substitute(value, context) for key, value in (job.get("outputs") or {}).items()
        }
        failed = state.failed and not job.get("continue-on-error")
        return JobRun(
            "failure" if failed else "success",
            outputs,
            "".join(state.log),
            summary.read_text(encoding="utf-8"),
            workspace,
        )

    def _run_step(self, step: dict[str, Any], state: _JobState, context: dict[str, Any]) -> None:
        context["__status__"] = {"success": not state.failed}
        if "if" in step:
            if not condition(str(step["if"]), context):
                return
        elif state.failed:
            return
        env = dict(state.env)
        env.update(
            {key: substitute(value, context) for key, value in (step.get("env") or {}).items()}
        )
        if "run" in step:
            ok = self._shell(str(step["run"]), env, state, step.get("id"))
        else:
            ok = self._action(step, env, state, context)
            if step.get("id") and state.action_outputs is not None:
                state.steps[str(step["id"])] = {"outputs": state.action_outputs}
        state.action_outputs = None
        state.failed = state.failed or not ok

    def _shell(self, script: str, env: dict[str, str], state: _JobState, step_id: Any) -> bool:
        output = state.workspace.parent / f"{state.job_id}.output"
        output.write_text("", encoding="utf-8")
        process_env = {
            "PATH": f"{self.runner_bin}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.work / "home"),
            "LANG": "C.UTF-8",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTOR": self.actor,
            "GITHUB_TRIGGERING_ACTOR": self.actor,
            "GITHUB_REPOSITORY": "acme/models",
            "GITHUB_RUN_ID": self.run_id,
            "GITHUB_API_URL": self.api_url,
            "GITHUB_WORKSPACE": str(state.workspace),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(state.summary),
            "RUNNER_TEMP": str(self.work / "tmp"),
            **env,
        }
        (self.work / "tmp").mkdir(exist_ok=True)
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", script],
            cwd=state.workspace,
            env=process_env,
            capture_output=True,
            text=True,
            timeout=state.timeout_minutes * 60,
            check=False,
        )
        state.log.append(done.stdout + done.stderr)
        if step_id:
            outputs = dict(
                line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
            )
            state.steps[str(step_id)] = {"outputs": outputs}
        return done.returncode == 0

    def _action(
        self, step: dict[str, Any], env: dict[str, str], state: _JobState, context: dict[str, Any]
    ) -> bool:
        uses = str(step["uses"])
        given = {key: substitute(value, context) for key, value in (step.get("with") or {}).items()}
        if uses.startswith(("actions/checkout@", "actions/setup-python@")):
            return True
        if uses.startswith("actions/upload-artifact@"):
            return self._upload(given, state)
        if uses.startswith("actions/download-artifact@"):
            return self._download(given, state)
        if uses.startswith("./"):
            return self._composite(uses, given, env, state, context)
        raise HarnessError(f"{state.job_id}: the harness does not emulate {uses}")

    def _upload(self, given: dict[str, str], state: _JobState) -> bool:
        target = self.store / given["name"]
        if target.exists():
            state.log.append(f"upload: an artifact named {given['name']} exists already\n")
            return False
        found = [
            state.workspace / line.strip()
            for line in given["path"].splitlines()
            if line.strip() and (state.workspace / line.strip()).exists()
        ]
        if not found:
            return given.get("if-no-files-found", "warn") != "error"
        root = Path(os.path.commonpath([p if p.is_dir() else p.parent for p in found]))
        for path in found:
            files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
            for file in files:
                destination = target / file.relative_to(root)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, destination)
        return True

    def _download(self, given: dict[str, str], state: _JobState) -> bool:
        source = self.store / given["name"]
        if not source.is_dir():
            state.log.append(f"download: no artifact named {given['name']}\n")
            return False
        shutil.copytree(source, state.workspace / given.get("path", "."), dirs_exist_ok=True)
        return True

    def _composite(
        self,
        uses: str,
        given: dict[str, str],
        env: dict[str, str],
        state: _JobState,
        context: dict[str, Any],
    ) -> bool:
        action = yaml.safe_load((state.workspace / uses / "action.yml").read_text())
        if action["runs"]["using"] != "composite":
            raise HarnessError(f"{uses}: only composite actions are emulated")
        inputs = {
            name: given.get(name, str(spec.get("default", "")))
            for name, spec in (action.get("inputs") or {}).items()
        }
        unknown = set(given) - set(inputs)
        if unknown:
            raise HarnessError(f"{uses}: unknown inputs {sorted(unknown)}")
        outer_steps = state.steps
        state.steps = {}  # a composite action's steps have their own ids
        inner = dict(context, inputs=inputs, steps=state.steps)
        try:
            for step in action["runs"]["steps"]:
                if "run" in step and step.get("shell") != "bash":
                    raise HarnessError(f"{uses}: a composite run step needs shell: bash")
                step_env = dict(env)
                step_env.update(
                    {k: substitute(v, inner) for k, v in (step.get("env") or {}).items()}
                )
                if "run" in step:
                    ok = self._shell(str(step["run"]), step_env, state, step.get("id"))
                else:
                    ok = self._action(step, step_env, state, inner)
                if not ok:
                    return False
            state.action_outputs = {
                name: substitute(spec["value"], inner)
                for name, spec in (action.get("outputs") or {}).items()
            }
            return True
        finally:
            state.steps = outer_steps


@dataclass
class _JobState:
    job_id: str
    workspace: Path
    env: dict[str, str]
    summary: Path
    context: dict[str, Any]
    timeout_minutes: int
    failed: bool = False
    log: list[str] = field(default_factory=list)
    steps: dict[str, Any] = field(default_factory=dict)
    action_outputs: dict[str, str] | None = None


def _job_order(jobs: dict[str, Any]) -> list[str]:
    """Job ids with every job after those it needs (file order otherwise)."""
    order: list[str] = []
    pending = list(jobs)
    while pending:
        for job_id in pending:
            needs = jobs[job_id].get("needs") or []
            needs = [needs] if isinstance(needs, str) else needs
            missing = [need for need in needs if need not in jobs]
            if missing:
                raise HarnessError(f"{job_id} needs {missing}, which the workflow lacks")
            if all(need in order for need in needs):
                order.append(job_id)
                pending.remove(job_id)
                break
        else:
            raise HarnessError(f"the jobs {pending} need each other in a cycle")
    return order
