"""Rule families; importing this package registers every rule."""

from app.validate.rules import references

__all__ = ["references"]
