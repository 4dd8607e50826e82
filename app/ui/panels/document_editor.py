"""Document-level editors, shown when nothing is selected: identity, tiers, roles, metrics."""

from __future__ import annotations

from typing import Any

from app.model.catalog import Metric, Role
from app.model.components import COMPONENT_KINDS, Component
from app.model.document import Sop
from app.spec.schema import MetricSources
from app.spec.types import fresh_id, person_id_problem, person_key
from app.ui.editor import DocumentEditor
from app.ui.panels.binding import Form
from app.ui.panels.document_control import add_control_section, show_next_review
from app.ui.panels.fields import LineField, TextBlockField, set_text
from app.ui.panels.record_table import Column, RecordTable, key_column
from app.ui.panels.values import catalog_options, field_tip, parse_optional_number

MODEL_TEAM_CHOICES: list[tuple[str, Any]] = [
    ("not declared", None),
    ("builds the model", True),
    ("independent", False),
]
"""A role's ``model_team``: whether it belongs to the team that builds the model."""


def checked_member(text: Any) -> str:
    """A person id as typed in a role's member cell, or ValueError saying why it is not one."""
    member = str(text).strip()
    if problem := person_id_problem(member):
        raise ValueError(problem)
    return member


def checked_members(members: list[Any]) -> list[Any]:
    """A role's members, or ValueError when one person is listed twice (in any case)."""
    seen: dict[str, str] = {}
    for member in members:
        key = person_key(str(member))
        if key in seen:
            raise ValueError(
                f"{member!r} is listed twice ({seen[key]!r} is the same person: person ids "
                "are compared ignoring case); list each person once"
            )
        seen[key] = str(member)
    return members


def members_column() -> Column:
    """A role's members, edited as a table of person ids in the role's form."""

    def table(*, source: Any, commit: Any) -> RecordTable:
        member = Column(
            "person id",
            "A platform login or an e-mail address, as approvals name the person.",
            show=str,
            get=str,
            put=lambda _old, text: checked_member(text),
        )
        members = RecordTable(
            "member",
            [member],
            source=source,
            commit=commit,
            new_record=lambda people: fresh_id("person", set(people)),
            rows=(2, 6),
        )
        members.view.setAccessibleName("Members table")
        return members

    return Column(
        "members",
        field_tip(Role, "members"),
        show=lambda role: ", ".join(role.get("members", [])),
        get=lambda role: role.get("members", []),
        put=lambda role, members: {**role, "members": checked_members(list(members))},
        editor=lambda _role: "list",
        kinds=("list",),
        table=table,
    )


def source_column(key: str, header: str) -> Column:
    """Where a metric is read in one system (``sources[key]``), typed as one line; an empty
    field leaves the key out, and ``sources`` goes when it holds nothing."""

    def get(metric: dict[str, Any]) -> str:
        return str((metric.get("sources") or {}).get(key) or "")

    def put(metric: dict[str, Any], text: Any) -> dict[str, Any]:
        value = str(text).strip()
        sources = {k: v for k, v in (metric.get("sources") or {}).items() if v is not None}
        if value:
            sources[key] = value
        else:
            sources.pop(key, None)
        updated = {k: v for k, v in metric.items() if k != "sources"}
        return {**updated, "sources": sources} if sources else updated

    return Column(header, field_tip(MetricSources, key), show=get, get=get, put=put, chars=24)


def dependencies_column(editor: DocumentEditor) -> Column:
    """A component's ``depends_on``, ticked among the catalog's other components (each
    listed by name and id, so that the id a rename gave shows)."""

    def put(component: dict[str, Any], chosen: Any) -> dict[str, Any]:
        updated = {k: v for k, v in component.items() if k != "depends_on"}
        return {**updated, "depends_on": list(chosen)} if chosen else updated

    return Column(
        "depends on",
        field_tip(Component, "depends_on"),
        show=lambda component: ", ".join(component.get("depends_on", [])) or "nothing",
        get=lambda component: list(component.get("depends_on", [])),
        put=put,
        editor=lambda _component: "subset",
        choices=lambda component: catalog_options(
            [other for other in editor.doc.components if other.id != component.get("id")]
        ),
        kinds=("subset",),
        chars=20,
    )


class DocumentForm(Form):
    """Each change is one ``set_document_property(field, value)``."""

    def __init__(self, editor: DocumentEditor) -> None:
        super().__init__(editor, None, "SOP document")
        identity = self.section("SOP")
        self.sop_id = identity.field(
            "SOP id", LineField(parse=str.strip), "id", tip=field_tip(Sop, "id")
        )
        self.title = identity.field("Title", LineField(), "title", tip=field_tip(Sop, "title"))
        self.version = identity.field(
            "Version", LineField(), "version", tip=field_tip(Sop, "version")
        )
        self.owner = identity.field("Owner", LineField(), "owner", tip=field_tip(Sop, "owner"))
        self.description = identity.field(
            "Description", TextBlockField(5), "description", tip=field_tip(Sop, "description")
        )
        add_control_section(self)
        self.tiers = self.records_table(
            "Risk tiers",
            "tier",
            [
                Column(
                    "tier (least strict first)",
                    field_tip(Sop, "tiers"),
                    show=str,
                    get=str,
                    put=lambda _old, text: text.strip(),
                )
            ],
            new_record=lambda tiers: fresh_id("tier", set(tiers)),
            movable=True,
        )
        self.roles = self.records_table(
            "Roles",
            "role",
            [
                key_column("id", "id", field_tip(Role, "id"), chars=16),
                key_column("name", "name", field_tip(Role, "name")),
            ],
            new_record=lambda roles: {
                "id": fresh_id("role", {role.get("id") for role in roles}),
                "name": "New role",
            },
            fields=[
                key_column(
                    "description", "description", field_tip(Role, "description"), default=""
                ),
                members_column(),
                key_column(
                    "model_team",
                    "model team",
                    field_tip(Role, "model_team"),
                    editor="choice",
                    choices=lambda _r: MODEL_TEAM_CHOICES,
                    default=None,
                ),
            ],
            title=lambda role: f"Role {role.get('id', '')}",
        )
        self.metrics = self.records_table(
            "Metric catalog",
            "metric",
            [
                key_column("id", "id", field_tip(Metric, "id"), chars=16),
                key_column("name", "name", field_tip(Metric, "name")),
            ],
            new_record=lambda metrics: {
                "id": fresh_id("metric", {metric.get("id") for metric in metrics}),
                "name": "New metric",
            },
            fields=[
                key_column("unit", "unit", field_tip(Metric, "unit"), default=""),
                key_column(
                    "direction",
                    "direction",
                    field_tip(Metric, "direction"),
                    editor="choice",
                    choices=lambda _r: [("higher", "higher"), ("lower", "lower")],
                    default="higher",
                ),
                key_column(
                    "min",
                    "min",
                    field_tip(Metric, "min"),
                    parse=parse_optional_number,
                    default=None,
                ),
                key_column(
                    "max",
                    "max",
                    field_tip(Metric, "max"),
                    parse=parse_optional_number,
                    default=None,
                ),
                source_column("mlflow", "MLflow key"),
                source_column("prometheus", "Prometheus query"),
            ],
            title=lambda metric: f"Metric {metric.get('id', '')}",
        )
        self.components = self.records_table(
            "Components (what a rollback restores)",
            "component",
            [
                key_column("id", "id", field_tip(Component, "id"), chars=16),
                key_column("name", "name", field_tip(Component, "name")),
            ],
            new_record=lambda components: {
                "id": fresh_id("component", {c.get("id") for c in components}),
                "name": "New component",
                "kind": "model",
            },
            fields=[
                # In the form, not the table: a third column is cut off in the inspector.
                key_column(
                    "kind",
                    "kind",
                    field_tip(Component, "kind"),
                    editor="choice",
                    choices=lambda _c: [(kind, kind) for kind in COMPONENT_KINDS],
                ),
                key_column(
                    "owner",
                    "owner",
                    field_tip(Component, "owner"),
                    editor="choice",
                    choices=lambda _c: [("(none)", None), *catalog_options(editor.doc.roles)],
                    default=None,
                ),
                dependencies_column(editor),
                key_column(
                    "description", "description", field_tip(Component, "description"), default=""
                ),
            ],
            title=lambda component: f"Component {component.get('id', '')}",
        )
        self.finish()

    def records_table(
        self,
        heading: str,
        noun: str,
        columns: list[Column],
        *,
        new_record: Any,
        movable: bool = False,
        fields: list[Column] | None = None,
        title: Any = lambda _record: "",
    ) -> RecordTable:
        field = {
            "tier": "tiers",
            "role": "roles",
            "metric": "metrics",
            "component": "components",
            "approver": "approvers",
            "definition": "definitions",
            "reference": "references",
        }[noun]
        table = RecordTable(
            noun,
            columns,
            source=lambda: list(self.binder.current(field, lean=True)),
            commit=lambda records, error: self.binder.commit(field, records, error),
            new_record=new_record,
            movable=movable,
            rows=(2, 8),
            fields=fields,
            title=title,
        )
        return self.table(self.section(heading), table)

    def after_load(self) -> None:
        doc = self.editor.doc
        set_text(self.heading, f"SOP document: {doc.title}")
        show_next_review(self, doc)
