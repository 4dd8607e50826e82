"""How a pipeline command's process starts: nothing heavy before the tuning applies."""

from __future__ import annotations

import json
import subprocess
import sys

from app.compiler.compile import compile_data
from app.model.templates import load_template
from app.spec.files import write_spec
from tests.exporters.runner_support import startup_evidence, write_json

PROBE = """
import json, os, sys
os.environ.pop("PYDANTIC_DISABLE_PLUGINS", None)
import app.cli
imported = "pydantic" in sys.modules
code = app.cli.main(sys.argv[1:])
import pydantic.plugin._loader as loader
print(json.dumps({"imported": imported, "code": code, "plugins": loader._plugins}))
"""


def test_check_builds_its_models_after_the_plugin_scan_is_switched_off(tmp_path) -> None:
    """`import app.cli` imports no pydantic (it used to import the runtime package, whose
    models were built, and pydantic's plugins looked up in every installed package's
    metadata, before `main` switched that lookup off); `check` then never scans."""
    spec = tmp_path / "spec.json"
    write_spec(compile_data(load_template("startup-lightweight")), spec)
    evidence = tmp_path / "evidence.json"
    write_json(evidence, startup_evidence("review-gate"))
    args = ["check", str(spec), "--gate", "review-gate", "--evidence", str(evidence)]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert found == {"imported": False, "code": 0, "plugins": None}
