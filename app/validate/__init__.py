"""The validation engine: rules over an SOP document and its graph, producing diagnostics."""
