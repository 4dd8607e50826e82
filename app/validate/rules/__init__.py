"""Rule families, one module each; importing this package registers every rule."""

from app.validate.rules import data, gates, governance, risk, roles, rollback, structure, text

FAMILIES = ("structure", "gates", "governance", "rollback", "roles", "data", "risk", "text")

__all__ = [
    "FAMILIES",
    "data",
    "gates",
    "governance",
    "risk",
    "roles",
    "rollback",
    "structure",
    "text",
]
