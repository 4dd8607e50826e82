"""The PDF's and the Markdown's metric catalogue say where each metric is read: its MLflow
key and its Prometheus query, printed as typed."""

from __future__ import annotations

import io
import json

from pypdf import PdfReader

from app.model.document import Sop
from app.model.templates import template_text
from exporters.context import ExportContext
from exporters.pdf import render_pdf

QUERY = 'avg(model_accuracy{model="credit<scorer>", env=~"prod|canary"}) & ${{ x }} $(id)'
HEADING = "Where metrics are read"


def text_of(doc: Sop) -> str:
    reader = PdfReader(io.BytesIO(render_pdf(doc, ExportContext())))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def test_the_sources_are_tabled_with_the_catalogue() -> None:
    data = json.loads(template_text("deployment-gate"))
    data["metrics"][0]["sources"] = {"mlflow": "val_accuracy", "prometheus": QUERY}
    data["metrics"][3]["sources"] = {"prometheus": "histogram_quantile(0.95, rate(x[5m]))"}
    text = text_of(Sop.model_validate(data))
    assert "".join(HEADING.split()) in text
    assert "MLflowkey" in text and "Prometheusquery" in text
    assert "val_accuracy" in text
    assert "".join(QUERY.split()) in text  # escaped for ReportLab, printed literally
    assert "histogram_quantile(0.95,rate(x[5m]))" in text


def test_without_sources_there_is_no_such_table() -> None:
    text = text_of(Sop.model_validate(json.loads(template_text("deployment-gate"))))
    assert "".join(HEADING.split()) not in text and "Prometheusquery" not in text


def test_the_markdown_tables_them_escaped() -> None:
    from exporters.markdown import render_markdown

    data = json.loads(template_text("deployment-gate"))
    data["metrics"][0]["sources"] = {"prometheus": 'max(up{job="a|b"})'}
    text = render_markdown(Sop.model_validate(data), ExportContext())
    section = text.split("#### Where metrics are read", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("| accuracy")]
    assert rows == ['| accuracy | — | max(up\\{job="a\\|b"\\}) |']
    plain = render_markdown(
        Sop.model_validate(json.loads(template_text("deployment-gate"))), ExportContext()
    )
    assert "Where metrics are read" not in plain
