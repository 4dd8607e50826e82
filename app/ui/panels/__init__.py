"""Docked panels: palette, inspector, problems, outline."""
