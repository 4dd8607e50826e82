"""Person ids in roles, one person listed twice, and text shown in another order than stored:
found by `validate` with the JSON path of the value at fault."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.model.document import Sop
from app.model.templates import template_text
from app.validate.engine import validate


def data() -> dict:
    return json.loads(template_text("deployment-gate"))


def role(d: dict, role_id: str) -> dict:
    return next(r for r in d["roles"] if r["id"] == role_id)


def found(d: dict) -> list[tuple[str, tuple[str, ...], str]]:
    return [(x.rule, x.elements, x.where) for x in validate(Sop.model_validate(d))]


@pytest.mark.parametrize(
    "member",
    [
        "isabel ",  # a trailing space
        " isabel",
        "\u0456sabel",  # Cyrillic i
        "isabel\u200b",  # a zero-width space
        "is abel",
        "-isabel",
        "a" * 129,
        "",
        "Isabel\u202e",
    ],
)
def test_a_member_that_is_not_a_person_id_is_an_error_with_its_path(member: str) -> None:
    d = data()
    role(d, "product-owner")["members"] = ["jamal", member]
    assert ("person-id", ("product-owner",), "$.roles[3].members[1]") in found(d)


@pytest.mark.parametrize("member", ["isabel", "bob.smith+ml@example.com", "a" * 128, "x_1-2"])
def test_logins_and_e_mail_addresses_are_person_ids(member: str) -> None:
    d = data()
    role(d, "product-owner")["members"] = ["jamal", member]
    assert [f for f in found(d) if f[0] == "person-id"] == []


def test_one_person_listed_twice_in_any_case_is_reported_at_the_second_listing() -> None:
    d = data()
    role(d, "security-reviewer")["members"] = ["grace", "hiro", "Grace"]
    assert found(d) == [("member-listed-twice", ("security-reviewer",), "$.roles[2].members[2]")]


def test_alice_and_Alice_do_not_make_two_approvers() -> None:
    """A role of `alice` and `Alice` asked for two approvals cannot be satisfied: the
    separation-feasible rule counts people, not spellings."""
    d = data()
    role(d, "security-reviewer")["members"] = ["alice", "Alice"]
    gate = next(n for n in d["nodes"] if n["id"] == "production-gate")
    gate["approval"]["rules"][1]["count"] = 2
    assert gate["approval"]["rules"][1]["role"] == "security-reviewer"
    rules = {rule for rule, _elements, _where in found(d)}
    assert {"member-listed-twice", "separation-feasible"} <= rules


@pytest.mark.parametrize(
    ("path", "char"),
    [
        (("title",), "\u202e"),
        (("owner",), "\u2066"),
        (("roles", 0, "name"), "\u202b"),
        (("roles", 0, "description"), "\u200f"),
        (("metrics", 0, "unit"), "\u2069"),
        (("nodes", 1, "criteria", 0, "name"), "\u202d"),
        (("nodes", 0, "description"), "\u061c"),
    ],
)
def test_a_bidi_control_anywhere_is_a_warning_with_its_path(path: tuple, char: str) -> None:
    d = data()
    target = d
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = f"abc{char}def"
    diagnostics = validate(Sop.model_validate(d))
    bidi = [x for x in diagnostics if x.rule == "bidi-control"]
    assert len(bidi) == 1 and bidi[0].severity == "warning"
    expected = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    assert bidi[0].where == expected
    assert f"U+{ord(char):04X}" in bidi[0].message
    assert char not in bidi[0].message  # shown escaped, not acted on


def test_validate_prints_the_json_path(tmp_path: Path, capsys) -> None:
    d = data()
    role(d, "product-owner")["members"].append("Isabel Ruiz")
    d["nodes"][0]["name"] = "Dev \u202eved"
    source = tmp_path / "x.sop.json"
    source.write_text(json.dumps(d), encoding="utf-8")
    assert main(["validate", str(source)]) == 1
    out = capsys.readouterr().out
    assert "person-id [product-owner] at $.roles[3].members[2]" in out
    assert "bidi-control [development] at $.nodes[0].name" in out
    assert "\u202e" not in out
    assert main(["validate", str(source), "--json"]) == 1
    listed = json.loads(capsys.readouterr().out)["diagnostics"]
    assert {(x["rule"], x.get("where")) for x in listed} == {
        ("person-id", "$.roles[3].members[2]"),
        ("bidi-control", "$.nodes[0].name"),
    }
