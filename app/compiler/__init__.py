"""The compiler: an SOP document, validated, into the gate spec that pipelines run."""
