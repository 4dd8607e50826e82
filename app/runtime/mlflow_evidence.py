"""Evidence from MLflow (`evidence collect --mlflow-model NAME --mlflow-version V`, CONTRACTS
section 8): a registered model version, the run that produced it, and the version holding
the baseline alias.

The MLflow client is an optional extra (``pip install 'gatewright[mlflow]'``): it is
imported only by :class:`MlflowClientRegistry`, when the command names MLflow, so that
`check` and `monitor` never load it. :class:`MlflowEvidence` works on plain data read
through the small :class:`Registry` interface.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.runtime.collect import CollectError, GateReads
from app.spec.schema import GateSpec
from app.spec.types import person_id_problem

EXTRA_HINT = "pip install 'gatewright[mlflow]'"
ARTIFACT_TAG = "gatewright.artifact."
DEFAULT_ALIAS = "champion"
QUICK_FAILURE = {
    # MLflow retries a failing request 7 times with growing waits (minutes in all): a
    # pipeline step should fail in seconds. A variable the user set is left alone.
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
}


@dataclass(frozen=True)
class ModelVersion:
    """A registered model version as evidence reads it."""

    model: str
    version: str
    run_id: str | None
    user: str | None
    tags: Mapping[str, str] = field(default_factory=dict)


class Registry(Protocol):
    """What the MLflow source reads; ``MlflowClientRegistry`` reads it with MLflow's client."""

    def version(self, model: str, version: str) -> ModelVersion: ...

    def alias(self, model: str, alias: str) -> ModelVersion | None:
        """The version holding ``alias``, or None when none holds it."""

    def metrics(self, run_id: str) -> dict[str, Any]:
        """The run's latest value of each metric."""

    def artifacts(self, run_id: str) -> list[str]:
        """Names of the files and folders at the top of the run's artifacts."""


def shown_uri(uri: str) -> str:
    """A tracking URI as messages show it: without a password."""
    parts = urllib.parse.urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


_OS_REASON = re.compile(r"\[Errno -?\d+\] ([^\"')]+)")


def _reason(error: Exception) -> str:
    """One line saying why MLflow failed: the operating system's reason for a connection
    that failed (not the chain of retries around it), else MLflow's own message."""
    text = str(getattr(error, "message", None) or error)
    if found := _OS_REASON.search(text):
        return found.group(1).strip().lower()
    line = " ".join(text.split())
    return line[:300] + ("…" if len(line) > 300 else "")


class MlflowClientRegistry:
    """The registry and runs of an MLflow tracking server, through MLflow's own client."""

    def __init__(self, tracking_uri: str) -> None:
        try:
            from mlflow import MlflowClient
            from mlflow.exceptions import MlflowException
        except ImportError:
            raise CollectError(
                f"--mlflow-model needs the MLflow client, which is not installed: {EXTRA_HINT}"
            ) from None
        for name, value in QUICK_FAILURE.items():
            os.environ.setdefault(name, value)
        self.uri = tracking_uri
        self._missing = MlflowException
        try:
            self.client = MlflowClient(tracking_uri=tracking_uri)
        except Exception as error:  # a URI MLflow cannot use: one sentence, not its traceback
            raise self._failure("open", error) from None

    def _failure(self, doing: str, error: Exception) -> CollectError:
        return CollectError(
            f"cannot {doing} at the MLflow tracking server {shown_uri(self.uri)}: {_reason(error)}"
        )

    def _call(self, doing: str, call: Any, *args: Any) -> Any:
        try:
            return call(*args)
        except Exception as error:  # MLflow, requests or SQLAlchemy: all say the same
            raise self._failure(doing, error) from None

    def _version(self, found: Any) -> ModelVersion:
        return ModelVersion(
            model=str(found.name),
            version=str(found.version),
            run_id=found.run_id or None,
            user=found.user_id or None,
            tags=dict(found.tags or {}),
        )

    def version(self, model: str, version: str) -> ModelVersion:
        found = self._call(
            f"read version {version} of model {model!r}",
            self.client.get_model_version,
            model,
            version,
        )
        return self._version(found)

    def alias(self, model: str, alias: str) -> ModelVersion | None:
        registered = self._call(f"read model {model!r}", self.client.get_registered_model, model)
        version = (registered.aliases or {}).get(alias)
        return None if version is None else self.version(model, str(version))

    def metrics(self, run_id: str) -> dict[str, Any]:
        run = self._call(f"read run {run_id}", self.client.get_run, run_id)
        return dict(run.data.metrics)

    def artifacts(self, run_id: str) -> list[str]:
        listed = self._call(
            f"list the artifacts of run {run_id}", self.client.list_artifacts, run_id
        )
        return [str(item.path).rsplit("/", 1)[-1] for item in listed]


def _same_name(text: str) -> str:
    return text.replace("_", "-")


def metric_keys(spec: GateSpec, metric_id: str) -> tuple[str, ...]:
    """Where a metric is read in a run: the catalog's MLflow key when it names one, else the
    metric id, else the id with ``-`` written ``_``."""
    metric = spec.metric(metric_id)
    if metric is not None and metric.sources is not None and metric.sources.mlflow:
        return (metric.sources.mlflow,)
    return tuple(dict.fromkeys((metric_id, metric_id.replace("-", "_"))))


def _read(values: Mapping[str, Any], keys: Iterable[str]) -> tuple[bool, Any]:
    for key in keys:
        if key in values:
            return True, values[key]
    return False, None


@dataclass
class MlflowEvidence:
    """The evidence source of ``--mlflow-model NAME --mlflow-version V``: metrics from the
    version's run, the baseline from the run of the version holding ``alias``, artifacts
    from the run and the version's tags, the candidate from the version and its tags.
    ``notes`` says afterwards what could not be found (no run, no alias)."""

    spec: GateSpec
    registry: Registry
    model: str
    version: str
    alias: str = DEFAULT_ALIAS
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return "MLflow"

    def _metrics(self, run_id: str, wanted: Iterable[str]) -> dict[str, Any]:
        values = self.registry.metrics(run_id)
        found = {}
        for metric_id in wanted:
            present, value = _read(values, metric_keys(self.spec, metric_id))
            if present:
                found[metric_id] = value
        return found

    def _candidate(self, evidence: dict[str, Any], version: ModelVersion) -> None:
        candidate = evidence.setdefault("candidate", {})
        if not isinstance(candidate, dict):
            raise CollectError("the base evidence's candidate is not an object")
        candidate.update(model=version.model, version=version.version)
        if version.tags.get("tier"):
            candidate["tier"] = version.tags["tier"]
        submitter, where = version.tags.get("submitted_by"), "its tag submitted_by"
        if not submitter:
            submitter, where = version.user, "its user"
        if submitter:
            if problem := person_id_problem(submitter):
                raise CollectError(
                    f"MLflow model {version.model!r} version {version.version}: {where} "
                    f"cannot be the submitter: {problem}"
                )
            candidate["submitted_by"] = submitter

    def _artifacts(self, version: ModelVersion, wanted: tuple[str, ...]) -> list[str]:
        tagged = {
            _same_name(key[len(ARTIFACT_TAG) :])
            for key, value in version.tags.items()
            if key.startswith(ARTIFACT_TAG) and str(value).strip()
        }
        held: set[str] = set()
        if version.run_id and any(_same_name(a) not in tagged for a in wanted):
            for name in self.registry.artifacts(version.run_id):
                held |= {_same_name(name), _same_name(os.path.splitext(name)[0])}
        return [a for a in wanted if _same_name(a) in tagged | held]

    def apply(self, evidence: dict[str, Any], reads: GateReads) -> None:
        version = self.registry.version(self.model, self.version)
        self._candidate(evidence, version)
        if version.run_id:
            found = self._metrics(version.run_id, reads.metrics)
            if found:
                evidence.setdefault("metrics", {}).update(found)
            for metric_id in reads.metrics:
                if metric_id not in found:
                    keys = " or ".join(metric_keys(self.spec, metric_id))
                    self.notes.append(f"metric {metric_id}: the run logged no {keys}")
        else:
            self.notes.append(
                f"version {version.version} of {version.model} comes from no run: no metrics"
            )
        artifacts = self._artifacts(version, reads.artifacts)
        if artifacts:
            listed = evidence.setdefault("artifacts", [])
            listed.extend(a for a in artifacts if a not in listed)
        if reads.baseline:
            self._baseline(evidence, reads)

    def _baseline(self, evidence: dict[str, Any], reads: GateReads) -> None:
        holder = self.registry.alias(self.model, self.alias)
        if holder is None:
            self.notes.append(
                f"no version of {self.model} holds the alias {self.alias}: no baseline"
            )
            return
        if not holder.run_id:
            self.notes.append(
                f"version {holder.version} ({self.alias}) comes from no run: no baseline"
            )
            return
        found = self._metrics(holder.run_id, reads.baseline)
        if found:
            evidence.setdefault("baseline", {}).update(found)
