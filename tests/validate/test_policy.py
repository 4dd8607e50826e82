"""The organisation policy: only it relaxes governed rules, it tightens, and every exception
is disclosed (validate, the spec's metadata)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.model.document import Sop
from app.spec.fileio import InputError
from app.validate.engine import validate
from app.validate.governed import exceptions
from app.validate.policy import POLICY_NAME, find_policy, load_policy
from tests.validate.test_rule_mutations import POLICY_RULES, node, template_data

POLICY = """
[policy]
name = "Acme model risk policy"

[require]
artifacts = { high = ["compliance-review"] }
max_approval_window_hours = 72
min_production_approvals = 1
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def pairs(data: dict, policy=None, settings=None) -> list[tuple[str, tuple[str, ...]]]:  # type: ignore[no-untyped-def]
    found = validate(Sop.model_validate(data), settings, policy=policy)
    return [(d.rule, d.elements) for d in found if d.severity != "info"]


@pytest.fixture
def policy(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_policy(write(tmp_path / POLICY_NAME, POLICY))


def windowed() -> dict:
    data = template_data()
    node(data, "validation-gate")["approval"]["window_hours"] = 24
    return data


MUTATIONS = {
    "required-artifacts": lambda d: node(d, "production-gate")["criteria"].pop(5),
    "approval-window-limit": lambda d: node(d, "staging-gate")["approval"].update(window_hours=96),
    "production-approvals-minimum": lambda d: node(d, "production-gate")["approval"].update(
        rules=[
            {"role": "product-owner", "tiers": ["medium", "high"]},
            {"role": "compliance-officer", "tiers": ["high"]},
        ]
    ),
}


def test_every_policy_rule_has_a_mutation() -> None:
    assert set(MUTATIONS) == POLICY_RULES


@pytest.mark.parametrize("rule_id", sorted(MUTATIONS))
def test_policy_requirements_one_break_one_diagnostic(rule_id: str, policy) -> None:  # type: ignore[no-untyped-def]
    data = windowed()
    assert pairs(data, policy) == []
    assert pairs(data) == []  # silent without a policy
    MUTATIONS[rule_id](data)
    found = validate(Sop.model_validate(data), policy=policy)
    assert [(d.rule, d.elements, d.severity) for d in found if d.severity != "info"] == [
        (
            rule_id,
            ("production-gate",) if rule_id != "approval-window-limit" else ("staging-gate",),
            "error",
        )
    ]
    assert pairs(data) == []


def test_a_document_cannot_relax_a_governed_rule_itself() -> None:
    data = template_data()
    for rule in node(data, "production-gate")["approval"]["rules"]:
        rule["tiers"] = ["low", "medium"]
    data["lint"] = {
        "high-tier-needs-independent-approval": "off",
        "production-has-rollback": {"level": "warning"},
    }
    found = validate(Sop.model_validate(data))
    assert sorted((d.rule, d.severity) for d in found) == [
        ("governed-rule", "error"),
        ("governed-rule", "error"),
        ("high-tier-needs-independent-approval", "error"),
    ]
    assert "may not relax" in found[0].message
    assert exceptions(Sop.model_validate(data)) == []


def test_nor_can_a_lint_file_or_a_suppression(tmp_path: Path) -> None:
    data = template_data()
    node(data, "production-gate")["approval"]["separation_of_duties"] = False
    node(data, "production-gate")["suppress"] = ["separation-of-duties-justified"]
    found = validate(Sop.model_validate(data), {"separation-of-duties-justified": "info"})
    assert sorted((d.rule, d.elements) for d in found) == [
        ("governed-rule", ()),
        ("governed-rule", ("production-gate",)),
        ("separation-of-duties-justified", ("production-gate",)),
    ]


def test_the_policy_grants_an_exception_with_a_reason(tmp_path: Path) -> None:
    data = template_data()
    for rule in node(data, "production-gate")["approval"]["rules"]:
        rule["tiers"] = ["low", "medium"]
    policy = load_policy(
        write(
            tmp_path / "p.toml",
            '[[exceptions]]\nrule = "high-tier-needs-independent-approval"\nlevel = "warning"\n'
            'reason = "RISK-114: the board approves high-tier releases off-line"\n'
            'sops = ["deployment-gate"]\n',
        )
    )
    found = validate(Sop.model_validate(data), policy=policy)
    assert [(d.rule, d.severity) for d in found] == [
        ("high-tier-needs-independent-approval", "warning")
    ]
    assert exceptions(Sop.model_validate(data), policy=policy) == [
        {
            "kind": "policy exception",
            "rule": "high-tier-needs-independent-approval",
            "source": "policy 'p.toml'",
            "setting": "warning",
            "reason": "RISK-114: the board approves high-tier releases off-line",
        }
    ]
    data["id"] = "another-sop"  # the grant names its SOPs: others stay governed
    assert [d.severity for d in validate(Sop.model_validate(data), policy=policy)] == ["error"]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[rules]\nproduction-has-rollback = 'off'\n", "rules.production-has-rollback"),
        ("[[exceptions]]\nrule = 'production-has-rollback'\n", "exceptions[0].reason"),
        ("[[exceptions]]\nrule = 'no-such'\nreason = 'x'\n", "exceptions[0].rule"),
        ("[require]\nmax_approval_window_hours = -1\n", "require.max_approval_window_hours"),
        ("[require]\nmin_production_approvals = 1.5\n", "require.min_production_approvals"),
        ("[require]\nfavourite_colour = 'red'\n", "require.favourite_colour"),
        (
            "[[exceptions]]\nrule = 'criterion-decides'\nreason = \"a\\u0000b\"\n",
            "exceptions[0].reason",
        ),
        ("[policy\n", ""),
    ],
)
def test_a_bad_policy_is_refused_naming_the_place(tmp_path: Path, text: str, where: str) -> None:
    with pytest.raises(InputError) as refused:
        load_policy(write(tmp_path / "bad.toml", text))
    assert str(refused.value).startswith(str(tmp_path / "bad.toml"))
    assert where in str(refused.value)


def test_the_policy_is_found_beside_or_above_the_document(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("GATEWRIGHT_POLICY", raising=False)
    (tmp_path / "team" / "sops").mkdir(parents=True)
    document = tmp_path / "team" / "sops" / "x.sop.json"
    assert find_policy(document) is None
    above = write(tmp_path / POLICY_NAME, POLICY)
    assert find_policy(document) == above
    beside = write(tmp_path / "team" / "sops" / POLICY_NAME, POLICY)
    assert find_policy(document) == beside
    monkeypatch.setenv("GATEWRIGHT_POLICY", str(above))
    assert find_policy(document) == above
    assert find_policy(document, tmp_path / "explicit.toml") == tmp_path / "explicit.toml"


def test_validate_and_compile_disclose_exceptions(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("GATEWRIGHT_POLICY", raising=False)
    data = template_data()
    gate = node(data, "production-gate")
    gate["approval"]["separation_of_duties"] = False
    gate["separation_justification"] = "Two-person team; the CTO reviews every release log."
    node(data, "staging")["suppress"] = ["duplicate-name"]
    path = tmp_path / "x.sop.json"
    path.write_text(json.dumps(data))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "EXCEPTIONS (2)" in out
    assert "Two-person team" in out and "suppression" in out
    assert main(["validate", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [e["kind"] for e in report["exceptions"]] == ["suppression", "justification"]
    spec = tmp_path / "spec.json"
    assert main(["compile", str(path), "-o", str(spec)]) == 0
    metadata = json.loads(spec.read_text())["metadata"]
    assert [e["kind"] for e in metadata["exceptions"]] == ["suppression", "justification"]


def test_validate_takes_the_policy_option_and_refuses_a_bad_one(
    tmp_path: Path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("GATEWRIGHT_POLICY", raising=False)
    data = windowed()
    node(data, "production-gate")["criteria"].pop(5)
    path = tmp_path / "x.sop.json"
    path.write_text(json.dumps(data))
    assert main(["validate", str(path)]) == 0
    policy = write(tmp_path / "acme.toml", POLICY)
    assert main(["validate", str(path), "--policy", str(policy)]) == 1
    assert "required-artifacts" in capsys.readouterr().out
    monkeypatch.setenv("GATEWRIGHT_POLICY", str(policy))
    assert main(["validate", str(path)]) == 1
    write(policy, "[require]\nmin_production_approvals = 'two'\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "acme.toml" in err and "require.min_production_approvals" in err
    assert "Traceback" not in err
