"""What the GitHub, GitLab and Argo exporters share: the promote path, safe YAML, words, files."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from app.spec.digest import spec_text
from app.spec.fileio import SaveError, ready_to_write, write_atomic
from app.spec.files import is_yaml, spec_file_text
from exporters.content import clean, shorten
from exporters.yaml_text import Block, Commented, Script, comment, dump_yaml, plain

__all__ = ["Block", "Commented", "Script", "comment", "dump_yaml", "plain"]
"""The YAML writer's names, used by the exporters through this module (see yaml_text)."""

if TYPE_CHECKING:
    from app.spec.criteria import Approval, ApprovalRule
    from app.spec.schema import GateSpec, SpecGate, SpecRollback, SpecStage
    from exporters.context import ExportContext

EVIDENCE_DIR = "evidence"
TELEMETRY_DIR = "telemetry"
SAFE_SPEC_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*$")
COMMENT_LIMIT = 100


class ExportRefusedError(SaveError):
    """A pipeline export that cannot be written as asked; nothing was written."""


# -- inputs ---------------------------------------------------------------------------------


def require_spec(context: ExportContext, format_name: str) -> GateSpec:
    """The compiled spec, or a refusal: pipelines run the spec, so a draft cannot be exported."""
    if context.spec is None or context.draft:
        raise ExportRefusedError(
            f"cannot export {format_name}: the SOP has validation errors and no compiled spec; "
            "pipelines run the spec, so fix the errors first (gatewright validate lists them)"
        )
    return context.spec


def checked_spec_path(context: ExportContext) -> str:
    """``context.spec_path`` if it is a plain relative path inside the repository, else refuse.

    The path is written into pipeline files as data, and the spec is written below the
    export folder, so it may not climb out (``..``), be absolute, or hold odd characters.
    """
    path = context.spec_path
    parts = PurePosixPath(path).parts
    if not SAFE_SPEC_PATH.match(path) or ".." in parts or "." in parts:
        raise ExportRefusedError(
            f"--spec-path {path!r}: use a relative path inside the repository made of letters, "
            "digits, '.', '_', '-' and '/', e.g. gatewright/spec.json"
        )
    if not path.lower().endswith((".json", ".yaml", ".yml")):
        raise ExportRefusedError(
            f"--spec-path {path!r}: the spec file name must end in .json, .yaml or .yml"
        )
    return path


def spec_json(spec: GateSpec) -> str:
    """The spec file's JSON text, as ``gatewright compile`` writes it."""
    return spec_text(spec.data())


def trusted_key_path(spec_path: str) -> str:
    """Where a signed export keeps the public key its gate steps trust: beside the spec,
    with ``.pub`` for its suffix (``gatewright/spec.pub``)."""
    return str(PurePosixPath(spec_path).with_suffix(".pub"))


def trusted_key_of(spec: GateSpec, spec_path: str) -> str | None:
    """The trusted key's path in the export when the spec is signed (``export --sign``),
    else None: every step that runs gatewright on a signed spec passes ``--trust`` it."""
    return trusted_key_path(spec_path) if spec.signature else None


def with_trust(script: Script, spec_argument: str, key_variable: str) -> Script:
    """``script`` with ``--trust "$KEY"`` after the spec argument of each gatewright call
    (the script stays a constant: the key's path comes from a variable)."""
    trusting = script.replace(spec_argument, f'{spec_argument} --trust "${key_variable}"')
    if trusting == script:
        raise ValueError(f"internal error: the script has no {spec_argument} to trust")
    return Script(trusting)


def display_text(text: str) -> str:
    """User text shown by a pipeline's UI (a job's name, a variable): the characters no
    export shows as they are (controls, bidirectional overrides) become U+FFFD."""
    return clean(text)


def prepare_folder(out: Path, files: list[Path]) -> None:
    """The export folder ``out`` and the folders of ``files`` in it, made once every file
    is known to be writable (``ready_to_write``)."""
    if out.exists() and not out.is_dir():
        raise ExportRefusedError(f"{out}: is a file; pipeline exports write a folder")
    ready_to_write(files)
    for folder in [out, *(path.parent for path in files)]:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise SaveError(f"{folder}: cannot create this folder: {error.strerror}") from None


Part = tuple[str, str, Callable[["GateSpec", str], "str | None"]]
"""One file of a pipeline export: (progress step, path in the folder, build(spec, spec_path));
``build`` returns None to leave the file out."""


def write_pipeline_export(
    format_name: str,
    out: Path,
    context: ExportContext,
    parts: list[Part],
    json_of: Callable[[GateSpec], str] | None = None,
    runtime: bool = False,
) -> list[Path]:
    """The one way every pipeline export is written: refuse without a spec, build the spec
    file (where the pipeline looks for it), the runtime wheel beside it when ``runtime``,
    and each part, reporting progress, then write them. Nothing is written unless every
    file could be built and every folder made. ``json_of`` makes the spec's JSON text (a
    part that also holds it can share it)."""
    spec = require_spec(context, format_name)
    spec_path = checked_spec_path(context)
    total = len(parts) + 1 + runtime
    context.progress(0, total, "Building the spec file")
    spec_file = out / spec_path
    if is_yaml(spec_file):
        text_of_spec = spec_file_text(spec.data(), spec_file)
    else:
        text_of_spec = (json_of or spec_json)(spec)
    files: list[tuple[Path, str | bytes]] = [(spec_file, text_of_spec)]
    if runtime:
        from exporters.pipeline_scripts import runtime_wheel, wheel_path

        context.progress(1, total, "Building the runtime wheel")
        files.append((out / wheel_path(spec_path), runtime_wheel().data))
    key_path = trusted_key_of(spec, spec_path)
    if key_path is not None:
        if context.public_key is None:
            raise ExportRefusedError(
                f"cannot export {format_name}: the spec is signed but the export was given no "
                "public key to trust; export it with --sign NAME"
            )
        files.append((out / key_path, context.public_key))
    for step, (label, name, build) in enumerate(parts, start=1 + runtime):
        context.progress(step, total, label)
        text = build(spec, spec_path)
        if text is not None:
            files.append((out / name, text))
    prepare_folder(out, [path for path, _text in files])
    for path, text in files:
        write_atomic(path, text)
    context.progress(total, total, "Done")
    return [path for path, _text in files]


# -- the promote path -----------------------------------------------------------------------


@dataclass(frozen=True)
class PathStep:
    """One job of the promote path: deploying a stage, or deciding a gate."""

    kind: str  # "deploy" | "gate"
    id: str
    data: SpecStage | SpecGate
    needs: tuple[PathStep, ...] = field(default=())

    @property
    def job_id(self) -> str:
        return f"{self.kind}-{self.id}"


def promote_path(spec: GateSpec) -> list[PathStep]:
    """Deploy and gate jobs in promote order, each with the jobs it must wait for.

    A stage's deploy waits for every gate into it; a gate waits for its source stage's deploy.
    Stages come in the spec's topological order, so every job follows what it needs.
    """
    deploys: dict[str, PathStep] = {}
    steps: list[PathStep] = []
    into = gates_into(spec)
    for stage in spec.stages:
        gates_in = []
        for gate in into[stage.id]:
            source = deploys.get(gate.from_)
            step = PathStep("gate", gate.id, gate, (source,) if source else ())
            steps.append(step)
            gates_in.append(step)
        deploy = PathStep("deploy", stage.id, stage, tuple(gates_in))
        deploys[stage.id] = deploy
        steps.append(deploy)
    return steps


def gates_into(spec: GateSpec) -> dict[str, list[SpecGate]]:
    """The gates into each stage, by stage id (in the spec's order; one pass over the
    gates, however many stages there are)."""
    into: dict[str, list[SpecGate]] = {stage.id: [] for stage in spec.stages}
    for gate in spec.gates:
        into.setdefault(gate.to, []).append(gate)
    return into


def monitored_stages(spec: GateSpec) -> list[SpecStage]:
    """Stages with rollback policies, in promote order."""
    watched = {policy.stage for policy in spec.rollback}
    return [stage for stage in spec.stages if stage.id in watched]


def policies_for(spec: GateSpec) -> dict[str, list[SpecRollback]]:
    """The rollback policies of each monitored stage, by stage id, in the spec's order."""
    policies: dict[str, list[SpecRollback]] = {}
    for policy in spec.rollback:
        policies.setdefault(policy.stage, []).append(policy)
    return policies


def timeout_minutes(policy: SpecRollback) -> int | None:
    """A rollback's SLA as whole minutes (rounded up), when it has one."""
    minutes = policy.max_minutes
    return math.ceil(minutes) if minutes else None


# -- words ----------------------------------------------------------------------------------


def role_label(role_id: str, role_names: Mapping[str, str] | None) -> str:
    """``ML lead (ml-lead)`` with names, else the id alone (for targets where text is unsafe)."""
    if role_names and role_names.get(role_id):
        return f"{role_names[role_id]} ({role_id})"
    return role_id


def rule_words(rule: ApprovalRule, role_names: Mapping[str, str] | None = None) -> str:
    count = rule.count
    words = f"{count} approval{'s' if count != 1 else ''} from {role_label(rule.role, role_names)}"
    tiers = rule.tiers
    if tiers == []:
        words += ", for no tier (it never applies)"
    elif tiers:
        words += f", tier{'s' if len(tiers) > 1 else ''} {', '.join(tiers)} only"
    return words


def approval_words(approval: Approval, role_names: Mapping[str, str] | None = None) -> str:
    """An approval rule as one sentence, e.g. for a comment or an annotation."""
    rules = approval.rules
    if not rules:
        return "no approval required"
    parts = [rule_words(rule, role_names) for rule in rules]
    if len(parts) == 1:
        sentence = parts[0]
    elif approval.mode == "all":
        sentence = "all of: " + "; ".join(parts)
    else:
        sentence = "any one of: " + "; ".join(parts)
    if approval.separation_of_duties:
        sentence += "; the submitter cannot approve"
    window = approval.window_hours
    if window:
        sentence += f"; approvals older than {window:g} hours do not count"
    return sentence


def approval_role_ids(approval: Approval) -> list[str]:
    """Role ids named by an approval's rules, first mention first."""
    return list(dict.fromkeys(rule.role for rule in approval.rules))


def role_names_of(spec: GateSpec) -> dict[str, str]:
    return {role.id: role.name for role in spec.roles}


def one_line(text: str, limit: int = COMMENT_LIMIT) -> str:
    """User text made safe for a comment: one line (every kind of break and control
    character becomes a space), whitespace collapsed, cut to ``limit`` characters."""
    cleaned = "".join(
        " " if unicodedata.category(char)[0] in "CZ" and char != " " else char for char in text
    )
    cleaned = " ".join(cleaned.split())
    return shorten(cleaned, limit)


def header_lines(spec: GateSpec, command: str, spec_path: str) -> list[str]:
    """Where a file comes from and how to regenerate it (ids only: safe in every target)."""
    meta = spec.metadata
    lines = [
        f"Generated by `gatewright export {command}` from the SOP {meta.name} "
        f"(version {meta.version}).",
        f"The compiled spec is {spec_path}, digest {spec.digest}.",
        "Gatewright refuses a spec whose digest does not match: recompile and re-export the",
        "SOP instead of editing the spec or the generated gate steps by hand.",
    ]
    key_path = trusted_key_of(spec, spec_path)
    if key_path is not None and spec.signature is not None:
        lines += [
            f"The spec is signed by the key {spec.signature.key}, whose public key",
            f"is {key_path}; every gatewright step passes it to --trust, so a spec that key",
            "did not sign is refused. Protect that file as you protect this one (code owners,",
            "branch rules), or set GATEWRIGHT_TRUST on the runners to a key kept elsewhere.",
        ]
    return lines


CHECK_EXIT_CODES = [
    "Exit codes of `gatewright check`: 0 promote, 1 reject, 3 hold (approvals are short or",
    "data is inconclusive: a person must act), 2 the input cannot be used.",
]

QUORUM_LINES = [
    "The SOP's approval quorum is enforced by `gatewright check` from the approvals recorded",
    'in the evidence ("approvals": [{"by", "role", "decision", "at"}], "role" optional): it',
    "counts only listed members of each role, each person once per gate (ids compared",
    "without case), never the submitter when separation of duties is on (then",
    "candidate.submitted_by is required), and only within the approval window at the",
    "runner's clock; a missing quorum is a hold and any valid rejection rejects.",
]


def payload_document(about: str, spec: GateSpec, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """A file of environment payloads: what they are for, the SOP and spec, the entries."""
    return {
        "about": about,
        "sop": spec.metadata.name,
        "spec_digest": spec.digest,
        "environments": entries,
    }
