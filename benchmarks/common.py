"""Shared helpers: interleaved timing, result rows, temporary databases and machine facts."""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from ketacare.config import Settings
from ketacare.kit.db import migrate


@dataclass(frozen=True)
class Row:
    """One line of the results table. ``per_op`` turns a median into a rate (events per walk)."""

    benchmark: str
    case: str
    median_ms: float
    samples: int
    ratio: str = ""
    per_op: int = 1

    @property
    def per_second(self) -> float:
        return self.per_op * 1000 / self.median_ms if self.median_ms else float("inf")


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def interleaved(
    cases: dict[str, Callable[[], Any]], repeats: int, warmup: int = 1
) -> dict[str, list[float]]:
    """Seconds per call for each case; cases alternate every round so drift hits all alike."""
    for call in cases.values():
        for _ in range(warmup):
            call()
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, call in cases.items():
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return times


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def ratio(value: float, baseline: float, name: str) -> str:
    return f"{value / baseline:.2f}x {name}"


def make_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    """Settings that never touch the repository (own data dir, fixed secret, no .env surprises)."""
    values: dict[str, Any] = {
        "env": "test",
        "database_url": database_url,
        "data_dir": data_dir,
        "secret_key": SecretStr("benchmark-secret-key-" + "x" * 32),
    }
    values.update(overrides)
    return Settings(**values)


@contextmanager
def migrated_sqlite(prefix: str) -> Iterator[tuple[str, Path]]:
    """A fresh migrated SQLite file in a temporary folder (removed afterwards)."""
    folder = Path(tempfile.mkdtemp(prefix=f"ketacare-bench-{prefix}-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    try:
        migrate.upgrade(url)
        yield url, folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def machine() -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    libraries = ("argon2-cffi", "SQLAlchemy", "fastapi", "starlette", "psycopg")
    return {
        "CPU": f"{model}, nproc={len(os.sched_getaffinity(0))}",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "Libraries": ", ".join(f"{name} {version(name)}" for name in libraries),
    }
