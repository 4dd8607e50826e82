"""Dialogs: keyboard shortcuts, about, template gallery, recovery."""
