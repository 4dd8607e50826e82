"""The canvas: scene, items and view of an SOP graph."""
