"""The pipeline runtime as a wheel: what an exported pipeline installs to run its gates.

A pipeline needs `gatewright check`, `monitor` and `evidence`, which use the spec contract
(app.spec) and the runtime (app.runtime) and nothing else of ours: pydantic and the
standard library. The wheel holds exactly those modules, read from the installed
`app` package, and is written byte for byte the same for the same sources (sorted
entries, fixed times and modes), so its sha256 can be pinned in the generated files.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import app

DISTRIBUTION = "gatewright_runtime"
"""The wheel's distribution name (PEP 427 spelling); pip shows it as gatewright-runtime."""

REQUIRES = ("pydantic>=2.7,<3",)
"""What the runtime needs from PyPI; the same range as the full package's pyproject.toml."""

SIGNED_EXTRA = ("cryptography>=42,<52",)
"""What verifying a signed spec adds (the `signed` extra)."""

POSTGRES_EXTRA = ("psycopg[binary]>=3.2,<4",)
"""What a decision ledger on PostgreSQL adds (the `postgres` extra); SQLite needs nothing."""

MLFLOW_EXTRA = ("mlflow-skinny>=3.5,<4",)
"""What evidence from MLflow and a registry rollback add (the `mlflow` extra): only the jobs
that collect evidence or roll back install it."""

CLI_MODULES = (
    "__init__.py",
    "evidence.py",
    "exit_codes.py",
    "help_texts.py",
    "output.py",
    "pipeline.py",
    "rollback.py",
)
"""The parts of app.cli that `check`, `monitor`, `evidence` and `rollback` run on (argparse,
no click)."""

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""Every entry's time: the earliest a zip can hold, so that builds never differ by date."""


@dataclass(frozen=True)
class RuntimeWheel:
    """A built wheel: its file name, bytes and sha256 (hex)."""

    name: str
    data: bytes
    sha256: str

    def write(self, folder: Path) -> Path:
        path = folder / self.name
        path.write_bytes(self.data)
        return path


def runtime_sources(root: Path | None = None) -> dict[str, bytes]:
    """``archive path -> source bytes`` of every module the runtime wheel holds."""
    package = root or Path(app.__file__).parent
    chosen = [package / "__init__.py", package / "process.py"]
    chosen += [package / "cli" / name for name in CLI_MODULES]
    chosen += sorted((package / "spec").glob("*.py"))
    chosen += sorted((package / "runtime").glob("*.py"))  # not backtest/: numpy, pyarrow
    missing = [str(path) for path in chosen if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"the runtime's sources are not all here: {', '.join(missing)}")
    return {f"app/{path.relative_to(package).as_posix()}": path.read_bytes() for path in chosen}


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode()}"


def _metadata(version: str) -> str:
    lines = [
        "Metadata-Version: 2.1",
        "Name: gatewright-runtime",
        f"Version: {version}",
        "Summary: Gatewright's pipeline runtime: gatewright check, monitor and evidence.",
        "Requires-Python: >=3.11",
        *(f"Requires-Dist: {requirement}" for requirement in REQUIRES),
        "Provides-Extra: signed",
        *(f'Requires-Dist: {requirement}; extra == "signed"' for requirement in SIGNED_EXTRA),
        "Provides-Extra: postgres",
        *(f'Requires-Dist: {requirement}; extra == "postgres"' for requirement in POSTGRES_EXTRA),
        "Provides-Extra: mlflow",
        *(f'Requires-Dist: {requirement}; extra == "mlflow"' for requirement in MLFLOW_EXTRA),
    ]
    return "\n".join(lines) + "\n"


def build_runtime_wheel(version: str | None = None, root: Path | None = None) -> RuntimeWheel:
    """The runtime wheel of this Gatewright (or of the ``app`` package at ``root``)."""
    version = version or app.__version__
    info = f"{DISTRIBUTION}-{version}.dist-info"
    files = dict(sorted(runtime_sources(root).items()))
    files[f"{info}/METADATA"] = _metadata(version).encode()
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: gatewright\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    files[f"{info}/entry_points.txt"] = b"[console_scripts]\ngatewright = app.cli:main\n"
    record = [f"{name},{_record_hash(data)},{len(data)}" for name, data in files.items()]
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data, compresslevel=9)
    data = buffer.getvalue()
    name = f"{DISTRIBUTION}-{version}-py3-none-any.whl"
    return RuntimeWheel(name, data, hashlib.sha256(data).hexdigest())
