"""Fuzzing every command with mutated templates: no internal error, no traceback, ever.

Structure-aware mutations of every built-in template (dropped and duplicated keys, wrong
types, huge numbers, unicode edge cases, colliding ids, dangling edges, cycles, self-loops,
person ids in other spellings; the scenario now and then too) go through `validate`,
`compile`, every export and `simulate`, and the spec compile wrote is read back by `check`
and `monitor`, all through the command line's entry point. Exit codes 0 to 3 are all fine:
bad input must be refused with a sentence (2), never crash (70).

The seed is fixed and the examples bounded (PDF, PNG and SVG, slower, one example in
six), so this runs in well under a minute. tests/fuzz_soak.py runs the same cases by the
thousand, collecting every failure; the cases it found are kept below as regressions.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzzing import (
    HEAVY_FORMATS,
    LIGHT_FORMATS,
    TEMPLATE_DATA,
    FuzzCase,
    Mutant,
    exercise,
    fuzz_cases,
    run_cli,
)

EXAMPLES = 60
HEAVY_EVERY = 6


def failures(case: FuzzCase, folder: Path, formats: tuple[str, ...]) -> list[str]:
    return [
        f"gatewright {' '.join(o.command)} -> exit {o.code}\n{o.err[-2000:]}"
        for o in exercise(case, folder, formats)
        if o.failed
    ]


@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=fuzz_cases(), heavy=st.integers(0, HEAVY_EVERY - 1))
def test_mutated_templates_never_crash_a_command(tmp_path_factory, case, heavy) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    formats = LIGHT_FORMATS + (HEAVY_FORMATS if heavy == 0 else ())
    found = failures(case, folder, formats)
    assert not found, f"{case.template} after {case.steps}:\n" + "\n".join(found)


# -- what fuzzing found, kept -----------------------------------------------------------------


def mutated(template: str, change) -> FuzzCase:  # type: ignore[no-untyped-def]
    data = copy.deepcopy(TEMPLATE_DATA[template])
    change(data)
    return FuzzCase(template, Mutant(data).text(), ["regression"])


def first_check(data: dict) -> dict:
    return next(c for n in data["nodes"] for c in n.get("criteria", []) if "check" in c)


def first_gate(data: dict) -> dict:
    return next(n for n in data["nodes"] if n["kind"] == "gate")


FOUND = {
    # validated clean, then compile and every export failed to encode it (exit 70)
    "title-with-a-lone-surrogate": (lambda d: d.update(title="Release \ud800 SOP"), 2),
    "check-equals-with-a-lone-surrogate": (
        lambda d: first_check(d).update(equals="passed\ud800"),
        2,
    ),
    "check-equals-with-nul": (lambda d: first_check(d).update(equals="pa\x00ssed"), 2),
    "check-equals-huge-number": (lambda d: first_check(d).update(equals=10**400), 2),
    "lint-option-with-a-lone-surrogate": (
        lambda d: d.update(lint={"role-unused": {"level": "warning", "note": "\udfff"}}),
        2,
    ),
    # an empty node name validated, then Graphviz failed on it (svg, png, pdf)
    "empty-node-name": (lambda d: d["nodes"][0].update(name=""), 2),
    "invisible-node-name": (lambda d: d["nodes"][0].update(name="\u200b \u200b"), 2),
    # timedelta overflow in check and simulate (exit 70)
    "approval-window-of-1e308-hours": (
        lambda d: first_gate(d)["approval"].update(window_hours=1.7976931348623157e308),
        2,
    ),
    "approval-window-of-2-63-hours": (
        lambda d: first_gate(d)["approval"].update(window_hours=2**63),
        2,
    ),
    # the Markdown and PDF exports split an empty tier list to name its last tier
    "approval-rule-for-no-tier": (
        lambda d: first_gate(d)["approval"]["rules"][0].update(tiers=[]),
        0,
    ),
    # validation findings, not crashes
    "member-in-another-script": (lambda d: d["roles"][0]["members"].append("\u0456sabel"), 1),
    "bidi-override-in-a-name": (lambda d: d["nodes"][0].update(name="Dev \u202eved"), 0),
}


@pytest.mark.parametrize("found", sorted(FOUND))
def test_what_fuzzing_found_is_refused_with_a_sentence(found: str, tmp_path: Path) -> None:
    change, code = FOUND[found]
    case = mutated("startup-lightweight", change)
    assert failures(case, tmp_path, LIGHT_FORMATS + HEAVY_FORMATS) == []
    source = tmp_path / "fuzz.sop.json"
    outcome = run_cli("validate", str(source))
    assert outcome.code == code, outcome.err
    if code == 2:
        assert outcome.err.count("\n") == 1 and outcome.err.startswith("error: ")
        assert "$." in outcome.err  # the JSON path at fault


def startup_file(folder: Path) -> Path:
    source = folder / "s.sop.json"
    source.write_text(json.dumps(TEMPLATE_DATA["startup-lightweight"]), encoding="utf-8")
    return source


def test_a_300_character_output_name_is_one_sentence(tmp_path: Path) -> None:
    source = startup_file(tmp_path)
    for fmt, suffix in (("dot", ".dot"), ("pdf", ".pdf"), ("github", "")):
        out = tmp_path / ("a" * 300 + suffix)
        outcome = run_cli("export", fmt, str(source), "-o", str(out))
        assert outcome.code == 2, outcome.err
        assert outcome.err.startswith("error: the file system refuses the name ")
        assert outcome.err.count("\n") == 1 and "internal error" not in outcome.err
    outcome = run_cli("compile", str(source), "-o", str(tmp_path / ("b" * 300 + ".json")))
    assert outcome.code == 2 and "refuses the name" in outcome.err


def test_a_name_near_the_limit_still_saves(tmp_path: Path) -> None:
    """The temporary file it is written through has a name of its own: cut, not too long."""
    source = startup_file(tmp_path)
    out = tmp_path / ("c" * 250 + ".md")
    outcome = run_cli("export", "markdown", str(source), "-o", str(out))
    assert outcome.code == 0, outcome.err
    assert out.is_file()


@pytest.mark.parametrize(
    "name", ["x\x1b[31mred\x1b[0m.md", "bell\x07.md", "evil\u202edm.md", "line\nbreak.md"]
)
def test_echoed_paths_show_control_and_bidi_characters_escaped(tmp_path: Path, name) -> None:
    source = startup_file(tmp_path)
    outcome = run_cli("export", "markdown", str(source), "-o", str(tmp_path / name))
    assert outcome.code == 0, outcome.err
    assert outcome.err.startswith("wrote ") and outcome.err.count("\n") == 1
    assert all(char.isprintable() for char in outcome.err.rstrip("\n"))
    assert ascii(name)[1:-1] in outcome.err
    missing = run_cli("validate", str(tmp_path / ("nope\x1b[2J" + name)))
    assert missing.code == 2 and "\x1b" not in missing.err and "\\x1b[2J" in missing.err


def test_json_output_holding_a_lone_surrogate_is_written_escaped(tmp_path: Path) -> None:
    """Evidence values are echoed in check's decision: a lone surrogate in one failed the
    write of the whole document (exit 70)."""
    source = startup_file(tmp_path)
    spec = tmp_path / "spec.json"
    assert run_cli("compile", str(source), "-o", str(spec)).code == 0
    evidence = tmp_path / "evidence.json"
    evidence.write_text('{"checks": {"ci-tests": "\\udfff"}, "approvals": []}', encoding="utf-8")
    # A real process: its standard output encodes to UTF-8, as a pipeline's does.
    command = ["check", str(spec), "--gate", "review-gate", "--evidence", str(evidence)]
    done = subprocess.run(
        [sys.executable, "-m", "app", *command, "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (1, 2, 3), done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    if done.returncode != 2:  # the evidence may also be refused for it: fine too
        observed = [c["observed"] for c in json.loads(done.stdout)["criteria"]]
        assert {"\udfff", "\\udfff"} & set(observed)  # as given, or shown escaped
