"""The local SQLite workspace: document revisions, simulation runs, drills and the audit chain."""
