"""A long local fuzz run (not part of the suite): ``python -m tests.fuzz_soak N [SEED]``.

Tries N mutated documents through every command, collects every failure (it does not stop
at the first), and writes each failing document to fuzz-failures/ with what it ran.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from tests.fuzzing import HEAVY_FORMATS, LIGHT_FORMATS, FuzzCase, exercise, fuzz_cases


def main(count: int, start: int, heavy_every: int) -> int:
    failures_dir = Path("fuzz-failures")
    failures_dir.mkdir(exist_ok=True)
    tried = Counter()
    found: dict[str, int] = {}

    @seed(start)
    @settings(
        max_examples=count,
        phases=[Phase.generate],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(fuzz_cases(), st.integers(0, heavy_every - 1))
    def one(case: FuzzCase, draw_heavy: int) -> None:
        name, text, steps = case.template, case.text, case.steps
        formats = LIGHT_FORMATS + (HEAVY_FORMATS if draw_heavy == 0 else ())
        tried["documents"] += 1
        with tempfile.TemporaryDirectory() as folder:
            for outcome in exercise(case, Path(folder), formats):
                tried[outcome.command[0]] += 1
                tried[f"{outcome.command[0]}={outcome.code}"] += 1
                if not outcome.failed:
                    continue
                last = outcome.err.strip().splitlines()[-1:] or [f"exit {outcome.code}"]
                # One cause fails every command after it: count it once, by its message.
                key = re.sub(r"/tmp/\S+", "FILE", last[0])[:160]
                if key in found:
                    continue
                found[key] = len(found)
                target = failures_dir / f"failure-{len(found):03d}"
                target.mkdir(exist_ok=True)
                (target / "doc.sop.json").write_bytes(text.encode("utf-8", "surrogatepass"))
                if case.scenario is not None:
                    (target / "scenario.json").write_bytes(
                        case.scenario.encode("utf-8", "surrogatepass")
                    )
                (target / "about.json").write_text(
                    json.dumps(
                        {
                            "template": name,
                            "steps": steps,
                            "command": outcome.command,
                            "code": outcome.code,
                            "stderr": outcome.err[-4000:],
                        },
                        indent=2,
                        ensure_ascii=True,
                    )
                )
                print(
                    f"FAILURE {len(found)}: {' '.join(outcome.command[:2])}: {key}  "
                    f"({name}: {steps})",
                    flush=True,
                )
        if tried["documents"] % 200 == 0:
            print(f"... {tried['documents']} documents, {len(found)} distinct failures", flush=True)

    one()
    print(f"tried {tried['documents']} documents ({dict(tried)}); {len(found)} distinct failures")
    return 1 if found else 0


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    start = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    heavy = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    raise SystemExit(main(count, start, heavy))
