"""The SOP document: identity, catalogs, the graph of nodes and edges, and canvas layout."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    field_validator,
    model_validator,
)

from app.model.catalog import Metric, Position, Role
from app.model.components import Component
from app.model.control import (
    MAX_REVIEW_MONTHS,
    Definition,
    DocumentApprover,
    Reference,
    Status,
    add_months,
    check_date,
    parse_date,
)
from app.model.edges import Edge
from app.model.editing import DocumentEditing
from app.model.errors import DocumentStructureError, UnknownEdgeError, UnknownNodeError
from app.model.nodes import Node, NodeBase
from app.model.state import DocumentState
from app.spec.types import FileModel, Name, Slug, Text, fresh_id, json_data_problem

FORMAT = "gatewright.sop/1"
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$"
)
T = TypeVar("T")
Scope = Literal["graph", "content", "layout"]
LintLevel = Literal["error", "warning", "info", "off"]


def _first_duplicate(ids: Iterable[str]) -> tuple[int, str] | None:
    seen: set[str] = set()
    for index, element_id in enumerate(ids):
        if element_id in seen:
            return index, element_id
        seen.add(element_id)
    return None


class LintRule(FileModel):
    """A rule's severity and options, e.g. ``{"level": "warning", "max_rules": 3}``."""

    model_config = ConfigDict(extra="allow")

    level: LintLevel | None = Field(
        None, description="Severity, or `off`; absent keeps the default."
    )

    @model_validator(mode="after")
    def _options_are_data(self) -> LintRule:
        for name, value in (self.model_extra or {}).items():
            if found := json_data_problem(value):
                where = "".join(f"[{step!r}]" for step in found[0])
                raise ValueError(f"option {name!r}{where} {found[1]}")
        return self


def _lint_tag(value: Any) -> str:
    return "rule" if isinstance(value, dict | LintRule) else "level"


LintSetting = Annotated[
    Annotated[LintLevel, Tag("level")] | Annotated[LintRule, Tag("rule")],
    Discriminator(_lint_tag),
]
"""A rule's setting: a severity, or an object with ``level`` and options (each reported
with the errors of its own form)."""


class Sop(DocumentEditing, FileModel):
    """A standard operating procedure for taking models to production, drawn as a graph."""

    format: Literal["gatewright.sop/1"] = Field(
        description='File format and version; always "gatewright.sop/1" for this release.'
    )
    id: Slug = Field(description="Identifier of the SOP, e.g. `credit-model-release`.")
    title: Name = Field(description="Title printed on the SOP.")
    version: Text = Field(description="The SOP's own semantic version, e.g. `1.2.0`.")
    owner: Text = Field("", description="Who owns and maintains this SOP.")
    description: Text = Field("", description="Purpose and scope of the SOP.")
    document_number: Text = Field(
        "", description="The controlled document's number, e.g. `SOP-ML-004`."
    )
    status: Status = Field(
        "draft",
        description="Document status: `draft`, `in-review`, `approved` (needs an approver "
        "with a date and an effective date) or `retired`.",
    )
    effective_date: Text = Field(
        "", description="The date this version takes effect (YYYY-MM-DD); empty if not yet."
    )
    review_months: int | None = Field(
        None,
        strict=True,
        ge=1,
        le=MAX_REVIEW_MONTHS,
        description="Review cycle in months; the next review is due this long after the "
        "effective date.",
    )
    change_summary: Text = Field("", description="What changed in this version, and why.")
    approvers: list[DocumentApprover] = Field(
        default_factory=list, description="Who approved this version of the SOP, with dates."
    )
    definitions: list[Definition] = Field(
        default_factory=list, description="Terms the SOP uses, and what they mean here."
    )
    references: list[Reference] = Field(
        default_factory=list,
        description="Documents the SOP relies on: policies, regulations, standards.",
    )
    tiers: list[Slug] = Field(
        min_length=1,
        description="Risk tiers, least strict first, e.g. [low, medium, high].",
    )
    roles: list[Role] = Field(default_factory=list, description="Roles and their members.")
    metrics: list[Metric] = Field(default_factory=list, description="The metric catalog.")
    components: list[Component] = Field(
        default_factory=list,
        description=(
            "The system's components (models, datasets, feature pipelines, APIs, "
            "configurations, services), their owners and what each depends on: what a "
            "rollback can restore."
        ),
    )
    nodes: list[Node] = Field(
        default_factory=list, description="Stages, gates, triggers, actions and checks."
    )
    edges: list[Edge] = Field(default_factory=list, description="Connections between nodes.")
    layout: dict[Slug, Position] = Field(
        default_factory=dict,
        description="Canvas position of each node, kept apart so semantic diffs stay clean.",
    )
    lint: dict[Slug, LintSetting] = Field(
        default_factory=dict,
        description=(
            "Validation settings per rule id: a severity (error, warning, info) or `off`, "
            "or an object with `level` and the rule's options."
        ),
    )

    _state: DocumentState = PrivateAttr(default_factory=DocumentState)

    @field_validator("version")
    @classmethod
    def _semver(cls, version: str) -> str:
        if not SEMVER.match(version):
            raise ValueError(f"{version!r} is not a semantic version; write it like 1.0.0")
        return version

    @field_validator("effective_date")
    @classmethod
    def _effective_date(cls, value: str) -> str:
        return check_date(value)

    @property
    def next_review(self) -> date | None:
        """When the SOP is next due for review: the effective date plus the review cycle."""
        start = parse_date(self.effective_date)
        if start is None or self.review_months is None:
            return None
        return add_months(start, self.review_months)

    @field_validator("tiers")
    @classmethod
    def _tiers_unique(cls, tiers: list[str]) -> list[str]:
        duplicate = _first_duplicate(tiers)
        if duplicate:
            raise ValueError(f"tier {duplicate[1]!r} is listed twice; name each tier once")
        return tiers

    @field_validator("layout")
    @classmethod
    def _layout_sorted(cls, layout: dict[str, Position]) -> dict[str, Position]:
        # Sorted keys keep saved files stable whatever order nodes were placed in.
        return dict(sorted(layout.items()))

    @model_validator(mode="after")
    def _structure(self) -> Sop:
        for collection in ("roles", "metrics", "components"):
            duplicate = _first_duplicate(item.id for item in getattr(self, collection))
            if duplicate:
                index, element_id = duplicate
                raise DocumentStructureError(
                    (collection, index, "id"),
                    f"{collection[:-1]} id {element_id!r} is used twice; give each a unique id",
                )
        node_ids = [node.id for node in self.nodes]
        duplicate = _first_duplicate(node_ids)
        if duplicate:
            index, element_id = duplicate
            raise DocumentStructureError(
                ("nodes", index, "id"),
                f"node id {element_id!r} is used twice; give each node a unique id",
            )
        known = set(node_ids)
        seen_edges: set[str] = set()
        for index, edge in enumerate(self.edges):
            if edge.id in known or edge.id in seen_edges:
                raise DocumentStructureError(
                    ("edges", index, "id"),
                    f"edge id {edge.id!r} is already used by another node or edge; "
                    "ids are unique across nodes and edges",
                )
            seen_edges.add(edge.id)
            for end in ("source", "target"):
                if getattr(edge, end) not in known:
                    raise DocumentStructureError(
                        ("edges", index, end),
                        f"edge {edge.id!r} points to {getattr(edge, end)!r}, which is not a "
                        "node; add that node or remove the edge",
                    )
        for node_id in self.layout:
            if node_id not in known:
                raise DocumentStructureError(
                    ("layout", node_id),
                    f"the layout places {node_id!r}, which is not a node; remove that entry",
                )
        return self

    # -- lookups -----------------------------------------------------------------------

    @property
    def state(self) -> DocumentState:
        """Observers, revision counters and caches (read without pydantic's slow path)."""
        return self.__pydantic_private__["_state"]  # type: ignore[index]

    @property
    def revision(self) -> int:
        """Counts every change made through the intent methods, moves included."""
        return self.state.revisions["layout"]

    def derived(self, key: str, build: Callable[[Sop], T], depends: Scope = "content") -> T:
        """``build(self)``, cached until a change within ``depends``.

        ``graph``: nodes or edges added, removed, renamed or re-kinded; ``content``: that
        or any field; ``layout``: that or any move. Validation depends on content, so
        dragging a node never re-validates.
        """
        state = self.state
        revision = state.revisions[depends]
        cached = state.derived.get(key)
        if cached is not None and cached[0] == revision:
            return cached[1]
        value = build(self)
        state.derived[key] = (revision, value)
        return value

    def _nodes_by_id(self) -> dict[str, int]:
        state = self.state
        if state.node_index is None:
            state.node_index = {node.id: i for i, node in enumerate(self.nodes)}
        return state.node_index

    def _edges_by_id(self) -> dict[str, int]:
        state = self.state
        if state.edge_index is None:
            state.edge_index = {edge.id: i for i, edge in enumerate(self.edges)}
        return state.edge_index

    def has_node(self, node_id: str) -> bool:
        return node_id in self._nodes_by_id()

    def has_edge(self, edge_id: str) -> bool:
        return edge_id in self._edges_by_id()

    def node(self, node_id: str) -> NodeBase:
        try:
            return self.nodes[self._nodes_by_id()[node_id]]
        except KeyError:
            raise UnknownNodeError(node_id) from None

    def edge(self, edge_id: str) -> Edge:
        try:
            return self.edges[self._edges_by_id()[edge_id]]
        except KeyError:
            raise UnknownEdgeError(edge_id) from None

    def node_position(self, node_id: str) -> int:
        """Index of a node in ``nodes``."""
        try:
            return self._nodes_by_id()[node_id]
        except KeyError:
            raise UnknownNodeError(node_id) from None

    def edge_position(self, edge_id: str) -> int:
        try:
            return self._edges_by_id()[edge_id]
        except KeyError:
            raise UnknownEdgeError(edge_id) from None

    def role(self, role_id: str) -> Role | None:
        return next((role for role in self.roles if role.id == role_id), None)

    def metric(self, metric_id: str) -> Metric | None:
        return next((metric for metric in self.metrics if metric.id == metric_id), None)

    def component(self, component_id: str) -> Component | None:
        return next((c for c in self.components if c.id == component_id), None)

    def nodes_of_kind(self, kind: str) -> list[Any]:
        """The nodes of one kind in document order (a cached list: do not modify it)."""
        return self.derived("model.nodes-by-kind", _nodes_by_kind).get(kind, [])

    def incident_edges(self, node_id: str) -> list[Edge]:
        return [edge for edge in self.edges if node_id in (edge.source, edge.target)]

    def fresh_id(self, base: str) -> str:
        """An unused node or edge id derived from ``base`` (``base``, ``base-2``, ...)."""
        return fresh_id(base, self._nodes_by_id().keys() | self._edges_by_id().keys())


def _nodes_by_kind(doc: Sop) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = {}
    for node in doc.nodes:
        groups.setdefault(node.kind, []).append(node)
    return groups


def new_document(
    sop_id: str = "untitled", title: str = "Untitled SOP", tiers: list[str] | None = None
) -> Sop:
    """A blank document with the usual three risk tiers."""
    return Sop(
        format=FORMAT,
        id=sop_id,
        title=title,
        version="0.1.0",
        tiers=tiers or ["low", "medium", "high"],
    )
