"""The template gallery's search box and Help › Getting started."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QPushButton

from app.model.templates import list_templates
from app.ui.dialogs.gallery import TemplateGallery
from app.ui.dialogs.getting_started import STEPS, GettingStarted
from app.ui.main_window import MainWindow


@pytest.fixture
def gallery(qtbot):  # type: ignore[no-untyped-def]
    made = TemplateGallery()
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    made.activateWindow()
    qtbot.waitActive(made)
    return made


def shown_titles(gallery: TemplateGallery) -> list[str]:
    rows = range(gallery.list.count())
    return [gallery.list.item(r).text() for r in rows if not gallery.list.item(r).isHidden()]


def test_typing_filters_by_title_and_summary(gallery: TemplateGallery) -> None:
    infos = list_templates()
    target = infos[-1]
    word = next(w for w in target.title.split() if len(w) > 4)
    QTest.keyClick(gallery, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # &Search:
    assert QApplication.focusWidget() is gallery.search
    QTest.keyClicks(QApplication.focusWidget(), word.upper())  # any case
    expected = [i.title for i in infos if word.casefold() in f"{i.title} {i.summary}".casefold()]
    assert target.title in expected
    assert shown_titles(gallery) == expected
    # a word only a summary holds finds its template too
    summary_word = max((w.strip(".,;:()") for w in target.summary.split()), key=len).casefold()
    gallery.search.clear()
    QTest.keyClicks(gallery.search, summary_word)
    assert target.title in shown_titles(gallery)
    # Down moves in the list from the search box; Enter opens the choice
    QTest.keyClick(gallery.search, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is gallery.search  # typing goes on in the box
    chosen = gallery.chosen_id
    assert chosen is not None and not gallery.list.currentItem().isHidden()
    QTest.keyClick(gallery.search, Qt.Key.Key_Return)
    assert gallery.result() == QDialog.DialogCode.Accepted
    assert gallery.chosen_id == chosen


def test_no_match_says_so_and_cannot_create(gallery: TemplateGallery) -> None:
    gallery.search.setFocus()
    QTest.keyClicks(gallery.search, "zzz-nothing")
    assert shown_titles(gallery) == []
    assert gallery.nothing.isVisible() and "zzz-nothing" in gallery.nothing.text()
    assert not gallery.create_button.isEnabled()
    QTest.keyClick(gallery.search, Qt.Key.Key_Return)
    assert gallery.result() != QDialog.DialogCode.Accepted  # nothing opened
    gallery.search.clear()
    assert len(shown_titles(gallery)) == len(list_templates()) + 1
    assert gallery.create_button.isEnabled() and not gallery.nothing.isVisible()


def test_the_search_box_has_the_keyboard_first_and_letters_typed_in_the_list_go_there(
    gallery: TemplateGallery,
) -> None:
    assert QApplication.focusWidget() is gallery.search
    QTest.keyClick(gallery.search, Qt.Key.Key_Down)  # into the list's choices...
    gallery.list.setFocus()
    QTest.keyClicks(gallery.list, "credit")  # ...and typing there searches
    assert QApplication.focusWidget() is gallery.search
    assert gallery.search.text() == "credit"
    assert all("credit" in t.casefold() or "credit" in s for t, s in _shown_with_summaries(gallery))


def _shown_with_summaries(gallery: TemplateGallery) -> list[tuple[str, str]]:
    items = [gallery.list.item(r) for r in range(gallery.list.count())]
    return [(i.text(), i.toolTip().casefold()) for i in items if not i.isHidden()]


def test_ctrl_f_returns_to_the_search_box(gallery: TemplateGallery) -> None:
    gallery.list.setFocus()
    QTest.keySequence(gallery.list, QKeySequence(QKeySequence.StandardKey.Find))
    assert QApplication.focusWidget() is gallery.search


def test_getting_started_walks_through_the_designer(window: MainWindow, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    entry = help_menu.actions()[0]
    assert entry.text() == "&Getting started…"
    shown: list[GettingStarted] = []

    def look(dialog: GettingStarted) -> int:
        shown.append(dialog)
        text = dialog.text.toPlainText()
        for title, _body in STEPS:
            assert title in text
        return 0

    monkeypatch.setattr(GettingStarted, "exec", look)
    entry.trigger()
    assert len(shown) == 1
    # every shortcut the steps name is one the window really has
    text = shown[0].text.toPlainText()
    named = set(re.findall(r"\b(?:Ctrl|Alt|Shift)\+[\w+]+|\bF\d+\b|\bEsc\b", text))
    have = {
        action.shortcut().toString()
        for action in window.findChildren(type(entry))
        if not action.shortcut().isEmpty()
    }
    have |= {"Esc"}  # the canvas's own key
    assert named and named <= have, named - have


def test_getting_started_opens_the_gallery(window: MainWindow, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    opened: list[str] = []
    monkeypatch.setattr(window, "new_from_template", lambda: opened.append("gallery"))
    dialog = GettingStarted(window, window.new_from_template, window.files.new_blank)
    qtbot.addWidget(dialog)
    dialog.show()
    button = next(
        b
        for b in dialog.findChildren(QPushButton)
        if "template gallery" in b.text().replace("&", "")
    )
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert opened == ["gallery"] and dialog.choice == "template"
