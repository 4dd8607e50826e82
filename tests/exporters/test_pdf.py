"""PDF exporter: content an auditor checks, outline, embedded fonts, draft banner, hostile text."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.cli import main
from app.cli.exporting import build_context
from app.model.document import Sop
from app.model.io import load_document
from app.model.templates import load_template, template_ids, template_text
from exporters import content, pdf_style
from exporters.context import ExportContext
from exporters.pdf import render_pdf
from exporters.pdf_layout import DRAFT_TEXT
from synthetic.documents import gate_chain

REPO = Path(__file__).resolve().parents[2]
HOSTILE = REPO / "tests" / "fixtures" / "hostile.sop.json"
NO_FIGURES = "No simulation or drill results recorded in the workspace yet"


def template_path(template_id: str) -> Path:
    return REPO / "sop_templates" / f"{template_id}.sop.json"


def squeeze(text: str) -> str:
    return "".join(text.split())


@cache
def rendered(source: str) -> bytes:
    """The PDF of a template id or a file, with the context the CLI builds (cached)."""
    path = Path(source) if source.endswith(".json") else template_path(source)
    doc = load_document(path)
    context, _diagnostics = build_context(doc, path, "gatewright/spec.json")
    return render_pdf(doc, context)


def reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in reader(data).pages]


def outline_titles(items: list) -> list[str]:
    titles = []
    for item in items:
        if isinstance(item, list):
            titles += outline_titles(item)
        else:
            titles.append(item.title)
    return titles


def expected_strings(doc: Sop) -> list[str]:
    """Everything the brief says an auditor must find: gates, thresholds, roles, actions."""
    wanted = [content.one_line(g.name) for g in doc.nodes_of_kind("gate")]
    wanted += [r.name for r in doc.roles]
    wanted += [content.one_line(a.name) for a in doc.nodes_of_kind("action")]
    for node in doc.nodes:
        for criterion in getattr(node, "criteria", []):
            wanted.append(content.criterion_row(doc, criterion).threshold)
    return wanted


def test_cli_writes_a_pdf(tmp_path, capsys) -> None:
    out = tmp_path / "sop.pdf"
    assert main(["export", "pdf", str(template_path("startup-lightweight")), "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF-")
    assert f"wrote {out}" in capsys.readouterr().err


@pytest.mark.parametrize("template_id", template_ids())
def test_every_template_reads_completely(template_id) -> None:
    doc = load_template(template_id)
    data = rendered(template_id)
    pdf = reader(data)
    assert 4 <= len(pdf.pages) <= 40
    text = squeeze("".join(page_texts(data)))
    for wanted in expected_strings(doc):
        assert squeeze(wanted) in text, wanted
    for section in ("Purpose and scope", "Process diagram", "Stages", "Gates", "Sign-off"):
        assert squeeze(section) in text
    assert DRAFT_TEXT not in "".join(page_texts(data))
    assert squeeze(NO_FIGURES) in text


@pytest.mark.parametrize("template_id", ["startup-lightweight", "rollback-procedure"])
def test_outline_has_a_bookmark_per_section(template_id) -> None:
    doc = load_template(template_id)
    titles = outline_titles(reader(rendered(template_id)).outline)
    for section in (
        "Purpose and scope",
        "Process diagram",
        "Stages",
        "Gates",
        "Responsibilities (RACI)",
        "Rollback runbooks",
        "Maturity assessment",
        "Drill checklist for trainers",
        "Simulation and drill results",
        "Sign-off",
        "Revision history",
    ):
        assert section in titles
    for gate in doc.nodes_of_kind("gate"):
        assert f"Gate: {gate.name}" in titles
    for trigger in doc.nodes_of_kind("trigger"):
        assert f"Runbook: {trigger.name}" in titles and f"Drill: {trigger.name}" in titles


def bookmark_pages(data: bytes) -> dict[str, int]:
    """Outline title -> the page (from 1) its bookmark opens."""
    pdf, pages = reader(data), {}

    def walk(items: list) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                pages.setdefault(item.title, pdf.get_destination_page_number(item) + 1)

    walk(pdf.outline)
    return pages


def contents_links(data: bytes, first: int) -> list[int]:
    """The pages (from 1) opened by the links on the contents pages, from page ``first``."""
    pdf, opened = reader(data), []
    for page in pdf.pages[first - 1 :]:
        links = [a.get_object() for a in page.get("/Annots", [])]
        links = [link for link in links if link.get("/Subtype") == "/Link"]
        if not links:
            break
        opened += [pdf.get_page_number(link["/Dest"][0].get_object()) + 1 for link in links]
    return opened


def contents_lines(data: bytes) -> dict[str, int]:
    """Contents entry -> the page number it prints, read as a person reads the page
    (``pdftotext -layout``: the numbers are forms placed at the end of each line)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    entries: dict[str, int] = {}
    for page in text.split("\f")[1:]:
        lines = [line for line in page.splitlines() if ". ." in line]
        if not lines and entries:
            break  # past the contents
        for line in lines:
            title, _space, number = line.rstrip().rpartition(" ")
            if number.isdigit():
                entries.setdefault(title.split(" . ")[0].strip(" ."), int(number))
    return entries


@pytest.mark.parametrize("source", ["deployment-gate", "long"])
def test_contents_and_bookmarks_open_the_page_each_section_starts_on(source) -> None:
    """The contents are laid out in the same single pass as the sections, their page numbers
    filled in at the end: every number must be the page the section's bookmark opens, also
    when the contents run over several pages."""
    if source == "long":
        doc = Sop.model_validate(gate_chain(60))
        context, _diagnostics = build_context(doc, None, "gatewright/spec.json")
        data = render_pdf(doc, context)
    else:
        data = rendered(source)
    printed, bookmarks = contents_lines(data), bookmark_pages(data)
    assert len(printed) >= (20 if source == "deployment-gate" else 70)
    if source == "long":  # the contents run over more than one page
        assert bookmarks["Purpose and scope"] - bookmarks["Contents"] >= 2
    assert len(set(bookmarks.values())) > 5, "bookmarks open different pages"
    for title, page in printed.items():
        assert bookmarks[title] == page, title
    texts = page_texts(data)
    assert bookmarks["Revision history"] == len(texts)
    # Each contents line is one link, and it opens the page the line prints.
    assert sorted(contents_links(data, bookmarks["Contents"])) == sorted(printed.values())
    assert f"page {len(texts)} of {len(texts)}" in texts[-1]


@pytest.mark.parametrize("source", ["startup-lightweight", str(HOSTILE)])
def test_every_font_is_embedded(source) -> None:
    fonts = {}
    for page in reader(rendered(source)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    assert fonts
    for name, font in fonts.items():
        descriptor = font.get("/FontDescriptor")
        if descriptor is None:  # a composite font: the descriptor sits on its descendant
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        descriptor = descriptor.get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), name
    assert any("DejaVuSans" in name for name in fonts)


def test_footer_carries_title_and_page_numbers() -> None:
    texts = page_texts(rendered("startup-lightweight"))
    for number, text in enumerate(texts, start=1):
        assert f"page {number} of {len(texts)}" in text
        assert "Lightweight Model Release (Startup)" in text


def broken_template(tmp_path: Path) -> Path:
    """startup-lightweight with one runbook cut off from its trigger: validation errors."""
    data = json.loads(template_text("startup-lightweight"))
    data["edges"] = [e for e in data["edges"] if e["id"] != "error-spike-starts-err-rollback"]
    path = tmp_path / "broken.sop.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def test_invalid_sop_needs_allow_invalid(tmp_path, capsys) -> None:
    broken, out = broken_template(tmp_path), tmp_path / "draft.pdf"
    assert main(["export", "pdf", str(broken), "-o", str(out)]) == 1
    assert "--allow-invalid" in capsys.readouterr().err
    assert not out.exists()


def test_draft_banner_on_every_page_of_an_allowed_invalid_export(tmp_path) -> None:
    broken, out = broken_template(tmp_path), tmp_path / "draft.pdf"
    assert main(["export", "pdf", str(broken), "-o", str(out), "--allow-invalid"]) == 0
    texts = page_texts(out.read_bytes())
    assert all(DRAFT_TEXT in text for text in texts)
    joined = squeeze("".join(texts))
    assert squeeze("not compiled: draft") in joined
    assert squeeze("Validation findings") in joined and "runbook-ordered" in joined


def test_valid_export_with_allow_invalid_has_no_banner(tmp_path) -> None:
    out = tmp_path / "valid.pdf"
    path = template_path("startup-lightweight")
    assert main(["export", "pdf", str(path), "-o", str(out), "--allow-invalid"]) == 0
    assert DRAFT_TEXT not in "".join(page_texts(out.read_bytes()))


def test_hostile_text_is_printed_literally() -> None:
    doc = load_document(HOSTILE)
    text = squeeze("".join(page_texts(rendered(str(HOSTILE)))))
    literal = [
        "<b>bold</b>",
        "${{ github.event.issue.title }}",
        "$(touch /tmp/pwned)",
        'Say "hi"',
        "`id` key: value",
        "<script>alert(1)</script>",
        'ML "lead" $(id) ${{ env.X }}',
        "SRE: on-call <i>team</i>",
        "eve.ohara+deploy@example.invalid",
    ]
    for wanted in [*literal, *(content.one_line(n.name) for n in doc.nodes)]:
        assert squeeze(wanted) in text, wanted


def test_non_latin_text_renders_with_embedded_fonts() -> None:
    data = json.loads(template_text("startup-lightweight"))
    data["title"] = "Évaluation — Модель"
    data["nodes"][0]["name"] = "Développement — 信用"
    doc = Sop.model_validate(data)
    text = "".join(page_texts(render_pdf(doc, ExportContext())))
    assert "Évaluation — Модель" in text
    if pdf_style.register_fonts().cjk:
        assert "Développement — 信用" in text
    else:
        assert "Développement —" in text


def test_figures_and_revisions_are_tabled() -> None:
    doc = load_template("startup-lightweight")
    context = ExportContext(
        figures={"simulation": {"deploy_frequency_per_week": 3.5, "runs": 200}, "drills": 4},
        revisions=[
            {"version": "1.0.0", "date": "2026-01-02", "author": "eli", "message": "First"},
            {"version": "1.1.0", "date": "2026-02-03", "author": "fay", "message": "Canary"},
        ],
    )
    text = squeeze("".join(page_texts(render_pdf(doc, context))))
    for wanted in (
        "simulation: deploy_frequency_per_week",
        "3.5",
        "drills",
        "2026-02-03",
        "Canary",
    ):
        assert squeeze(wanted) in text
    assert squeeze(NO_FIGURES) not in text


def test_progress_is_reported_between_sections() -> None:
    calls: list[tuple[int, int, str]] = []
    doc = load_template("startup-lightweight")
    render_pdf(doc, ExportContext(progress=lambda d, t, s: calls.append((d, t, s))))
    done = [d for d, _t, _s in calls]
    assert done == sorted(done) and len(calls) > 10
    assert calls[-1][0] == calls[-1][1]
    assert {"Gates", "Rollback runbooks", "Sign-off sheet"} <= {s for *_x, s in calls}


def test_progress_can_cancel() -> None:
    def cancel(done: int, total: int, step: str) -> None:
        if step == "Gates":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render_pdf(load_template("startup-lightweight"), ExportContext(progress=cancel))


def test_pdf_without_graphviz_says_how_to_get_the_diagram(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    text = squeeze(
        "".join(page_texts(render_pdf(load_template("startup-lightweight"), ExportContext())))
    )
    assert squeeze("apt-get install graphviz") in text


def test_missing_fonts_name_the_package(monkeypatch) -> None:
    monkeypatch.setattr(pdf_style, "_find_face", lambda filename: None)
    with pytest.raises(pdf_style.FontMissingError, match="fonts-dejavu-core"):
        pdf_style.register_fonts.__wrapped__()


def test_markup_escapes_user_text() -> None:
    assert pdf_style.markup('<b>x</b> & "y"\nz') == '&lt;b&gt;x&lt;/b&gt; &amp; "y"<br/>z'


def test_cancelling_does_not_wait_for_graphviz(monkeypatch) -> None:
    """Graphviz draws on a worker thread; an export cancelled meanwhile returns at once."""
    import threading

    from exporters import pdf

    release, started, finished = threading.Event(), threading.Event(), threading.Event()

    def slow_graphviz(*_args):  # type: ignore[no-untyped-def]
        started.set()
        try:
            release.wait(10)
        finally:
            finished.set()
        raise AssertionError("never used: the export was cancelled")

    class Cancelled(Exception):
        pass

    def cancel(done: int, _total: int, _step: str) -> None:
        if done == 3:
            raise Cancelled

    monkeypatch.setattr(pdf, "render_diagram", slow_graphviz)
    doc = load_template("deployment-gate")
    context = ExportContext(progress=cancel)
    try:
        with pytest.raises(Cancelled):
            pdf.build_story(doc, context)
        assert started.is_set() and not finished.is_set()  # returned while Graphviz runs
    finally:
        release.set()


@pytest.mark.parametrize(("gates", "overview"), [(20, False), (30, True), (100, True)])
def test_a_diagram_too_wide_for_detail_pages_prints_as_an_overview(gates, overview) -> None:
    """20 gates print as enlarged detail slices; from 30 the slices would pass the limit, so
    the diagram is one PNG, scaled by Graphviz to the landscape page at print resolution."""
    import struct

    from exporters.pdf_diagram import MAX_DETAIL_PAGES, OVERVIEW_DPI, render_diagram
    from exporters.pdf_layout import LANDSCAPE, PORTRAIT, frame_size

    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed")
    doc = Sop.model_validate(gate_chain(gates))
    render = render_diagram(doc, [], frame_size(PORTRAIT), frame_size(LANDSCAPE))
    assert render.wide and (render.overview is not None) == overview
    if not overview:
        assert 0 < render.slices()[0] <= MAX_DETAIL_PAGES
        return
    width, height = struct.unpack(">II", render.overview[16:24])  # the PNG header
    assert abs(width - render.frame[0] / 72 * OVERVIEW_DPI) <= 2
    assert height <= render.frame[1] / 72 * OVERVIEW_DPI


def test_very_long_names_wrap_over_pages_instead_of_failing(tmp_path, capsys) -> None:
    """Any name that validates must print: table rows split across pages, and a header
    (which repeats and cannot split) shows a shortened name."""
    data = json.loads(template_path("deployment-gate").read_text(encoding="utf-8"))
    long = "Very long name " * 140  # 2,100 characters
    data["owner"] = long
    data["roles"][2]["name"] = long
    data["metrics"][0]["name"] = long
    data["metrics"][0]["unit"] = long
    for node in data["nodes"]:
        if node["kind"] == "stage":
            node["name"] = long.strip()
        for criterion in node.get("criteria", []):
            criterion["name"] = long.strip()
            if "check" in criterion:
                criterion["equals"] = long.strip()
    source = tmp_path / "long.sop.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "long.pdf"
    code = main(["export", "pdf", str(source), "-o", str(out), "--allow-invalid"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert out.read_bytes().startswith(b"%PDF-") and "internal error" not in err


def test_a_diagram_label_the_regular_font_cannot_show_goes_through_graphviz_png() -> None:
    """svglib draws each label in one font: a CJK role name came out as boxes in the PDF's
    diagram while the tables showed it (they switch fonts per run of text)."""
    from reportlab.platypus import Image

    from exporters.pdf_diagram import DrawingWindow, diagram_flowables, render_diagram
    from exporters.pdf_layout import LANDSCAPE, PORTRAIT, frame_size

    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed")
    data = json.loads(template_text("startup-lightweight"))
    frames = frame_size(PORTRAIT), frame_size(LANDSCAPE)
    latin = diagram_flowables(render_diagram(Sop.model_validate(data), [], *frames))[0]
    assert isinstance(latin[0], DrawingWindow)  # vector, as usual
    data["nodes"][0]["name"] = "开发 Development"
    cjk = diagram_flowables(render_diagram(Sop.model_validate(data), [], *frames))[0]
    assert isinstance(cjk[0], Image)


def test_a_word_too_long_for_its_column_is_set_smaller_not_broken() -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from exporters.pdf_style import PADDING, SMALLEST_HEADER_SIZE, styles, word_fitted

    head = styles().head
    assert word_fitted("Owner", head, 60) is head  # fits: unchanged
    fitted = word_fitted("Platform operations owner", head, 45)
    assert SMALLEST_HEADER_SIZE <= fitted.fontSize < head.fontSize
    assert stringWidth("operations", fitted.fontName, fitted.fontSize) <= 45 - 2 * PADDING - 1
    tiny = word_fitted("Supercalifragilisticexpialidocious", head, 30)
    assert tiny.fontSize == SMALLEST_HEADER_SIZE  # never below: such a word still breaks


def huge_png(width: int, height: int) -> bytes:
    """A PNG header claiming ``width`` x ``height`` pixels (no pixel data)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    "png", [huge_png(60_000, 60_000), b"", b"not a png"], ids=["bomb", "empty", "garbage"]
)
def test_a_diagram_image_no_pdf_can_hold_is_left_out_with_a_sentence(
    monkeypatch, tmp_path, capsys, png
) -> None:
    """A 6,000-node SOP's diagram came back from Graphviz as a PNG the imaging library
    refused (UnidentifiedImageError, exit 70); the PDF now says why the diagram is missing."""
    from exporters import graphviz as gv

    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed")
    real = gv.render
    monkeypatch.setattr(
        gv, "render", lambda graph, fmt, dpi=None: png if fmt == "png" else real(graph, fmt, dpi)
    )
    source = tmp_path / "gates.sop.json"
    source.write_text(json.dumps(gate_chain(40)), encoding="utf-8")
    out = tmp_path / "gates.pdf"
    code = main(["export", "pdf", str(source), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    text = squeeze("".join(page_texts(out.read_bytes())))
    assert squeeze("The diagram is not included") in text
    assert squeeze("gatewright export svg") in text


def test_a_heading_longer_than_a_page_keeps_the_outline(tmp_path, capsys) -> None:
    """A trigger named with 5,000 characters made its runbook heading split over pages; the
    split lost the heading's bookmark, and the runbook's check (one level deeper) then
    failed the whole PDF (found by tests/fuzz_soak.py)."""
    data = json.loads(template_path("deployment-approval").read_text(encoding="utf-8"))
    trigger = next(node for node in data["nodes"] if node["kind"] == "trigger")
    trigger["name"] = "x" * 5000
    source = tmp_path / "long.sop.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "long.pdf"
    code = main(["export", "pdf", str(source), "-o", str(out), "--allow-invalid"])
    assert code == 0, capsys.readouterr().err
    titles = outline_titles(reader(out.read_bytes()).outline)
    runbooks = [t for t in titles if t.startswith("Runbook: xxx")]
    assert len(runbooks) == 1 and len(runbooks[0]) <= 150
