"""Rule families, one module each; importing this package registers every rule."""

from app.validate.rules import (
    components,
    control,
    data,
    gates,
    governance,
    requirements,
    risk,
    roles,
    rollback,
    structure,
    text,
)

FAMILIES = (
    "structure",
    "gates",
    "governance",
    "rollback",
    "roles",
    "data",
    "risk",
    "policy",
    "document",
    "text",
)

__all__ = [
    "FAMILIES",
    "components",
    "control",
    "data",
    "gates",
    "governance",
    "requirements",
    "risk",
    "roles",
    "rollback",
    "structure",
    "text",
]
