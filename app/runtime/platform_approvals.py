"""Approvals given on a platform (GitHub, GitLab) as evidence approval records.

The payloads are those of the platforms' REST APIs: a workflow run's review history
(GitHub, ``GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals``) and a deployment
(GitLab, ``GET /projects/:id/deployments/:deployment_id``). Records carry no role: `check`
counts each person for an applicable rule whose role lists them (CONTRACTS section 4).
Both payloads carry the reviewer's ``comment`` (GitLab's may be null); a comment that is
given becomes the record's ``comment``. Neither platform knows conditions or ``revise``.
Person ids go through the identity rule every format shares (``person_id_problem``); an
entry that cannot be read is unusable input naming its JSON path, never skipped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.runtime.collect import SourceError
from app.spec.evidence import comment_problem
from app.spec.types import person_id_problem

GITHUB_DECISIONS = {"approved": "approve", "rejected": "reject"}
"""Review states that are decisions; ``pending`` (a comment while waiting) is not one."""
GITLAB_DECISIONS = {"approved": "approve", "rejected": "reject"}


def _person(value: Any, source: str, path: tuple[Any, ...]) -> str:
    if not isinstance(value, str):
        raise SourceError(source, "must be a login (a string)", path)
    if problem := person_id_problem(value):
        raise SourceError(source, problem, path)
    return value


def _record(
    by: str, decision: str, at: str, entry: dict[str, Any], source: str, path: tuple[Any, ...]
) -> dict[str, Any]:
    """One approval record; the entry's ``comment`` joins it when it says something."""
    record = {"by": by, "decision": decision, "at": at}
    comment = entry.get("comment")
    if comment is None or comment == "":
        return record
    if problem := comment_problem(comment):
        raise SourceError(source, problem, (*path, "comment"))
    record["comment"] = comment
    return record


def _time_text(value: Any, source: str, path: tuple[Any, ...]) -> str:
    """An ISO 8601 time with a timezone, as given (the evidence schema reads it again)."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return value
    raise SourceError(source, "must be an ISO 8601 time with a timezone", path)


def _entries(payload: Any, source: str, path: tuple[Any, ...], what: str) -> list[Any]:
    if not isinstance(payload, list):
        raise SourceError(source, f"must be a list of {what}", path)
    for index, entry in enumerate(payload):
        if not isinstance(entry, dict):
            raise SourceError(source, f"must be an object ({what[:-1]})", (*path, index))
    return payload


def github_approvals(
    payload: Any, source: str, at: str, environment: str | None = None
) -> list[dict[str, Any]]:
    """Approval records from a workflow run's review history.

    Reviews carry no time: each takes ``at`` (a run's reviews are given while that run
    waits for them). With ``environment``, only reviews of that environment count: one run
    holds the reviews of every environment its jobs waited for."""
    records = []
    for index, entry in enumerate(_entries(payload, source, (), "reviews")):
        state = entry.get("state")
        if state not in (*GITHUB_DECISIONS, "pending"):
            raise SourceError(source, "must be approved, rejected or pending", (index, "state"))
        if state == "pending":
            continue
        if environment is not None:
            names = []
            for number, env in enumerate(
                _entries(entry.get("environments"), source, (index, "environments"), "objects")
            ):
                name = env.get("name")
                if not isinstance(name, str):
                    raise SourceError(
                        source, "must be a string", (index, "environments", number, "name")
                    )
                names.append(name)
            if environment not in names:
                continue
        user = entry.get("user")
        if not isinstance(user, dict):
            raise SourceError(source, "must be the reviewer (an object)", (index, "user"))
        by = _person(user.get("login"), source, (index, "user", "login"))
        records.append(_record(by, GITHUB_DECISIONS[state], at, entry, source, (index,)))
    return records


def gitlab_approvals(payload: Any, source: str) -> list[dict[str, Any]]:
    """Approval records from a deployment's ``approvals``."""
    if not isinstance(payload, dict):
        raise SourceError(source, "must be a GitLab deployment (an object)")
    approvals = payload.get("approvals", [])
    records = []
    for index, entry in enumerate(_entries(approvals, source, ("approvals",), "approvals")):
        where = ("approvals", index)
        status = entry.get("status")
        if status not in GITLAB_DECISIONS:
            raise SourceError(source, "must be approved or rejected", (*where, "status"))
        user = entry.get("user")
        if not isinstance(user, dict):
            raise SourceError(source, "must be the approver (an object)", (*where, "user"))
        by = _person(user.get("username"), source, (*where, "user", "username"))
        at = _time_text(entry.get("created_at"), source, (*where, "created_at"))
        records.append(_record(by, GITLAB_DECISIONS[status], at, entry, source, where))
    return records
