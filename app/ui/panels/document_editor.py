"""Document-level editors, shown when nothing is selected: identity, tiers, roles, metrics."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.model.catalog import Metric, Role
from app.model.document import Sop
from app.ui.editor import DocumentEditor
from app.ui.panels.binding import Form
from app.ui.panels.fields import LineField, TextBlockField, set_text
from app.ui.panels.record_table import Column, RecordTable, key_column
from app.ui.panels.values import field_tip, format_list, parse_list, parse_optional_number


def fresh(stem: str, taken: Iterable[Any]) -> str:
    """``stem``, or ``stem-2``, ``stem-3``... whichever is not taken yet."""
    used = set(taken)
    candidate, counter = stem, 2
    while candidate in used:
        candidate, counter = f"{stem}-{counter}", counter + 1
    return candidate


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
        self.tiers = self._records_table(
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
            new_record=lambda tiers: fresh("tier", tiers),
            movable=True,
        )
        self.roles = self._records_table(
            "Roles",
            "role",
            [
                key_column("id", "id", field_tip(Role, "id"), chars=16),
                key_column("name", "name", field_tip(Role, "name"), chars=18),
                key_column(
                    "members",
                    "members (comma-separated)",
                    field_tip(Role, "members"),
                    parse=parse_list,
                    show=format_list,
                    default=[],
                    chars=22,
                ),
                key_column(
                    "description", "description", field_tip(Role, "description"), default=""
                ),
            ],
            new_record=lambda roles: {
                "id": fresh("role", (role.get("id") for role in roles)),
                "name": "New role",
            },
        )
        self.metrics = self._records_table(
            "Metric catalog",
            "metric",
            [
                key_column("id", "id", field_tip(Metric, "id"), chars=18),
                key_column("name", "name", field_tip(Metric, "name"), chars=18),
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
            ],
            new_record=lambda metrics: {
                "id": fresh("metric", (metric.get("id") for metric in metrics)),
                "name": "New metric",
            },
        )
        self.finish()

    def _records_table(
        self,
        title: str,
        noun: str,
        columns: list[Column],
        *,
        new_record: Any,
        movable: bool = False,
    ) -> RecordTable:
        field = {"tier": "tiers", "role": "roles", "metric": "metrics"}[noun]
        table = RecordTable(
            noun,
            columns,
            source=lambda: list(self.binder.current(field, lean=True)),
            commit=lambda records, error: self.binder.commit(field, records, error),
            new_record=new_record,
            movable=movable,
            rows=(2, 8),
        )
        return self.table(self.section(title), table)

    def after_load(self) -> None:
        doc = self.editor.doc
        set_text(self.heading, f"SOP document: {doc.title}")
