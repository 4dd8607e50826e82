"""The approval rule of a gate: mode, separation of duties, window, and who approves."""

from __future__ import annotations

from typing import Any

from app.spec.criteria import Approval, ApprovalRule
from app.ui.panels.binding import Form, Section
from app.ui.panels.fields import CheckField, ChoiceField, InlineError, OptionalNumberField
from app.ui.panels.record_table import RecordTable, key_column
from app.ui.panels.values import Option, catalog_options, field_tip

DEFAULT_WINDOW_HOURS = 24


class ApprovalEditor:
    """Adds an "Approval" section to a gate's form; every change is one
    ``set_property(gate_id, "approval", {...})``."""

    def __init__(self, form: Form) -> None:
        self.form = form
        self.binder = form.binder
        section: Section = form.section("Approval")
        self.section = section
        self.mode = section.field(
            "Mode",
            ChoiceField([("all rules must be met", "all"), ("any one rule is enough", "any")]),
            "approval",
            ("mode",),
            tip=field_tip(Approval, "mode"),
        )
        self.separation = section.field(
            "Separation of duties",
            CheckField("Separation of duties"),
            "approval",
            ("separation_of_duties",),
            tip=field_tip(Approval, "separation_of_duties"),
        )
        self.window = section.field(
            "Window (hours)",
            OptionalNumberField("no window", DEFAULT_WINDOW_HOURS),
            "approval",
            ("window_hours",),
            tip=field_tip(Approval, "window_hours"),
        )
        self.rules = form.table(
            section,
            RecordTable(
                "approver rule",
                [
                    key_column(
                        "role",
                        "role",
                        field_tip(ApprovalRule, "role"),
                        editor="choice",
                        choices=self._role_choices,
                        chars=20,
                    ),
                    key_column(
                        "count",
                        "count",
                        field_tip(ApprovalRule, "count"),
                        editor="count",
                        default=1,
                        chars=6,
                    ),
                    key_column(
                        "tiers",
                        "tiers",
                        field_tip(ApprovalRule, "tiers") + " Leave all unchecked for every tier.",
                        editor="subset",
                        choices=self._tier_choices,
                    ),
                ],
                source=self._rules,
                commit=self._commit_rules,
                new_record=self._new_rule,
                rows=(2, 6),
            ),
            caption="Approver rules",
        )
        self.rules.view.setAccessibleName("Approver rules table")

    def _role_choices(self, _record: Any = None) -> list[Option]:
        return catalog_options(self.form.editor.doc.roles)

    def _tier_choices(self, _record: Any = None) -> list[Option]:
        return [(tier, tier) for tier in self.form.editor.doc.tiers]

    def _rules(self) -> list[Any]:
        return list(self.binder.current("approval", ("rules",), lean=True) or [])

    def _commit_rules(self, rules: list[Any], error: InlineError) -> bool:
        approval = self.binder.current("approval", lean=True)
        return self.binder.commit("approval", {**approval, "rules": rules}, error)

    def _new_rule(self, rules: list[Any]) -> dict[str, Any]:
        roles = [role_id for _label, role_id in self._role_choices()]
        used = {rule.get("role") for rule in rules}
        free = [role_id for role_id in roles if role_id not in used]
        return {"role": (free or roles or ["approver"])[0]}
