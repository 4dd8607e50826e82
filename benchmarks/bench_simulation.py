"""10,000 simulated releases through a five-gate SOP with approvals and telemetry."""

from __future__ import annotations

import statistics
import time

from app.compiler.compile import compile_spec
from app.model.templates import load_template
from app.simulate.engine import simulate
from benchmarks.timing import report
from synthetic.scenarios import release_scenario


def main() -> None:
    spec = compile_spec(load_template("automated-pipeline"))
    assert len(spec.gates) == 5
    scenario = release_scenario(spec, 10_000)
    small = simulate(spec, release_scenario(spec, 200), 1).summary()
    assert small["dora"]["deployments"] >= 150, small["gates"]
    runs = []
    for _ in range(3):  # this machine's speed wanders by a fifth from run to run
        start = time.perf_counter()
        result = simulate(spec, scenario, 7)
        runs.append(time.perf_counter() - start)
    seconds = statistics.median(runs)
    releases = len(result.releases)
    report(
        f"simulation of {scenario.candidates.count} candidates, {releases} releases, 5 gates",
        f"{seconds:.2f} s (median of 3), {len(result.events) / seconds:,.0f} events/s",
        seconds / 2.0,
        "the 2 s budget",
        "< 2 s",
        seconds < 2.0,
    )


if __name__ == "__main__":
    main()
