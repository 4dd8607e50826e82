"""What the document exports say about an SOP: orders, runbooks, rules in words, RACI, drills.

Plain, unescaped text and data derived from the document model alone (it works for drafts
that do not compile). Each exporter escapes it for its target: DOT, ReportLab, Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.model.document import Sop
from app.model.graph import document_graph
from app.model.nodes import NodeBase
from app.spec.criteria import Approval, CriterionBase

_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]"
)
"""Control characters, lone surrogates, and the bidirectional embeddings, overrides and
isolates that would show a name reordered ("evil" as "live"): shown as �, as `validate`
shows them escaped."""
PREVIOUS_STABLE_WORDS = "the previous stable version"


def clean(text: str) -> str:
    """Text safe to encode and to put in XML, shown as typed: ``_UNSAFE`` characters become �."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _UNSAFE.sub("\ufffd", text)


def one_line(text: str) -> str:
    """``clean`` text with its line breaks turned into spaces (headings, table cells)."""
    return " ".join(clean(text).split("\n"))


def number(value: Any) -> str:
    """A threshold as printed everywhere: ``0.8``, ``300``, ``1e-05``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def minutes(value: Any) -> str:
    return f"{number(value)} min"


# -- the promote path (graph facts from app.model.graph, as the compiler and validation see them)


def promote_order(doc: Sop) -> list[str]:
    """Stages and gates in topological order of the promote path, ties in document order
    (a draft's nodes in or after a cycle follow in document order)."""
    return document_graph(doc).promote_order()


def promote_columns(doc: Sop) -> dict[str, int]:
    """Longest-path column of every stage and gate (0 for the entry stage)."""
    return document_graph(doc).ranks()


def stage_orders(doc: Sop) -> dict[str, int]:
    """Position of each stage on the promote path, 1 for the entry stage."""
    return document_graph(doc).stage_orders()


def linked(doc: Sop, node_id: str, kind: str, outgoing: bool = True) -> list[str]:
    """Ids at the other end of ``kind`` edges leaving (or entering) ``node_id``, in edge order."""
    graph = document_graph(doc)
    ends = graph.out_edges(node_id, kind) if outgoing else graph.in_edges(node_id, kind)
    return [other for _edge, other in ends]


def names(doc: Sop, ids: list[str], empty: str = "none") -> str:
    return ", ".join(one_line(doc.node(i).name) for i in ids) if ids else empty


# -- catalog words -------------------------------------------------------------------------


def role_name(doc: Sop, role_id: str | None) -> str:
    if role_id is None:
        return "no role"
    role = doc.role(role_id)
    return one_line(role.name) if role else f"{role_id} (unknown role)"


def metric_name(doc: Sop, metric_id: str) -> str:
    metric = doc.metric(metric_id)
    return one_line(metric.name) if metric else metric_id


def tiers_text(tiers: list[str] | None) -> str:
    return "all" if tiers is None else ", ".join(tiers) or "none"


def strategy_text(stage: Any) -> str:
    strategy = stage.strategy
    if strategy.type == "canary":
        steps = " → ".join(f"{number(s)}%" for s in strategy.steps) or "steps not set"
        bake = f", {minutes(strategy.bake_minutes)} each" if strategy.bake_minutes else ""
        return f"canary {steps}{bake}"
    if strategy.type == "shadow" and strategy.bake_minutes:
        return f"shadow for {minutes(strategy.bake_minutes)}"
    return strategy.type


# -- criteria and approvals ----------------------------------------------------------------

FORM_WORDS = {"metric": "metric", "baseline": "baseline", "check": "check", "artifact": "artifact"}
DATA_POLICY_HEADER = "If missing / invalid"
CRITERIA_HEADER = (
    "Criterion",
    "Form",
    "Metric / check / artifact",
    "Op",
    "Threshold",
    DATA_POLICY_HEADER,
    "Severity",
    "Tiers",
)
"""The columns of a gate's criteria table, in the order of `CriterionRow`'s fields."""


@dataclass(frozen=True)
class CriterionRow:
    """One criterion as the tables print it."""

    id: str
    name: str
    form: str
    subject: str
    op: str
    threshold: str
    data_policy: str
    severity: str
    tiers: str

    def cells(self) -> list[str]:
        """The row's cells under `CRITERIA_HEADER`."""
        return [
            self.name,
            self.form,
            self.subject,
            self.op,
            self.threshold,
            self.data_policy,
            self.severity,
            self.tiers,
        ]


def criterion_row(doc: Sop, criterion: CriterionBase) -> CriterionRow:
    form = criterion.form
    c: Any = criterion
    if form in ("metric", "baseline"):
        subject = f"{c.metric} ({metric_name(doc, c.metric)})"
        op = c.op
        if form == "metric":
            threshold = number(c.value)
        elif c.delta:
            sign = "+" if c.delta > 0 else "-"
            threshold = f"baseline {sign} {number(abs(c.delta))}"
        else:
            threshold = "baseline"
    elif form == "check":
        subject, op = c.check, "=="
        threshold = number(c.equals) if not isinstance(c.equals, str) else one_line(c.equals)
    else:
        subject, op, threshold = c.artifact, "—", "listed in evidence"
    return CriterionRow(
        id=criterion.id,
        name=one_line(criterion.name) or criterion.id,
        form=FORM_WORDS[form],
        subject=subject,
        op=op,
        threshold=threshold,
        data_policy=f"{criterion.on_missing} / {criterion.on_invalid}",
        severity=criterion.severity,
        tiers=tiers_text(criterion.tiers),
    )


def criterion_sentence(doc: Sop, criterion: CriterionBase) -> str:
    """``error-rate <= 0.01`` style, for checklists."""
    row = criterion_row(doc, criterion)
    if criterion.form == "artifact":
        return f"{row.name}: artifact {row.subject} is present"
    return f"{row.name}: {row.subject.split(' ')[0]} {row.op} {row.threshold}"


def _tier_words(tiers: list[str] | None) -> str:
    if tiers is None:
        return ""
    if not tiers:  # `tiers: []` validates: a rule for no tier, which never applies
        return " (no tier: it never applies)"
    if len(tiers) == 1:
        return f" ({tiers[0]} tier only)"
    return f" ({', '.join(tiers[:-1])} and {tiers[-1]} tiers only)"


def approval_words(doc: Sop, approval: Approval) -> str:
    """``2 of ML lead and 1 of Model risk (high tier only); not the submitter; within 72 hours``."""
    if not approval.rules:
        return "No approval required: the criteria alone decide."
    joiner = " and " if approval.mode == "all" else " or "
    parts = [
        f"{rule.count} of {role_name(doc, rule.role)}{_tier_words(rule.tiers)}"
        for rule in approval.rules
    ]
    text = joiner.join(parts)
    text += (
        "; not the submitter" if approval.separation_of_duties else "; the submitter may approve"
    )
    if approval.window_hours is not None:
        text += f"; within {number(approval.window_hours)} hours"
    return text


def approval_short(doc: Sop, approval: Approval, multiline: bool = False) -> str:
    """``2× Security, 1× Compliance (high)`` for diagram labels (one rule a line if asked)."""
    parts = [
        f"{rule.count}× {role_name(doc, rule.role)}"
        + (f" ({tiers_text(rule.tiers)})" if rule.tiers is not None else "")
        for rule in approval.rules
    ]
    if approval.mode == "any":
        return ("\nor " if multiline else " or ").join(parts)
    return ("\n" if multiline else ", ").join(parts)


def trigger_condition(doc: Sop, trigger: Any) -> str:
    """``accuracy < 0.85 for 3 consecutive windows``: the BAD state that starts a rollback."""
    windows = trigger.for_windows
    span = "1 window" if windows == 1 else f"{windows} consecutive windows"
    return f"{trigger.metric} {trigger.op} {number(trigger.value)} for {span}"


def missing_words(trigger: Any) -> str:
    if trigger.on_missing == "breach":
        return "a window without a usable value counts as breached"
    return "windows without a usable value are skipped"


def node_caption(doc: Sop, node: NodeBase) -> str:
    """The short second line under a node's name in diagrams."""
    n: Any = node
    if node.kind == "stage":
        parts = [n.environment] if n.environment else []
        if n.strategy.type != "direct":
            parts.append(strategy_text(n))
        return " · ".join(parts)
    if node.kind == "gate":
        return approval_short(doc, n.approval, multiline=True)
    if node.kind == "action":
        return f"{role_name(doc, n.role)} · {minutes(n.minutes)}"
    if node.kind == "trigger":
        condition = f"{n.metric} {n.op} {number(n.value)}"
        if n.for_windows > 1:
            condition += f" ×{n.for_windows}"
        return condition + (f" · SLA {minutes(n.max_minutes)}" if n.max_minutes else "")
    count = len(n.criteria)
    return f"{count} criteri{'on' if count == 1 else 'a'}"


# -- runbooks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunbookView:
    """A trigger's runbook (walked once, by app.model.graph) with its nodes, as exports print it."""

    trigger: Any
    stages: list[str]
    """The stages whose monitor edges lead to the trigger."""
    steps: list[Any]
    target: str | None
    problem: str
    """What validation's runbook-ordered rule says is wrong, as a sentence; "" when nothing."""

    @property
    def actions(self) -> list[Any]:
        return [s for s in self.steps if s.kind == "action"]

    @property
    def checks(self) -> list[Any]:
        return [s for s in self.steps if s.kind == "check"]

    @property
    def after_checks(self) -> list[Any]:
        """The actions after the last check: review and documentation (002 step 7)."""
        last = max((i for i, s in enumerate(self.steps) if s.kind == "check"), default=None)
        return [] if last is None else [s for s in self.steps[last + 1 :] if s.kind == "action"]

    @property
    def total_minutes(self) -> float:
        return sum(a.minutes for a in self.actions)

    def target_words(self, doc: Sop) -> str:
        if self.target is None:
            return "none: the runbook does not reach a stage"
        name = one_line(doc.node(self.target).name)
        if self.target in self.stages:
            return f"{PREVIOUS_STABLE_WORDS} of {name} (redeploy it)"
        return f"demote to the earlier stage {name}"

    def sla_words(self) -> str:
        sla = self.trigger.max_minutes
        total = self.total_minutes
        if sla is None:
            return f"No SLA set; the actions take {minutes(total)}."
        if total <= sla:
            return (
                f"{minutes(sla)}; the actions take {minutes(total)}: fits "
                f"({minutes(sla - total)} to spare)."
            )
        return (
            f"{minutes(sla)}; the actions take {minutes(total)}: does NOT fit "
            f"({minutes(total - sla)} over)."
        )


def runbooks(doc: Sop) -> list[RunbookView]:
    """Each trigger's runbook, in document order. A chain that validation refuses (it
    branches, loops, or ends early) shows the steps up to the fault and says what it is."""
    graph = document_graph(doc)
    views = []
    for trigger in doc.nodes_of_kind("trigger"):
        book = graph.runbooks[trigger.id]
        views.append(
            RunbookView(
                trigger=trigger,
                stages=list(graph.monitored_by.get(trigger.id, [])),
                steps=[doc.node(step) for step in book.steps],
                target=book.target,
                problem=one_line(f"the runbook {book.problem}") if book.problem else "",
            )
        )
    return views


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


METRIC_HEADER = ("Metric", "Name", "Unit", "Direction", "Range")


def metric_rows(doc: Sop) -> list[list[str]]:
    """The metric catalogue as the PDF and Markdown table it (``METRIC_HEADER``)."""
    return [
        [
            m.id,
            m.name,
            m.unit or "—",
            f"{m.direction} is better",
            f"{number(m.min) if m.min is not None else '−∞'} to "
            f"{number(m.max) if m.max is not None else '+∞'}",
        ]
        for m in doc.metrics
    ]


COMPONENT_HEADER = ("Component", "Kind", "Owner", "Depends on", "What it is")


def component_rows(doc: Sop) -> list[list[str]]:
    """The components catalog (002 step 2) as the PDF and Markdown table it."""
    names = {c.id: one_line(c.name) for c in doc.components}
    return [
        [
            f"{one_line(c.name)} ({c.id})",
            c.kind,
            role_name(doc, c.owner) if c.owner else "—",
            ", ".join(names.get(d, d) for d in c.depends_on) or "nothing",
            c.description,
        ]
        for c in doc.components
    ]


SOURCE_HEADER = ("Metric", "MLflow key", "Prometheus query")


def source_rows(doc: Sop) -> list[list[str]]:
    """Where each metric that names a source is read (``SOURCE_HEADER``); none when no
    metric names one (telemetry and evidence then come from files)."""
    return [
        [m.id, m.sources.mlflow or "—", m.sources.prometheus or "—"]
        for m in doc.metrics
        if m.sources is not None and (m.sources.mlflow or m.sources.prometheus)
    ]


STAGE_HEADER = ("Order", "Stage", "Environment", "Strategy", "Description")


def stage_rows(doc: Sop) -> list[list[str]]:
    """The stages in promote-path order, as the PDF and Markdown table them."""
    orders = stage_orders(doc)
    ordered = sorted(doc.nodes_of_kind("stage"), key=lambda n: orders.get(n.id, len(orders) + 1))
    return [
        [
            str(orders.get(n.id, "—")),
            n.name,
            n.environment or "—",
            strategy_text(n),
            n.description,
        ]
        for n in ordered
    ]


NOTE_HEADER = ("Element", "Kind", "Note")


def note_rows(doc: Sop) -> list[list[str]]:
    """Each node that carries a reviewer's note, in document order (``NOTE_HEADER``)."""
    return [[n.name, n.kind, n.note] for n in doc.nodes if n.note.strip()]
