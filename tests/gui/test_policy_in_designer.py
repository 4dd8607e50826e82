"""The designer validates the open file under the organisation policy found beside it or
above it, as the command line does; a policy it cannot read is one inline problem."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from app.model.templates import template_text
from app.ui.main_window import MainWindow
from app.validate.policy import POLICY_NAME


@pytest.fixture
def window(qtbot, monkeypatch) -> MainWindow:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("GATEWRIGHT_POLICY", raising=False)
    made = MainWindow()
    qtbot.addWidget(made)
    return made


def shown_rules(window: MainWindow) -> list[str]:
    table = window.problems
    return [table.item(row, 1).text() for row in range(table.rowCount())]


def test_the_policy_above_the_file_applies_in_the_problems_panel(window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "team" / "sops"
    folder.mkdir(parents=True)
    path = folder / "gate.sop.json"
    path.write_text(template_text("deployment-gate"), encoding="utf-8")
    assert window.files.open_path(path, offer_recovery=False)
    assert shown_rules(window) == []
    (tmp_path / POLICY_NAME).write_text(
        "[require]\nmax_approval_window_hours = 24\n", encoding="utf-8"
    )
    assert window.files.open_path(path, offer_recovery=False)
    assert shown_rules(window) == ["approval-window-limit"] * 3
    assert window.validity_label.text() == "3 error(s), 0 warning(s)"
    # An edit revalidates under the same policy.
    window.editor.set_property(
        "staging-gate", "approval", {"rules": [{"role": "ds-lead"}], "window_hours": 12}
    )
    window.revalidate()
    assert shown_rules(window) == ["approval-window-limit"] * 2


def test_an_unreadable_policy_is_one_inline_problem(window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "gate.sop.json"
    path.write_text(template_text("deployment-gate"), encoding="utf-8")
    (tmp_path / POLICY_NAME).write_text("[require\n", encoding="utf-8")
    assert window.files.open_path(path, offer_recovery=False)
    assert shown_rules(window) == ["policy-file"]
    assert POLICY_NAME in window.problems.item(0, 2).text()
