"""Exporters turn an SOP document and its compiled spec into PDFs, diagrams and pipelines."""
