"""The inspector's forms for one node (by kind) or one edge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QLineEdit

import app.validate.engine  # noqa: F401 - registers the rules listed in RULES
from app.model.components import SOURCE_KINDS, Restore
from app.model.edges import EDGE_MEANING, Edge, edge_kinds_between
from app.model.errors import ModelError
from app.model.nodes import ENVIRONMENTS, Action, NodeBase, Stage, Strategy, Trigger
from app.spec.criteria import OPERATORS
from app.ui.editor import DocumentEditor
from app.ui.panels.approval_editor import ApprovalEditor
from app.ui.panels.binding import Form
from app.ui.panels.criteria_table import CriteriaTable
from app.ui.panels.fields import (
    ChecklistField,
    ChoiceField,
    CountField,
    InlineError,
    LineField,
    OptionalNumberField,
    TextBlockField,
    set_enabled,
    set_text,
)
from app.ui.panels.record_table import Column, RecordTable, key_column
from app.ui.panels.values import (
    Option,
    as_number,
    catalog_options,
    field_tip,
    format_value,
    parse_number,
)
from app.ui.plain import literal
from app.validate.registry import RULES

DEFAULT_SLA_MINUTES = 60
STRATEGIES = ("direct", "shadow", "canary", "blue-green")
AUTOMATION: list[Option] = [
    ("manual (a person)", "manual"),
    ("registry rollback (pipeline)", "registry-rollback"),
]
"""Who carries out a runbook step; the maturity assessment counts a step as automated
only when a pipeline job carries it out."""


def _choices(values: Any) -> list[Option]:
    return [(value, value) for value in values]


def _strategy_type(strategy: dict[str, Any], kind: str) -> dict[str, Any]:
    """A new strategy type; steps belong to canaries only, so they go with the change."""
    updated = {**strategy, "type": kind}
    if kind != "canary":
        updated.pop("steps", None)
    return updated


def node_form(editor: DocumentEditor, node: NodeBase) -> Form:
    form = Form(editor, node.id, "")
    model = type(node)
    general = form.section("General")
    general.field("Id", LineField(parse=str.strip), "id", tip=field_tip(model, "id"))
    general.field("Name", LineField(), "name", tip=field_tip(model, "name"))
    general.field(
        "Description",
        TextBlockField(),
        "description",
        tip=field_tip(model, "description") + " (Ctrl+Enter or leaving the field applies it.)",
    )
    note = general.field(
        "Note",
        TextBlockField(lines=2),
        "note",
        tip=field_tip(model, "note") + " (Ctrl+Enter or leaving the field applies it.)",
    )
    note.setPlaceholderText("A remark for reviewers, shown on hover and in exports")
    KIND_SECTIONS[node.kind](form, editor)
    checks = form.section("Validation")
    suppress = ChecklistField(visible_rows=4)
    suppress.set_options(
        [(rule.id, rule.id, f"{rule.description} ({rule.severity})") for rule in RULES.values()]
    )
    checks.field("Suppress rules", suppress, "suppress", tip=field_tip(model, "suppress"))

    def heading() -> None:
        current = editor.doc.node(form.element_id) if form.element_id else node
        set_text(form.heading, f"{current.kind.capitalize()}: {current.name}")

    form.hooks.append(heading)
    form.finish()
    return form


def _stage(form: Form, editor: DocumentEditor) -> None:
    section = form.section("Stage")
    section.field(
        "Environment",
        ChoiceField([("(none)", None), *_choices(ENVIRONMENTS)]),
        "environment",
        tip=field_tip(Stage, "environment"),
    )
    strategy = section.field(
        "Strategy",
        ChoiceField(_choices(STRATEGIES)),
        "strategy",
        ("type",),
        tip=field_tip(Strategy, "type"),
        apply=_strategy_type,
    )
    steps = form.table(
        section,
        RecordTable(
            "canary step",
            [
                Column(
                    "traffic (%)",
                    field_tip(Strategy, "steps"),
                    show=format_value,
                    get=lambda step: step,
                    put=lambda _old, text: parse_number(text),
                )
            ],
            source=lambda: list(form.binder.current("strategy", ("steps",)) or []),
            commit=lambda records, error: form.binder.commit(
                "strategy", {**form.binder.current("strategy", lean=True), "steps": records}, error
            ),
            new_record=_next_step,
            movable=True,
            rows=(2, 6),
        ),
        caption="Canary steps",
    )
    steps.view.setAccessibleName("Canary steps table")
    bake = section.field(
        "Bake minutes",
        LineField(parse=parse_number),
        "strategy",
        ("bake_minutes",),
        tip=field_tip(Strategy, "bake_minutes"),
    )

    def enable() -> None:
        kind = strategy.value()
        set_enabled(steps, kind == "canary")  # the table, its buttons and its editors
        set_enabled(bake, kind in ("canary", "shadow"))

    form.hooks.append(enable)


def _next_step(steps: list[Any]) -> Any:
    """A new canary step: halfway from the last one to 100%."""
    last = steps[-1] if steps and isinstance(steps[-1], int | float) else 0
    return as_number(min(100, last + max((100 - last) / 2, 1))) if last < 100 else 100


def _criteria(form: Form, editor: DocumentEditor, title: str = "Criteria") -> CriteriaTable:
    section = form.section(title)

    def add_metric(metric: dict[str, Any], criteria: list[Any], error: InlineError) -> bool:
        """The new catalog metric and the criterion that compares it: one undo step."""
        catalog = [m.model_dump(exclude_defaults=True) for m in editor.doc.metrics]
        try:
            editor.set_together(
                f"New metric {metric['id']!r}",
                {"metrics": [*catalog, metric]},
                [(form.element_id or "", "criteria", criteria)],
            )
        except (ModelError, ValueError) as refusal:
            error.show_message(str(refusal))
            return False
        error.clear_message()
        return True

    table = CriteriaTable(
        source=lambda: list(form.binder.current("criteria", lean=True)),
        commit=lambda records, error: form.binder.commit("criteria", records, error),
        metrics=lambda: catalog_options(editor.doc.metrics),
        tiers=lambda: list(editor.doc.tiers),
        add_metric=add_metric,
    )
    return form.table(section, table)


def _gate(form: Form, editor: DocumentEditor) -> None:
    _criteria(form, editor)
    ApprovalEditor(form)


def _check(form: Form, editor: DocumentEditor) -> None:
    _criteria(form, editor)


def _metric_choices(editor: DocumentEditor) -> Callable[[], list[Option]]:
    return lambda: catalog_options(editor.doc.metrics)


def _trigger(form: Form, editor: DocumentEditor) -> None:
    section = form.section("Trigger (the unhealthy condition)")
    tip = lambda name: field_tip(Trigger, name)  # noqa: E731
    section.field("Metric", ChoiceField(_metric_choices(editor)), "metric", tip=tip("metric"))
    section.field("Operator", ChoiceField(_choices(OPERATORS)), "op", tip=tip("op"))
    section.field("Value", LineField(parse=parse_number), "value", tip=tip("value"))
    section.field("For windows", CountField(), "for_windows", tip=tip("for_windows"))
    section.field(
        "On missing",
        ChoiceField([("breach", "breach"), ("ignore", "ignore")]),
        "on_missing",
        tip=tip("on_missing"),
    )
    section.field(
        "SLA (max minutes)",
        OptionalNumberField("none", DEFAULT_SLA_MINUTES),
        "max_minutes",
        tip=tip("max_minutes"),
    )
    _restores(form, editor)


SAFE_SOURCE = {"model": "registry-alias", "dataset": "dataset-version"}
"""Where a new restore of a component of this kind is first assumed to be kept."""


def _new_restore(editor: DocumentEditor, restores: list[Any]) -> dict[str, Any]:
    """The next catalog component not yet restored (the first one when all are)."""
    taken = {r.get("component") for r in restores}
    catalog = editor.doc.components
    chosen = next((c for c in catalog if c.id not in taken), catalog[0] if catalog else None)
    component = chosen.id if chosen else "component"
    source = SAFE_SOURCE.get(chosen.kind if chosen else "", "git-ref")
    return {"component": component, "source": source, "ref": f"{component}@previous-stable"}


def _restores(form: Form, editor: DocumentEditor) -> None:
    section = form.section("Restores (in order: dependencies first)")
    # Two columns fit the inspector's width; the source is in the form under the table, and
    # a cell cut short shows its whole text as its tooltip.
    columns = [
        key_column(
            "component",
            "component",
            field_tip(Restore, "component"),
            editor="choice",
            choices=lambda _r: catalog_options(editor.doc.components),
        ),
        key_column("ref", "safe version", field_tip(Restore, "ref"), chars=22),
    ]
    columns = [
        replace(column, cell_tip=lambda record, shown=column.show: literal(shown(record)))
        for column in columns
    ]
    table = RecordTable(
        "restore",
        columns,
        source=lambda: list(form.binder.current("restores", lean=True) or []),
        commit=lambda records, error: form.binder.commit("restores", records, error),
        new_record=lambda restores: _new_restore(editor, restores),
        movable=True,
        rows=(2, 6),
        fields=[
            key_column(
                "source",
                "source",
                field_tip(Restore, "source"),
                editor="choice",
                choices=lambda _r: _choices(SOURCE_KINDS),
            )
        ],
        title=lambda restore: f"Restore of {restore.get('component', '')}",
    )
    form.table(section, table).view.setAccessibleName("Restores table")


def _action(form: Form, editor: DocumentEditor) -> None:
    section = form.section("Action")
    roles = lambda: [("(none)", None), *catalog_options(editor.doc.roles)]  # noqa: E731
    section.field("Role", ChoiceField(roles), "role", tip=field_tip(Action, "role"))
    section.field(
        "Minutes", LineField(parse=parse_number), "minutes", tip=field_tip(Action, "minutes")
    )
    section.field(
        "Automation", ChoiceField(AUTOMATION), "automation", tip=field_tip(Action, "automation")
    )


KIND_SECTIONS: dict[str, Callable[[Form, DocumentEditor], None]] = {
    "stage": _stage,
    "gate": _gate,
    "trigger": _trigger,
    "action": _action,
    "check": _check,
}


def edge_form(editor: DocumentEditor, edge: Edge) -> Form:
    """Only the kind can change, and only to a kind legal between the two ends."""
    form = Form(editor, edge.id, "Edge")
    section = form.section("Edge")

    def current() -> Edge:
        return editor.doc.edge(form.element_id or edge.id)

    def legal_kinds() -> list[Option]:
        now = current()
        nodes = editor.doc.node
        return _choices(edge_kinds_between(nodes(now.source).kind, nodes(now.target).kind))

    ends: dict[str, QLineEdit] = {}
    for label, name in (("Id", "id"), ("Source", "source"), ("Target", "target")):
        shown = QLineEdit()
        shown.setReadOnly(True)
        ends[name] = section.add(label, shown, field_tip(Edge, name))  # type: ignore[assignment]
    section.field("Kind", ChoiceField(legal_kinds), "kind", tip=field_tip(Edge, "kind"))
    meaning = QLabel()
    meaning.setWordWrap(True)
    meaning.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # muted in either scheme
    section.add_wide(meaning)

    def show_ends() -> None:
        now = current()
        for name, shown in ends.items():
            node_id = getattr(now, name)
            text = node_id if name == "id" else f"{editor.doc.node(node_id).name} ({node_id})"
            if shown.text() != text:
                shown.setText(text)
                shown.setCursorPosition(0)
        set_text(meaning, f"A {now.kind} edge {EDGE_MEANING.get(now.kind, '')}.")
        set_text(form.heading, f"Edge: {now.kind}")

    form.hooks.append(show_ends)
    form.finish()
    return form
