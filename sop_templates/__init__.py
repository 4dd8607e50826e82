"""The built-in SOP templates (``*.sop.json``) and simulation scenarios, shipped as package data."""
