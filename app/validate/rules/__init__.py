"""Rule families, one module each; importing this package registers every rule."""

from app.validate.rules import data, gates, risk, roles, rollback, structure, text

FAMILIES = ("structure", "gates", "rollback", "roles", "data", "risk", "text")

__all__ = ["FAMILIES", "data", "gates", "risk", "roles", "rollback", "structure", "text"]
