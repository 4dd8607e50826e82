"""Structure-aware document fuzzing: mutations of the templates, and a run of every command.

Shared by tests/test_fuzz.py (a bounded, seeded run in the suite) and tests/fuzz_soak.py (a
long local run that collects every failure instead of stopping at the first).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import traceback
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from app.cli import main
from app.model.templates import template_ids, template_text

JsonPath = tuple[str | int, ...]

TEMPLATES = sorted(template_ids())
TEMPLATE_DATA = {name: json.loads(template_text(name)) for name in TEMPLATES}
SCENARIO_OF = {name: f"{name}-month" for name in TEMPLATES}
SCENARIOS = resources.files("sop_templates") / "scenarios"
SCENARIO_DATA = {
    name: json.loads((SCENARIOS / f"{SCENARIO_OF[name]}.json").read_text(encoding="utf-8"))
    for name in TEMPLATES
}

LIGHT_FORMATS = ("dot", "markdown", "github", "gitlab", "argo")
HEAVY_FORMATS = ("svg", "png", "pdf")
"""Formats that run Graphviz or ReportLab: slower, so a fuzz run samples them less."""

ALLOWED_EXIT_CODES = frozenset({0, 1, 2, 3})

STRANGE_TEXT = (
    "",
    " ",
    "\u00a0",
    "\ud800",  # a lone high surrogate
    "\udfff",
    "a\ud83dz",  # half an emoji
    "\x00",
    "nul\x00inside",
    "\x07\x1b[31mred\x1b[0m",
    "\x7f",
    "\u0085",
    "line\nbreak",
    "tab\tin",
    "cr\rreturn",
    "\u2028\u2029",
    "\u202eevil\u202c",
    "\u2066isolate\u2069",
    "\u200f\u200e",
    "\u200b",
    "\ufeff",
    "\ufffe\uffff",
    "e\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301",
    "\u0301",
    "Z\u0335\u0321\u0322\u0327\u0328\u0334\u0336\u0337\u0338\u0360\u0361" * 8,
    "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",
    "\U0001f1fa\U0001f1f8",
    "\U0001f600" * 40,
    "\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "\u05e2\u05d1\u05e8\u05d9\u05ea",
    "\u0456sabel",  # Cyrillic i
    "ISABEL",
    "isabel ",
    "${{ secrets.TOKEN }}",
    "$(touch /tmp/pwned)",
    "`id`",
    "'; DROP TABLE runs; --",
    '"quoted" \\ backslash',
    "<script>alert(1)</script>",
    "&amp; &lt;",
    "%s %n {0} {{}}",
    "- item\n# heading\n| cell |",
    "yes",
    "null",
    "1e309",
    "x" * 5000,
    "\U0010ffff",
    "\ue000",
    "\u2126\u212b",
)

KEPT_TEXT = tuple(
    t
    for t in STRANGE_TEXT
    if not any(c in t for c in "\x00\x07\x1b\x7f\x85\n\t\r\u2028\u2029")
    and not any(0xD800 <= ord(c) <= 0xDFFF for c in t)
)
"""The strange texts that names may hold (no control characters): they reach the exports."""

HUGE_NUMBERS: tuple[Any, ...] = (
    0,
    -1,
    -0.0,
    0.5,
    1e-320,
    2**31,
    2**53 + 1,
    2**63,
    -(2**63) - 1,
    1e15,
    1e16,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    10**400,
    -(10**400),
    123456789.123456789,
)

ODD_VALUES: tuple[Any, ...] = (None, True, False, [], {}, [None], {"": None}, "1", "true")


# -- walking and changing JSON data ---------------------------------------------------------


def paths_in(data: Any, prefix: JsonPath = ()) -> list[JsonPath]:
    """Every path to a value inside ``data`` (the root excluded), parents before children."""
    found: list[JsonPath] = []
    items: Any = ()
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    for key, value in items:
        path = (*prefix, key)
        found.append(path)
        found.extend(paths_in(value, path))
    return found


def get_at(data: Any, path: JsonPath) -> Any:
    for key in path:
        data = data[key]
    return data


def set_at(data: Any, path: JsonPath, value: Any) -> None:
    get_at(data, path[:-1])[path[-1]] = value


def drop_at(data: Any, path: JsonPath) -> None:
    parent = get_at(data, path[:-1])
    del parent[path[-1]]


def ids_in(data: Any) -> list[str]:
    """Every ``id`` string in the document (nodes, edges, roles, metrics, criteria...)."""
    found = []
    for path in paths_in(data):
        if path[-1] == "id" and isinstance(get_at(data, path), str):
            found.append(get_at(data, path))
    return found


@dataclass
class Mutant:
    """A document being mutated, with the duplicated keys its JSON text must carry."""

    data: Any
    duplicates: list[tuple[JsonPath, str, Any]] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    def text(self) -> str:
        """JSON text of the data (lone surrogates written as escapes, numbers of any
        size as written), with each duplicated key written a second time."""
        return _encode(self.data, (), {(path, key): value for path, key, value in self.duplicates})


def _number_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "1e999" if value > 0 else ("-1e999" if value < 0 else "NaN")
    return json.dumps(value)


def _encode(data: Any, path: JsonPath, extra: dict[tuple[JsonPath, str], Any]) -> str:
    if isinstance(data, dict):
        parts = [f"{json.dumps(k)}: {_encode(v, (*path, k), extra)}" for k, v in data.items()]
        parts += [
            f"{json.dumps(key)}: {_encode(value, (*path, key), extra)}"
            for (where, key), value in extra.items()
            if where == path
        ]
        return "{" + ", ".join(parts) + "}"
    if isinstance(data, list):
        return "[" + ", ".join(_encode(v, (*path, i), extra) for i, v in enumerate(data)) + "]"
    if isinstance(data, str):
        return json.dumps(data)  # ensure_ascii: a lone surrogate becomes "\ud800"
    if data is None:
        return "null"
    return _number_text(data)


# -- mutations ------------------------------------------------------------------------------


def _pick_path(draw: Any, mutant: Mutant, want: Any = None) -> JsonPath | None:
    paths = [
        p for p in paths_in(mutant.data) if want is None or isinstance(get_at(mutant.data, p), want)
    ]
    return draw(st.sampled_from(paths)) if paths else None


def _drop_key(draw: Any, mutant: Mutant) -> None:
    path = _pick_path(draw, mutant)
    if path is not None:
        drop_at(mutant.data, path)
        mutant.steps.append(f"drop {path}")


def _duplicate_key(draw: Any, mutant: Mutant) -> None:
    objects = [p for p in [(), *paths_in(mutant.data)] if isinstance(get_at(mutant.data, p), dict)]
    path = draw(st.sampled_from(objects))
    keys = list(get_at(mutant.data, path))
    if keys:
        key = draw(st.sampled_from(keys))
        value = draw(st.sampled_from([get_at(mutant.data, (*path, key)), None, "other", 7]))
        mutant.duplicates.append((path, key, copy.deepcopy(value)))
        mutant.steps.append(f"duplicate key {key!r} at {path}")


def _wrong_type(draw: Any, mutant: Mutant) -> None:
    path = _pick_path(draw, mutant)
    if path is not None:
        value = draw(
            st.sampled_from(
                (*ODD_VALUES, *HUGE_NUMBERS[:6], "text", STRANGE_TEXT[3], [1, "a"], {"id": "x"})
            )
        )
        set_at(mutant.data, path, copy.deepcopy(value))
        mutant.steps.append(f"set {path} to {value!r:.40}")


def _huge_number(draw: Any, mutant: Mutant) -> None:
    """A huge, tiny or negative number in a number field (canvas positions, which are most
    of a document's numbers, one time in five)."""
    path = _pick_path(draw, mutant, int | float)
    if path is not None and path[0] == "layout" and draw(st.integers(0, 4)):
        numbers = [
            p
            for p in paths_in(mutant.data)
            if p[0] != "layout" and isinstance(get_at(mutant.data, p), int | float)
        ]
        path = draw(st.sampled_from(numbers)) if numbers else path
    if path is not None:
        value = draw(st.sampled_from(HUGE_NUMBERS) | st.floats(allow_nan=False) | st.integers())
        set_at(mutant.data, path, value)
        mutant.steps.append(f"number {path} = {value!r:.40}")


def _strange_text(draw: Any, mutant: Mutant) -> None:
    path = _pick_path(draw, mutant, str)
    if path is None:
        return
    old = get_at(mutant.data, path)
    piece = draw(st.sampled_from(STRANGE_TEXT) | st.text(max_size=12) | st.sampled_from(KEPT_TEXT))
    how = draw(st.sampled_from(("replace", "append", "prepend", "middle")))
    if how == "replace":
        new = piece
    elif how == "append":
        new = old + piece
    elif how == "prepend":
        new = piece + old
    else:
        new = old[: len(old) // 2] + piece + old[len(old) // 2 :]
    set_at(mutant.data, path, new)
    mutant.steps.append(f"text {path} {how} {piece!r:.40}")


TEXT_KEYS = frozenset({"name", "title", "description", "owner", "unit", "equals", "version"})


def _strange_name(draw: Any, mutant: Mutant) -> None:
    """Odd but allowed text (emoji, bidi, combining marks, other scripts) in a text field."""
    paths = [
        p
        for p in paths_in(mutant.data)
        if p[-1] in TEXT_KEYS and isinstance(get_at(mutant.data, p), str)
    ]
    if not paths:
        return
    path = draw(st.sampled_from(paths))
    piece = draw(st.sampled_from(KEPT_TEXT) | st.text(max_size=12))
    new = draw(st.sampled_from((piece, get_at(mutant.data, path) + piece)))
    set_at(mutant.data, path, new)
    mutant.steps.append(f"name {path} = {new!r:.60}")


def _criterion_value(draw: Any, mutant: Mutant) -> None:
    """A check criterion's ``equals`` (any JSON value) or a threshold gone odd."""
    criteria = [
        p
        for p in paths_in(mutant.data)
        if len(p) >= 2 and p[-2] == "criteria" and isinstance(get_at(mutant.data, p), dict)
    ]
    if not criteria:
        return
    criterion = get_at(mutant.data, draw(st.sampled_from(criteria)))
    key = draw(st.sampled_from(("equals", "value", "delta", "name")))
    value = draw(st.sampled_from((*STRANGE_TEXT, *HUGE_NUMBERS, *ODD_VALUES)) | st.text(max_size=8))
    criterion[key] = copy.deepcopy(value)
    mutant.steps.append(f"criterion {criterion.get('id')!r} {key} = {value!r:.40}")


def _lint(draw: Any, mutant: Mutant) -> None:
    """Lint settings: odd levels, unknown rules and options holding any JSON value."""
    if not isinstance(mutant.data, dict):
        return
    rule = draw(st.sampled_from(("role-unused", "duplicate-name", "no-such-rule", "x" * 70, "")))
    level = draw(st.sampled_from(("error", "warning", "off", "fatal", None, 3)))
    option = draw(st.sampled_from((*STRANGE_TEXT, *HUGE_NUMBERS, *ODD_VALUES, ["\ud800"])))
    setting = draw(
        st.sampled_from((level, {"level": level, "submitter_roles": option}, {"x": option}))
    )
    lint = mutant.data.setdefault("lint", {})
    if isinstance(lint, dict):
        lint[rule] = copy.deepcopy(setting)
        mutant.steps.append(f"lint {rule!r:.20} = {setting!r:.60}")


def _colliding_id(draw: Any, mutant: Mutant) -> None:
    ids = ids_in(mutant.data)
    path = _pick_path(draw, mutant, str)
    if not ids or path is None:
        return
    id_paths = [p for p in paths_in(mutant.data) if p[-1] in ("id", "source", "target", "role")]
    if id_paths:
        path = draw(st.sampled_from(id_paths))
    value = draw(st.sampled_from(ids))
    if draw(st.booleans()):
        value = draw(st.sampled_from((value.upper(), value + "-", "-" + value, value * 5)))
    set_at(mutant.data, path, value)
    mutant.steps.append(f"id {path} = {value!r}")


def _edges(mutant: Mutant) -> list[Any] | None:
    edges = mutant.data.get("edges") if isinstance(mutant.data, dict) else None
    return edges if isinstance(edges, list) else None


def _node_ids(mutant: Mutant, kind: str | None = None) -> list[str]:
    nodes = mutant.data.get("nodes") if isinstance(mutant.data, dict) else None
    if not isinstance(nodes, list):
        return []
    return [
        n["id"]
        for n in nodes
        if isinstance(n, dict)
        and isinstance(n.get("id"), str)
        and (kind is None or n.get("kind") == kind)
    ]


def _add_edge(draw: Any, mutant: Mutant) -> None:
    """A dangling edge, a self-loop, a cycle on the promote path, or any odd connection."""
    edges = _edges(mutant)
    nodes = _node_ids(mutant)
    if edges is None or not nodes:
        return
    shape = draw(st.sampled_from(("dangling", "self-loop", "back", "any")))
    kind = draw(st.sampled_from(("promote", "reject", "monitor", "rollback", "next")))
    source = draw(st.sampled_from(nodes))
    target = draw(st.sampled_from(nodes))
    if shape == "dangling":
        target = draw(st.sampled_from(("ghost", "", source.upper(), "x" * 70)))
    elif shape == "self-loop":
        target = source
    elif shape == "back":
        stages = _node_ids(mutant, "stage")
        gates = _node_ids(mutant, "gate")
        if stages and gates:
            source, target, kind = draw(st.sampled_from(gates)), stages[0], "promote"
    fresh = f"fuzz-{len(edges)}"
    edge_id = draw(st.sampled_from((fresh, fresh, edges[0].get("id") if edges else "e")))
    edges.append({"id": edge_id, "source": source, "target": target, "kind": kind})
    mutant.steps.append(f"edge {shape} {source}->{target} ({kind})")


def _copy_node(draw: Any, mutant: Mutant) -> None:
    """A node copied under a new or an existing id, with its edges or without."""
    nodes = mutant.data.get("nodes") if isinstance(mutant.data, dict) else None
    if not isinstance(nodes, list) or not nodes:
        return
    original = draw(st.sampled_from(nodes))
    clone = copy.deepcopy(original)
    if isinstance(clone, dict):
        fresh = f"copy-{len(nodes)}"
        clone["id"] = draw(st.sampled_from((fresh, fresh, str(clone.get("id")))))
    nodes.append(clone)
    mutant.steps.append(f"copy node {clone.get('id') if isinstance(clone, dict) else clone!r}")


def _shuffle_list(draw: Any, mutant: Mutant) -> None:
    path = _pick_path(draw, mutant, list)
    if path is not None:
        items = get_at(mutant.data, path)
        set_at(mutant.data, path, draw(st.permutations(items)) if len(items) < 40 else items[::-1])
        mutant.steps.append(f"reorder {path}")


def _members(draw: Any, mutant: Mutant) -> None:
    """Person ids in other spellings, scripts and cases, or listed twice."""
    roles = mutant.data.get("roles") if isinstance(mutant.data, dict) else None
    if not isinstance(roles, list) or not roles or not isinstance(roles[0], dict):
        return
    role = draw(st.sampled_from([r for r in roles if isinstance(r, dict)] or [roles[0]]))
    members = role.get("members")
    if not isinstance(members, list):
        return
    person = draw(
        st.sampled_from(
            ("alice", "Alice", "ALICE", "alice ", "\u0430lice", "alice\u200b", "a" * 200, "-x")
        )
    )
    members.extend([person, draw(st.sampled_from(("alice", person, person.upper())))])
    mutant.steps.append(f"members of {role.get('id')!r} += {person!r}")


MUTATIONS = (
    _criterion_value,
    _lint,
    _drop_key,
    _duplicate_key,
    _wrong_type,
    _huge_number,
    _strange_text,
    _strange_name,
    _colliding_id,
    _add_edge,
    _add_edge,
    _copy_node,
    _shuffle_list,
    _members,
)


GENTLE = (
    _strange_name,
    _strange_name,
    _huge_number,
    _huge_number,
    _criterion_value,
    _lint,
    _add_edge,
    _copy_node,
    _shuffle_list,
    _members,
)
"""Mutations after which a document usually still loads, so that the commands past loading
(validation, compiling, exports, simulation) see most of them."""


@dataclass
class FuzzCase:
    """One mutated template, and the scenario to simulate it with."""

    template: str
    text: str
    steps: list[str]
    scenario: str | None = None
    """JSON text of a mutated scenario; None: the template's built-in scenario."""


def _mutate(draw: Any, data: Any, max_mutations: int) -> Mutant:
    mutant = Mutant(copy.deepcopy(data))
    choices = GENTLE if draw(st.booleans()) else MUTATIONS
    for _ in range(draw(st.integers(1, max_mutations))):
        draw(st.sampled_from(choices))(draw, mutant)
    return mutant


@st.composite
def fuzz_cases(draw: Any, max_mutations: int = 4) -> FuzzCase:
    """A mutated template, one time in four with its scenario mutated too."""
    name = draw(st.sampled_from(TEMPLATES))
    mutant = _mutate(draw, TEMPLATE_DATA[name], max_mutations)
    case = FuzzCase(name, mutant.text(), mutant.steps)
    if draw(st.integers(0, 3)) == 0:
        scenario = _mutate(draw, SCENARIO_DATA[name], 2)
        case.scenario = scenario.text()
        case.steps += [f"scenario: {step}" for step in scenario.steps]
    return case


# -- running every command ------------------------------------------------------------------


@dataclass
class Outcome:
    command: list[str]
    code: int
    out: str
    err: str

    @property
    def failed(self) -> bool:
        """An internal error, an unexpected exit code, or a traceback in the output."""
        return (
            self.code not in ALLOWED_EXIT_CODES
            or "Traceback" in self.err
            or "internal error" in self.err
        )


def run_cli(*args: str) -> Outcome:
    """Run ``gatewright ARGS`` in this process through its entry point, its output encoded
    as a process's is (UTF-8; a StringIO would take text no real stream can write)."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except BaseException:  # the entry point must never let anything escape
            err.write(traceback.format_exc())
            code = 99
    texts = []
    for stream in (out, err):
        stream.flush()
        texts.append(stream.buffer.getvalue().decode("utf-8", "replace"))  # type: ignore[attr-defined]
    return Outcome(list(args), code, *texts)


def exercise(
    case: FuzzCase, folder: Path, formats: tuple[str, ...] = LIGHT_FORMATS
) -> list[Outcome]:
    """Validate, assess, compile, export in ``formats`` and simulate one document; also read the
    compiled spec back with ``check`` and ``monitor``. Returns every outcome."""
    source = folder / "fuzz.sop.json"
    source.write_bytes(case.text.encode("utf-8", "surrogatepass"))
    scenario = SCENARIO_OF[case.template]
    if case.scenario is not None:
        scenario = str(folder / "scenario.json")
        Path(scenario).write_bytes(case.scenario.encode("utf-8", "surrogatepass"))
    spec = folder / "spec.json"
    outcomes = [
        run_cli("validate", str(source)),
        run_cli("validate", str(source), "--json"),
        run_cli("assess", str(source), "--json"),
        run_cli("compile", str(source), "-o", str(spec)),
    ]
    compiled = outcomes[-1].code == 0
    for fmt in formats:
        out = folder / f"out-{fmt}"
        outcomes.append(run_cli("export", fmt, str(source), "-o", str(out), "--allow-invalid"))
    outcomes.append(
        run_cli("simulate", str(source), "--scenario", scenario, "--no-record", "--json")
    )
    if compiled:
        outcomes += _read_back(spec, folder)
    return outcomes


def _read_back(spec: Path, folder: Path) -> list[Outcome]:
    """What compile wrote must load again: check and monitor on it never say it is unusable
    because of the spec itself."""
    data = json.loads(spec.read_text(encoding="utf-8"))
    evidence = folder / "evidence.json"
    evidence.write_text('{"candidate": {"tier": "high"}}', encoding="utf-8")
    telemetry = folder / "telemetry.json"
    telemetry.write_text('{"windows": []}', encoding="utf-8")
    outcomes = []
    for gate in data["gates"][:1]:
        outcomes.append(
            run_cli("check", str(spec), "--gate", gate["id"], "--evidence", str(evidence))
        )
    for stage in data["stages"][-1:]:
        outcomes.append(
            run_cli("monitor", str(spec), "--stage", stage["id"], "--telemetry", str(telemetry))
        )
    for outcome in outcomes:
        if outcome.code == 2 and str(spec) in outcome.err:
            outcome.code = 98  # the spec compile wrote was refused on reading: a failure
    return outcomes
