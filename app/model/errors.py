"""Typed errors for illegal operations on an SOP document."""

from __future__ import annotations


class ModelError(Exception):
    """An operation the document refuses; the message says how to fix it."""


class UnknownElementError(ModelError, KeyError):
    """No node, edge or other element has this id."""

    def __init__(self, element_id: str, what: str = "element") -> None:
        self.element_id = element_id
        super().__init__(f"there is no {what} with id {element_id!r}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class UnknownNodeError(UnknownElementError):
    def __init__(self, node_id: str) -> None:
        super().__init__(node_id, "node")


class UnknownEdgeError(UnknownElementError):
    def __init__(self, edge_id: str) -> None:
        super().__init__(edge_id, "edge")


class DuplicateIdError(ModelError):
    def __init__(self, element_id: str, where: str = "nodes and edges") -> None:
        self.element_id = element_id
        super().__init__(f"id {element_id!r} is already used among the {where}; choose another")


class IllegalConnectionError(ModelError):
    """An edge the connection rules do not allow between these nodes."""


class InvalidValueError(ModelError, ValueError):
    """A field value the document model refuses."""


class DocumentStructureError(ValueError):
    """A document-level structural fault, with the JSON path of the element at fault."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        self.path = path
        super().__init__(message)
