"""Help › Getting started: a first-time user's way from nothing to an exported SOP."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

STEPS: tuple[tuple[str, str], ...] = (
    (
        "Start from a template or a blank SOP",
        "<b>File › New from template…</b> (Ctrl+Shift+N) opens the gallery: type in its "
        "search box to filter the procedures by title or summary, then Enter. "
        "<b>File › New</b> (Ctrl+N) starts a blank SOP.",
    ),
    (
        "Place stages and gates",
        "Click a kind in the <b>Palette</b>, then click the canvas (or drag it in). From the "
        "keyboard, <b>Insert › Stage</b> (Ctrl+1) to <b>Check</b> (Ctrl+5) add a node beside "
        "the selected one. Arrow keys move the selection.",
    ),
    (
        "Connect them",
        "Drag from a node's right-hand handle to another node, or select a node and press "
        "<b>Ctrl+K</b> to pick the node to connect to from a list. The kind of connection "
        "(promote, reject, monitor, rollback, next) is inferred, and a connection the rules "
        "refuse says why.",
    ),
    (
        "Append the next step",
        "Select a node and press <b>Ctrl+E</b>, click the <b>+</b> beside it, or right-click "
        "it: choose what follows (a gate after a stage, a stage after a gate, a trigger that "
        "watches a stage, a runbook action after a trigger…). The new node arrives connected, "
        "placed where nothing else is, with its name selected: type the name and press Enter.",
    ),
    (
        "Fill in the inspector",
        "The <b>Inspector</b> edits the selection: names and notes, a gate's criteria and "
        "approval rule, a trigger's condition, an action's role and minutes. Press "
        "<b>F2</b> to type a selected node's name; <b>Esc</b> selects nothing, and the "
        "inspector then shows the SOP's title, roles, metrics and risk tiers.",
    ),
    (
        "Tidy the diagram",
        "<b>Edit › Auto-layout</b> (Ctrl+L) lays the whole diagram out; the <b>Arrange</b> "
        "menu aligns and distributes the selected nodes. Every edit can be undone (Ctrl+Z).",
    ),
    (
        "Validate",
        "The <b>Problems</b> panel lists what is wrong as you edit, with how to fix it; click "
        "a row to select the element, and badges mark it on the canvas.",
    ),
    (
        "Save, export, share",
        "<b>File › Save</b> (Ctrl+S). <b>File › Export</b> writes the PDF SOP, Markdown, "
        "Graphviz and the pipeline files; <b>File › Print…</b> (Ctrl+P) prints the diagram, "
        "and <b>Edit › Copy as image</b> (Ctrl+Shift+C) puts it on the clipboard. "
        "<b>Help › Keyboard shortcuts</b> lists every key.",
    ),
)
"""Each step's title and text (rich text written here, never user text)."""


def steps_html() -> str:
    items = "".join(f"<li><p><b>{title}.</b> {text}</p></li>" for title, text in STEPS)
    return (
        "<h2>Build your first SOP</h2>"
        "<p>An SOP is a graph: <b>stages</b> a model lives in, <b>gates</b> with criteria and "
        "approvals between them, <b>triggers</b> that watch a stage and start a rollback "
        "<b>runbook</b> of <b>actions</b> and <b>checks</b>.</p>"
        f"<ol>{items}</ol>"
    )


class GettingStarted(QDialog):
    """The steps, with buttons that start right away from a template or a blank SOP."""

    def __init__(
        self,
        parent: QWidget | None = None,
        from_template: Callable[[], None] | None = None,
        blank: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("GettingStarted")
        self.setWindowTitle("Getting started with Gatewright")
        self.resize(620, 640)
        self.text = QTextBrowser(self)
        self.text.setAccessibleName("Getting started steps")
        self.text.setOpenLinks(False)
        self.text.setHtml(steps_html())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        self.choice: str | None = None
        if from_template is not None:
            gallery = buttons.addButton(
                "Open the &template gallery…", QDialogButtonBox.ButtonRole.AcceptRole
            )
            gallery.clicked.connect(lambda: self._then("template", from_template))
        if blank is not None:
            empty = buttons.addButton("Start a &blank SOP", QDialogButtonBox.ButtonRole.AcceptRole)
            empty.clicked.connect(lambda: self._then("blank", blank))
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.text.setFocus()

    def _then(self, choice: str, action: Callable[[], None]) -> None:
        self.choice = choice
        self.accept()
        action()
