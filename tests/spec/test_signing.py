"""Signed specs through the command line: keygen, compile --sign, --trust and GATEWRIGHT_TRUST.

A digest proves integrity, not authorship: anyone can edit a spec and recompute it. With a
trusted key given, only a spec signed by that key runs, and no refusal ever prints a
digest (which would tell a forger what to paste).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from app.model.io import save_document
from app.model.templates import load_template
from app.spec.digest import spec_digest, spec_text
from tests.cli import run

GATE = "review-gate"
EVIDENCE = {
    "candidate": {"model": "m", "version": "1.0.0", "tier": "low", "submitted_by": "ana"},
    "metrics": {"accuracy": 0.91},
    "baseline": {"accuracy": 0.9},
    "checks": {"ci-tests": "passed"},
    "artifacts": [],
    "approvals": [],
}
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


@pytest.fixture
def sop(tmp_path: Path) -> Path:
    path = tmp_path / "startup.sop.json"
    save_document(load_template("startup-lightweight"), path)
    return path


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    path = tmp_path / "evidence.json"
    path.write_text(json.dumps(EVIDENCE))
    return path


@pytest.fixture
def keys(tmp_path: Path, capsys) -> dict[str, Path]:
    made = {}
    for name in ("team", "stranger"):
        code, _out, err = run(capsys, "keygen", "-o", tmp_path / name)
        assert code == 0, err
        made[name] = tmp_path / name
    return made


@pytest.fixture
def signed(tmp_path: Path, sop: Path, keys, capsys) -> Path:
    spec = tmp_path / "spec.json"
    code, _out, err = run(capsys, "compile", sop, "-o", spec, "--sign", keys["team"])
    assert code == 0, err
    return spec


def public_fingerprint(public_file: Path) -> str:
    key = serialization.load_pem_public_key(public_file.read_bytes())
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def check(capsys, spec: Path, evidence: Path, *more: str) -> tuple[int, str, str]:
    return run(capsys, "check", spec, "--gate", GATE, "--evidence", evidence, *more)


def forge(spec: Path, target: Path) -> None:
    """What a forger does: change a threshold and recompute the digest."""
    data = json.loads(spec.read_text())
    criterion = next(c for c in data["gates"][0]["criteria"] if "value" in c or "delta" in c)
    criterion["delta" if "delta" in criterion else "value"] = -1000
    data["digest"] = spec_digest(data)
    target.write_text(spec_text(data))


# -- keygen ---------------------------------------------------------------------------------


def test_keygen_writes_an_owner_only_private_key_and_a_public_key(keys) -> None:
    private, public = keys["team"], Path(f"{keys['team']}.pub")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in private.read_bytes()
    assert b"BEGIN PUBLIC KEY" in public.read_bytes()
    assert b"PRIVATE" not in public.read_bytes()


def test_keygen_never_replaces_a_key_unless_forced(keys, capsys) -> None:
    before = keys["team"].read_bytes()
    code, _out, err = run(capsys, "keygen", "-o", keys["team"])
    assert code == 2 and "already exists" in err and "--force" in err
    assert keys["team"].read_bytes() == before
    code, _out, _err = run(capsys, "keygen", "-o", keys["team"], "--force")
    assert code == 0 and keys["team"].read_bytes() != before
    assert stat.S_IMODE(keys["team"].stat().st_mode) == 0o600


# -- compile --sign -------------------------------------------------------------------------


def test_compile_sign_adds_an_ed25519_signature_of_the_digest(signed, keys) -> None:
    data = json.loads(signed.read_text())
    signature = data["signature"]
    public = Path(f"{keys['team']}.pub")
    assert signature["alg"] == "ed25519"
    assert signature["key"] == public_fingerprint(public)
    key = serialization.load_pem_public_key(public.read_bytes())
    key.verify(base64.b64decode(signature["value"]), data["digest"].encode())  # raises if bad
    # The digest is taken without the signature: signing does not change it.
    assert data["digest"] == spec_digest({k: v for k, v in data.items() if k != "signature"})


def test_compile_sign_with_a_file_that_is_no_key_exits_2(tmp_path, sop, capsys) -> None:
    not_a_key = tmp_path / "notes.txt"
    not_a_key.write_text("hello")
    code, _out, err = run(capsys, "compile", sop, "-o", tmp_path / "s.json", "--sign", not_a_key)
    assert code == 2 and "not an unencrypted PEM private key" in err
    assert not (tmp_path / "s.json").exists()


# -- --trust ----------------------------------------------------------------------------------


def test_a_signed_spec_checked_with_its_key_carries_signed_by(signed, keys, evidence, capsys):
    code, out, err = check(capsys, signed, evidence, "--trust", f"{keys['team']}.pub", "--json")
    assert code in (0, 1, 3), err
    assert json.loads(out)["signed_by"] == public_fingerprint(Path(f"{keys['team']}.pub"))


def test_without_a_trusted_key_signed_by_is_null(signed, evidence, capsys) -> None:
    # Nobody checked the signature, so the decision does not claim a signer.
    code, out, err = check(capsys, signed, evidence, "--json")
    assert code in (0, 1, 3), err
    assert json.loads(out)["signed_by"] is None


def test_a_forged_spec_is_refused_under_trust(signed, keys, evidence, tmp_path, capsys) -> None:
    forged = tmp_path / "forged.json"
    forge(signed, forged)
    code, _out, _err = check(capsys, forged, evidence)
    assert code in (0, 1, 3), "without a trusted key, a re-digested spec still runs"
    code, out, err = check(capsys, forged, evidence, "--trust", f"{keys['team']}.pub")
    assert code == 2 and out == ""
    assert "does not verify" in err and "forged.json" in err
    assert not DIGEST.search(err)


def test_a_spec_signed_by_another_key_is_refused(tmp_path, sop, keys, evidence, capsys) -> None:
    spec = tmp_path / "stranger.json"
    assert run(capsys, "compile", sop, "-o", spec, "--sign", keys["stranger"])[0] == 0
    code, _out, err = check(capsys, spec, evidence, "--trust", f"{keys['team']}.pub")
    assert code == 2 and "not trusted" in err
    assert not DIGEST.search(err)


def test_an_unsigned_spec_is_refused_under_trust(tmp_path, sop, keys, evidence, capsys) -> None:
    spec = tmp_path / "unsigned.json"
    assert run(capsys, "compile", sop, "-o", spec)[0] == 0
    code, _out, err = check(capsys, spec, evidence, "--trust", f"{keys['team']}.pub")
    assert code == 2 and "is not signed" in err
    assert not DIGEST.search(err)


def test_a_signature_pasted_onto_an_edited_spec_is_refused(
    signed, keys, evidence, tmp_path, capsys
):
    data = json.loads(signed.read_text())
    signature = data["signature"]
    forged = tmp_path / "pasted.json"
    forge(signed, forged)
    edited = json.loads(forged.read_text())
    edited["signature"] = signature
    forged.write_text(spec_text(edited))
    code, _out, err = check(capsys, forged, evidence, "--trust", f"{keys['team']}.pub")
    assert code == 2 and "does not verify" in err


def test_gatewright_trust_names_trusted_keys(signed, keys, evidence, monkeypatch, capsys) -> None:
    monkeypatch.setenv("GATEWRIGHT_TRUST", f"{keys['stranger']}.pub")
    code, _out, err = check(capsys, signed, evidence)
    assert code == 2 and "not trusted" in err
    monkeypatch.setenv("GATEWRIGHT_TRUST", f"{keys['stranger']}.pub:{keys['team']}.pub")
    code, out, err = check(capsys, signed, evidence, "--json")
    assert code in (0, 1, 3), err
    assert json.loads(out)["signed_by"] == public_fingerprint(Path(f"{keys['team']}.pub"))


def test_monitor_and_backtest_take_trust_too(tmp_path, sop, keys, capsys) -> None:
    spec = tmp_path / "unsigned.json"
    assert run(capsys, "compile", sop, "-o", spec)[0] == 0
    telemetry = tmp_path / "telemetry.json"
    telemetry.write_text('{"windows": [{"at": "2026-11-21T10:00:00Z", "metrics": {}}]}')
    results = tmp_path / "results.jsonl"
    results.write_text('{"accuracy": 0.9}\n')
    trust = ("--trust", f"{keys['team']}.pub")
    code, _out, err = run(
        capsys, "monitor", spec, "--stage", "production", "--telemetry", telemetry, *trust
    )
    assert code == 2 and "is not signed" in err
    code, _out, err = run(capsys, "backtest", spec, "--gate", GATE, "--results", results, *trust)
    assert code == 2 and "is not signed" in err


def test_trusting_a_private_key_or_a_missing_file_exits_2(signed, keys, evidence, capsys) -> None:
    code, _out, err = check(capsys, signed, evidence, "--trust", keys["team"])
    assert code == 2 and "is a private key" in err
    code, _out, err = check(capsys, signed, evidence, "--trust", "nowhere.pub")
    assert code == 2 and "nowhere.pub: does not exist" in err


def test_a_digest_mismatch_does_not_print_the_digest_the_file_needs(
    signed, evidence, tmp_path, capsys
) -> None:
    data = json.loads(signed.read_text())
    data["gates"][0]["name"] = "Edited by hand"
    edited = tmp_path / "edited.json"
    edited.write_text(spec_text(data))
    code, _out, err = check(capsys, edited, evidence)
    assert code == 2 and "digest mismatch" in err
    assert spec_digest(data) not in err
    assert not DIGEST.search(err)


def test_cryptography_is_imported_only_to_verify(signed, keys, evidence) -> None:
    import subprocess
    import sys

    def imports(*more: str) -> str:
        command = ["check", str(signed), "--gate", GATE, "--evidence", str(evidence), *more]
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "app", *command],
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stderr

    assert "cryptography" not in imports()
    assert "cryptography" in imports("--trust", f"{keys['team']}.pub")
