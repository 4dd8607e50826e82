"""Rule families, one module each; importing this package registers every rule."""

from app.validate.rules import data, gates, risk, roles, rollback, structure

FAMILIES = ("structure", "gates", "rollback", "roles", "data", "risk")

__all__ = ["FAMILIES", "data", "gates", "risk", "roles", "rollback", "structure"]
