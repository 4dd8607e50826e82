"""A real Prometheus server for the telemetry tests: the Debian package's binary on a free
loopback port, throw-away storage, and samples backfilled with promtool before it starts.

The samples lie hours in the past (older than the head block, which stays empty: nothing
is scraped) and the tests query them with ``--at`` set to their time.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.environment import missing

START = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=5)
"""The first sample's time: a whole hour, five hours ago."""
READY_SECONDS = 60


def at(minutes: float, start: datetime = START) -> datetime:
    """The time ``minutes`` after the first sample (at ``start``)."""
    return start + timedelta(minutes=minutes)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def openmetrics(series: dict[str, dict[float, float]], start: datetime = START) -> str:
    """OpenMetrics text for ``{'name{labels}': {minute: value}}`` (minutes after ``start``),
    one family after another (gauges), samples in time order, ended by ``# EOF``."""
    families: dict[str, list[str]] = {}
    for name, samples in series.items():
        family = name.partition("{")[0]
        lines = families.setdefault(family, [f"# TYPE {family} gauge"])
        for minute, value in sorted(samples.items()):
            lines.append(f"{name} {value} {at(minute, start).timestamp():.3f}")
    return "\n".join(line for lines in families.values() for line in lines) + "\n# EOF\n"


def wait_until_ready(process: subprocess.Popen[bytes], url: str, log: Path, seconds: float) -> None:
    """Wait until ``url`` answers 200; fail with the end of ``log`` if ``process`` stops,
    or after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            text = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{process.args[0]} stopped: {text}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {seconds} s")
        time.sleep(0.2)


@contextlib.contextmanager
def prometheus_server(
    folder: Path, series: dict[str, dict[float, float]], start: datetime = START
) -> Iterator[str]:
    """Backfill ``series`` (minutes after ``start``; samples up to now are served too: the
    head block stays empty) into a new storage folder, start Prometheus on it, wait until
    it is ready, yield its URL; stop it afterwards."""
    binary, promtool = shutil.which("prometheus"), shutil.which("promtool")
    if binary is None or promtool is None:
        missing(
            "the prometheus and promtool binaries are not installed (apt-get install prometheus)"
        )
    data = folder / "data"
    data.mkdir(parents=True)
    samples = folder / "samples.om"
    samples.write_text(openmetrics(series, start), encoding="utf-8")
    subprocess.run(
        [str(promtool), "tsdb", "create-blocks-from", "openmetrics", "-q", str(samples), str(data)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    config = folder / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 1m\nscrape_configs: []\n", encoding="utf-8")
    port = free_port()
    log = (folder / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            str(binary),
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            "--storage.tsdb.retention.time=30d",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, f"{url}/-/ready", folder / "prometheus.log", READY_SECONDS)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
