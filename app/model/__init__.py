"""The SOP document model: pure Python (pydantic), no Qt, edited through intent methods."""

from app.model.catalog import Metric, Position, Role
from app.model.document import FORMAT, Sop, new_document
from app.model.edges import EDGE_KINDS, Edge
from app.model.editing import NodeRemoval
from app.model.errors import (
    DuplicateIdError,
    IllegalConnectionError,
    InvalidValueError,
    ModelError,
    UnknownEdgeError,
    UnknownElementError,
    UnknownNodeError,
)
from app.model.events import ModelEvent
from app.model.nodes import NODE_KINDS, Action, Check, Gate, Stage, Strategy, Trigger
from app.spec.criteria import (
    Approval,
    ApprovalRule,
    ArtifactCriterion,
    BaselineCriterion,
    CheckCriterion,
    MetricCriterion,
)

__all__ = [
    "EDGE_KINDS",
    "FORMAT",
    "NODE_KINDS",
    "Action",
    "Approval",
    "ApprovalRule",
    "ArtifactCriterion",
    "BaselineCriterion",
    "Check",
    "CheckCriterion",
    "DuplicateIdError",
    "Edge",
    "Gate",
    "IllegalConnectionError",
    "InvalidValueError",
    "Metric",
    "MetricCriterion",
    "ModelError",
    "ModelEvent",
    "NodeRemoval",
    "Position",
    "Role",
    "Sop",
    "Stage",
    "Strategy",
    "Trigger",
    "UnknownEdgeError",
    "UnknownElementError",
    "UnknownNodeError",
    "new_document",
]
