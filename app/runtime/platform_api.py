"""Reading approvals from the platform a pipeline runs on, through its REST API (urllib).

Used by `gatewright evidence fetch` inside a pipeline job, with what the platform gives
every job: GitHub's ``GITHUB_API_URL``, ``GITHUB_REPOSITORY``, ``GITHUB_RUN_ID`` and the
job's token; GitLab's ``CI_API_V4_URL``, ``CI_PROJECT_ID``, ``CI_JOB_ID`` and
``CI_JOB_TOKEN``. A platform that cannot be reached or refuses is a :class:`PlatformError`
(one sentence): the caller fails the job, it never falls back to another source.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

TIMEOUT_SECONDS = 30
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
GITHUB_API_VERSION = "2022-11-28"
DEPLOYMENTS_SCANNED = 100
"""Newest deployments of the environment looked through for the job's own (one page)."""


class PlatformError(Exception):
    """The platform's API could not be read; ``str()`` is one sentence."""


def _required(env: Mapping[str, str], names: tuple[str, ...], platform: str) -> list[str]:
    missing = [name for name in names if not env.get(name)]
    if missing:
        raise PlatformError(
            f"cannot read approvals from {platform}: {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not set (this runs inside a {platform} "
            "job; for a local run set GATEWRIGHT_APPROVALS_FROM=evidence)"
        )
    return [env[name] for name in names]


def _error_detail(error: urllib.error.HTTPError) -> str:
    """The one-line reason an API gives in its error body (Prometheus' ``error``, GitHub's
    and GitLab's ``message``), or an empty string."""
    try:
        body = json.loads(error.read(64 * 1024).decode("utf-8"))
    except (OSError, ValueError):
        return ""
    detail = body.get("error") or body.get("message") if isinstance(body, dict) else None
    if not isinstance(detail, str) or not detail.strip():
        return ""
    line = " ".join(detail.split())
    return f": {line[:300]}{'…' if len(line) > 300 else ''}"


def get_json(url: str, headers: Mapping[str, str], what: str, shown: str | None = None) -> Any:
    """GET ``url`` and parse its JSON; any failure is a :class:`PlatformError` naming ``what``
    and ``shown`` (where, as messages show it: default ``GET url``; empty: not named)."""
    place = f" (GET {url})" if shown is None else (f" ({shown})" if shown else "")
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise PlatformError(f"cannot read {what}: {shown or url} is not an http(s) URL")
    request = urllib.request.Request(url, headers={"Accept": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise PlatformError(
            f"cannot read {what}{place}: HTTP {error.code} {error.reason}{_error_detail(error)}"
        ) from None
    except urllib.error.URLError as error:
        raise PlatformError(f"cannot read {what}{place}: {error.reason}") from None
    except (TimeoutError, OSError, ValueError) as error:
        raise PlatformError(f"cannot read {what}{place}: {error}") from None
    if len(body) > MAX_RESPONSE_BYTES:
        raise PlatformError(f"cannot read {what}{place}: the answer is too large")
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PlatformError(f"cannot read {what}{place}: the answer is not JSON") from None


def github_reviews(env: Mapping[str, str]) -> Any:
    """The review history of the running workflow run."""
    api, repository, run_id, token = _required(
        env, ("GITHUB_API_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID", "GITHUB_TOKEN"), "GitHub"
    )
    url = (
        f"{api.rstrip('/')}/repos/{repository}/actions/runs/{urllib.parse.quote(run_id)}/approvals"
    )
    headers = {
        "Authorization": f"Bearer {token}",
        "X-GitHub-Api-Version": GITHUB_API_VERSION,
    }
    reviews = get_json(url, headers, "the workflow run's review history from GitHub")
    if not isinstance(reviews, list):
        raise PlatformError(f"cannot read the review history (GET {url}): not a list of reviews")
    return reviews


def _gitlab_headers(env: Mapping[str, str]) -> dict[str, str]:
    token = env.get("GATEWRIGHT_GITLAB_TOKEN")
    return {"PRIVATE-TOKEN": token} if token else {"JOB-TOKEN": env.get("CI_JOB_TOKEN", "")}


def gitlab_deployment(env: Mapping[str, str]) -> Any:
    """The deployment the running job makes, with its approvals.

    A job bound to an environment (``action: start``) makes one deployment; it is found
    among the environment's newest deployments by its job id, then read whole."""
    api, project, job_id, environment = _required(
        env, ("CI_API_V4_URL", "CI_PROJECT_ID", "CI_JOB_ID", "CI_ENVIRONMENT_NAME"), "GitLab"
    )
    if not env.get("CI_JOB_TOKEN") and not env.get("GATEWRIGHT_GITLAB_TOKEN"):
        _required(env, ("CI_JOB_TOKEN",), "GitLab")
    headers = _gitlab_headers(env)
    base = f"{api.rstrip('/')}/projects/{urllib.parse.quote(project, safe='')}/deployments"
    query = urllib.parse.urlencode(
        {
            "environment": environment,
            "order_by": "id",
            "sort": "desc",
            "per_page": DEPLOYMENTS_SCANNED,
        }
    )
    listed = get_json(f"{base}?{query}", headers, f"the deployments of {environment} from GitLab")
    if not isinstance(listed, list):
        raise PlatformError(f"cannot read the deployments of {environment}: not a list")
    for deployment in listed:
        deployable = deployment.get("deployable") if isinstance(deployment, dict) else None
        if isinstance(deployable, dict) and str(deployable.get("id")) == job_id:
            deployment_id = deployment.get("id")
            return get_json(
                f"{base}/{urllib.parse.quote(str(deployment_id), safe='')}",
                headers,
                f"deployment {deployment_id} from GitLab",
            )
    raise PlatformError(
        f"cannot read approvals from GitLab: job {job_id} has no deployment among the newest "
        f"{DEPLOYMENTS_SCANNED} of the environment {environment} (is its environment action "
        "start?)"
    )
