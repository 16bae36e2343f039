"""Shared helpers for the benchmarks: databases, Django setup, timing, machine facts, tables.

Benchmarks are run by hand (never by tests or CI); see benchmarks/README.md.
"""

from __future__ import annotations

import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
PYTHON = ROOT / ".venv" / "bin" / "python"
DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432"


# --- databases -----------------------------------------------------------------------------


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def server_url(url: str, dbname: str = "postgres") -> str:
    """The same server and credentials, another database (the maintenance one by default)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{dbname}", parts.query, parts.fragment))


def database_exists(url: str) -> bool:
    with psycopg.connect(server_url(url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database_name(url)]
        ).fetchone()
    return row is not None


def database_recreate(url: str) -> None:
    """Drop and create the benchmark database. Refuses names without "bench" in them."""
    name = database_name(url)
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: a benchmark database name contains 'bench'")
    with psycopg.connect(server_url(url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def migrate(url: str) -> float:
    """Run the project's migrations into the database; return the seconds taken."""
    env = {**os.environ, "DATABASE_URL": url, "HIMS_TESTING": "1"}
    started = time.perf_counter()
    subprocess.run(
        [str(PYTHON), "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    return time.perf_counter() - started


def seed_demo_network(url: str) -> float:
    """The demo network without demo patients (facilities, hours, staff logins; the four-person
    demo family is re-created if missing): registrations point at real facilities and the HTTP
    benchmarks can sign in. Idempotent; returns the seconds taken."""
    env = {**os.environ, "DATABASE_URL": url, "HIMS_TESTING": "1"}
    started = time.perf_counter()
    subprocess.run(
        [str(PYTHON), "manage.py", "seed_demo", "--patients", "0", "--quiet"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def git_revision() -> str:
    """The commit measured, and whether the app code (hims/) had uncommitted changes."""
    head = _command_output(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = _command_output(["git", "-C", str(ROOT), "status", "--porcelain", "--", "hims"])
    changed = [line for line in dirty.splitlines() if not line.endswith((".po", ".mo"))]
    return head + (" (with uncommitted changes in hims/)" if changed else "")


def django_setup(url: str) -> None:
    """Point the real Django settings at the benchmark database (as production would, DEBUG off)."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "hims.settings"
    # settings.py insists on a SECRET_KEY when DATABASE_URL is set; this one signs nothing.
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "b" * 50)
    os.environ.setdefault("HIMS_DEBUG", "0")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- timing --------------------------------------------------------------------------------


@dataclass
class Timings:
    """Latencies of one measured operation, in nanoseconds."""

    label: str
    samples: list[int]

    def percentile_ms(self, pct: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        ordered = sorted(self.samples)
        rank = max(1, math.ceil(pct / 100 * len(ordered)))
        return ordered[rank - 1] / 1e6

    @property
    def p50(self) -> float:
        return self.percentile_ms(50)

    @property
    def p95(self) -> float:
        return self.percentile_ms(95)

    @property
    def p99(self) -> float:
        return self.percentile_ms(99)

    @property
    def mean(self) -> float:
        return sum(self.samples) / len(self.samples) / 1e6

    @property
    def count(self) -> int:
        return len(self.samples)


def measure(
    label: str,
    operation: Callable[[object], object],
    inputs: Sequence[object],
    *,
    warmup: int = 50,
    budget_seconds: float | None = None,
) -> Timings:
    """Run `operation(input)` for every input (after `warmup` untimed calls) and time each one.

    With a budget, stops early (after at least 5 timed calls) once the budget is spent, so a
    slow baseline cannot hold a run for hours; the table shows how many calls were timed.
    """
    for item in list(inputs)[:warmup]:
        operation(item)
    samples: list[int] = []
    started = time.perf_counter()
    for item in inputs:
        begin = time.perf_counter_ns()
        operation(item)
        samples.append(time.perf_counter_ns() - begin)
        if (
            budget_seconds is not None
            and len(samples) >= 5
            and time.perf_counter() - started > budget_seconds
        ):
            break
    return Timings(label, samples)


# --- reporting -----------------------------------------------------------------------------


def _command_output(args: list[str]) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def machine_info(conn: psycopg.Connection) -> dict[str, str]:
    """What the figures were measured on (nproc, free, psql --version, server settings)."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_line = next(
        (line for line in _command_output(["free", "-g"]).splitlines() if line.startswith("Mem")),
        "",
    )
    mem_total = mem_line.split()[1] + " GB" if mem_line else "?"
    settings = dict(
        conn.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)",
            [["shared_buffers", "work_mem", "effective_cache_size", "synchronous_commit", "jit"]],
        ).fetchall()
    )
    return {
        "cpus": _command_output(["nproc"]) or str(os.cpu_count()),
        "cpu model": cpu or platform.processor(),
        "memory": mem_total,
        "psql": _command_output(["psql", "--version"]),
        "server": str(conn.execute("SHOW server_version").fetchone()[0]),  # type: ignore[index]
        "server settings": ", ".join(f"{k}={v}" for k, v in sorted(settings.items())),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit in ("B", "kB") else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def ms(value: float) -> str:
    """A latency for a table: 3 significant figures, at least 2 decimals under 10 ms."""
    if value < 1:
        return f"{value:.3f}"
    if value < 10:
        return f"{value:.2f}"
    if value < 100:
        return f"{value:.1f}"
    return f"{value:.0f}"
