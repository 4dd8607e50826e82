"""The criteria table of gates and checks: one row per criterion, whatever its form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.spec.criteria import (
    OPERATORS,
    ArtifactCriterion,
    BaselineCriterion,
    CheckCriterion,
    CriterionBase,
    MetricCriterion,
    criterion_form,
)
from app.spec.types import fresh_id
from app.ui.panels.fields import InlineError
from app.ui.panels.record_table import Column, RecordTable, key_column
from app.ui.panels.values import Option, field_tip, format_value, parse_number, parse_scalar

FORMS: dict[str, type[CriterionBase]] = {
    "metric": MetricCriterion,
    "baseline": BaselineCriterion,
    "check": CheckCriterion,
    "artifact": ArtifactCriterion,
}
FORM_TIPS = {
    "metric": "metric: compares the candidate's metric with a threshold",
    "baseline": "baseline: compares the metric with production's value plus a delta",
    "check": "check: a check the pipeline reports must equal a value (e.g. passed)",
    "artifact": "artifact: a document such as a model card must be present",
}
SUBJECT = {"metric": "metric", "baseline": "metric", "check": "check", "artifact": "artifact"}
AMOUNT = {"metric": "value", "baseline": "delta", "check": "equals"}
_COMMON = ("id", "name", "severity", "tiers", "on_missing", "on_invalid")
_POLICY = [("fail", "fail"), ("hold", "hold")]


def form_of(record: dict[str, Any]) -> str:
    return (criterion_form(record) or "metric-criterion").removesuffix("-criterion")


def with_form(record: dict[str, Any], form: str, metrics: list[str]) -> dict[str, Any]:
    """The criterion in another form: shared fields kept, the new form's fields filled from
    the old ones where they mean the same, else with sensible defaults."""
    old = form_of(record)
    if form == old:
        return record
    updated = {key: record[key] for key in _COMMON if key in record}
    name = record.get(SUBJECT[old]) or record["id"]
    if form in ("metric", "baseline"):
        metric = record.get("metric") or (metrics[0] if metrics else name)
        updated.update(metric=metric, op=record.get("op", ">="))
        if form == "metric":
            updated["value"] = record.get("value", 0)
        else:
            updated.update(baseline=True, delta=record.get("delta", 0))
    elif form == "check":
        updated.update(check=name, equals="passed")
    else:
        updated["artifact"] = name
    return updated


def with_defaults(record: dict[str, Any]) -> dict[str, Any]:
    """The record with its form's value shown even when it is the default (``passed``, 0)."""
    form = form_of(record)
    if form == "check" and "equals" not in record:
        return {**record, "equals": "passed"}
    if form == "baseline" and "delta" not in record:
        return {**record, "delta": 0}
    return record


NEW_METRIC = "\0new-metric"
"""The metric drop-down's last choice: create a metric in the catalog for this criterion."""
SUBJECT_LABELS = {
    "metric": "metric",
    "baseline": "metric",
    "check": "check",
    "artifact": "artifact",
}
AMOUNT_LABELS = {"metric": "threshold", "baseline": "delta", "check": "equals"}


def rule_text(record: dict[str, Any]) -> str:
    """A criterion's rule in a few words: ``accuracy >= 0.9``, ``auc >= baseline - 0.01``."""
    form = form_of(record)
    subject = format_value(record.get(SUBJECT[form]))
    if form == "metric":
        text = f"{subject} {record.get('op', '')} {format_value(record.get('value'))}"
    elif form == "baseline":
        delta = record.get("delta", 0)
        sign = "-" if isinstance(delta, int | float) and delta < 0 else "+"
        amount = format_value(abs(delta) if isinstance(delta, int | float) else delta)
        text = f"{subject} {record.get('op', '')} baseline {sign} {amount}"
    elif form == "check":
        text = f"{subject} = {format_value(record.get('equals', 'passed'))}"
    else:
        text = f"{subject} present"
    if record.get("severity") == "advisory":
        text += " (advisory)"
    if record.get("tiers"):
        text += f" · {', '.join(record['tiers'])}"
    return text


class CriteriaTable(RecordTable):
    """Used by both the gate and the check forms (one class). The table lists each
    criterion's id and rule; the current criterion's every field is a form under it, so
    that nothing needs scrolling sideways in a narrow inspector."""

    def __init__(
        self,
        *,
        source: Callable[[], list[Any]],
        commit: Callable[..., bool],
        metrics: Callable[[], list[Option]],
        tiers: Callable[[], list[str]],
        add_metric: Callable[[dict[str, Any], list[Any], InlineError], bool] | None = None,
    ) -> None:
        self.metrics, self.tiers, self.add_metric = metrics, tiers, add_metric
        table, fields = self._columns()
        super().__init__(
            "criterion",
            table,
            source=lambda: [with_defaults(record) for record in source()],
            commit=commit,
            new_record=self._new_criterion,
            movable=True,
            rows=(3, 9),
            fields=fields,
            title=lambda record: f"Criterion {record.get('id', '')}",
        )
        self.view.setAccessibleName("Criteria table")
        self.metric_dialog: Any = None

    def _metric_ids(self) -> list[str]:
        return [metric_id for _label, metric_id in self.metrics()]

    def _metric_choices(self, _record: Any = None) -> list[Option]:
        new = [("New metric…", NEW_METRIC)] if self.add_metric is not None else []
        return [*self.metrics(), *new]

    def _tier_choices(self, _record: Any = None) -> list[Option]:
        return [(tier, tier) for tier in self.tiers()]

    def _columns(self) -> tuple[list[Column], list[Column]]:
        """The table's columns (id, rule) and the current criterion's form fields."""
        base = CriterionBase
        rule = Column(
            "rule",
            "What the criterion requires; edit it in the form under the table.",
            show=rule_text,
            get=rule_text,
            put=lambda record, _value: record,
            editor=lambda _record: "view",
            cell_tip=rule_text,
            kinds=("view",),
        )
        form = Column(
            "form",
            "metric, baseline, check or artifact: what the criterion compares.",
            show=form_of,
            get=form_of,
            put=lambda record, form: with_form(record, form, self._metric_ids()),
            editor=lambda _record: "choice",
            choices=lambda _record: [(name, name) for name in FORMS],
            cell_tip=lambda record: FORM_TIPS[form_of(record)],
            kinds=("choice",),
        )
        subject = Column(
            "metric / check / artifact",
            "The metric from the catalog, or the name of the check or artifact.",
            show=lambda record: format_value(record.get(SUBJECT[form_of(record)])),
            get=lambda record: record.get(SUBJECT[form_of(record)]),
            put=self._put_subject,
            editor=lambda record: "choice" if SUBJECT[form_of(record)] == "metric" else "text",
            choices=self._metric_choices,
            cell_tip=lambda record: field_tip(FORMS[form_of(record)], SUBJECT[form_of(record)]),
            label=lambda record: SUBJECT[form_of(record)],
            kinds=("choice", "text"),
        )
        op = Column(
            "op",
            field_tip(MetricCriterion, "op"),
            show=lambda record: record.get("op", ""),
            get=lambda record: record.get("op"),
            put=lambda record, value: {**record, "op": value},
            editor=lambda record: "choice" if "op" in record else "",
            choices=lambda _record: [(name, name) for name in OPERATORS],
            label=lambda _record: "operator",
            kinds=("choice",),
        )
        amount = Column(
            "value",
            "The threshold (metric form), the delta added to the baseline (baseline form) "
            "or the value the check must report (check form, e.g. passed).",
            show=lambda record: format_value(record.get(AMOUNT.get(form_of(record), ""))),
            get=lambda record: record.get(AMOUNT.get(form_of(record), "")),
            put=self._put_amount,
            editor=lambda record: "text" if form_of(record) in AMOUNT else "",
            cell_tip=self._amount_tip,
            label=lambda record: AMOUNT_LABELS.get(form_of(record), "value"),
        )
        table = [key_column("id", "id", field_tip(base, "id"), chars=14), rule]
        fields = [
            key_column("name", "name", field_tip(base, "name"), default=""),
            form,
            subject,
            op,
            amount,
            key_column(
                "severity",
                "severity",
                field_tip(base, "severity"),
                editor="choice",
                choices=lambda _r: [("blocking", "blocking"), ("advisory", "advisory")],
                default="blocking",
            ),
            key_column(
                "on_missing",
                "on missing",
                field_tip(base, "on_missing"),
                editor="choice",
                choices=lambda _r: _POLICY,
                default="fail",
            ),
            key_column(
                "on_invalid",
                "on invalid",
                field_tip(base, "on_invalid"),
                editor="choice",
                choices=lambda _r: _POLICY,
                default="fail",
            ),
            key_column(
                "tiers",
                "tiers",
                field_tip(base, "tiers") + " Leave all unchecked for every tier.",
                editor="subset",
                choices=self._tier_choices,
            ),
        ]
        return table, fields

    def commit_field(
        self, row: int, column: Column, value: Any, error: InlineError | None = None
    ) -> bool:
        if value == NEW_METRIC:
            self.new_metric(row)
            return False  # nothing changes until the dialog is accepted
        return super().commit_field(row, column, value, error)

    def new_metric(self, row: int) -> None:
        """Ask for the new metric; accepting adds it to the catalog and makes the criterion
        in ``row`` compare it, as one undoable edit."""
        from app.ui.dialogs.new_metric import NewMetricDialog

        dialog = NewMetricDialog(self._metric_ids(), self)
        self.metric_dialog = dialog

        def accepted() -> None:
            records = list(self.model.records)
            if not 0 <= row < len(records) or self.add_metric is None:
                return
            records[row] = self._put_subject(records[row], dialog.created["id"])
            target = self.form.error if self.form is not None else self.error
            self.add_metric(dialog.created, records, target)
            self.load()

        dialog.accepted.connect(accepted)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    @staticmethod
    def _put_subject(record: dict[str, Any], value: Any) -> dict[str, Any]:
        key = SUBJECT[form_of(record)]
        return {**record, key: value.strip() if isinstance(value, str) else value}

    @staticmethod
    def _put_amount(record: dict[str, Any], text: Any) -> dict[str, Any]:
        form = form_of(record)
        parse = parse_scalar if form == "check" else parse_number
        return {**record, AMOUNT[form]: parse(text) if isinstance(text, str) else text}

    @staticmethod
    def _amount_tip(record: dict[str, Any]) -> str:
        form = form_of(record)
        return field_tip(FORMS[form], AMOUNT[form]) if form in AMOUNT else "Not used by artifacts."

    def _new_criterion(self, records: list[Any]) -> dict[str, Any]:
        criterion_id = fresh_id("criterion", {record.get("id") for record in records})
        metrics = self._metric_ids()
        if metrics:
            return {"id": criterion_id, "metric": metrics[0], "op": ">=", "value": 0}
        return {"id": criterion_id, "check": criterion_id, "equals": "passed"}
