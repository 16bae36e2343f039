"""Patients over HTTP: exact lookups, fuzzy search, registrations, and the staff list pages.

Run from the project root (PostgreSQL on 127.0.0.1, `hims_bench` loaded by patients_db):

    .venv/bin/python -m benchmarks.patients_http                   # everything (about 15 min)
    .venv/bin/python -m benchmarks.patients_http --duration 10     # shorter load phases
    .venv/bin/python -m benchmarks.patients_http --skip-lakh       # 1 crore parts only

The app is served as in production: gunicorn `hims.wsgi:application` (gthread workers; 2
workers x 4 threads by default), DEBUG off, HTTPS off (loopback), persistent database
connections (HIMS_DB_CONN_MAX_AGE=60), Redis as the cache when reachable (as docs/deploy.md
has it), static files collected into a temporary HIMS_VAR_DIR. The script starts the server
on a free 127.0.0.1 port, measures, and stops it. Against the 1 crore database (`hims_bench`):

1. exact lookups GET /api/v1/patients?q=<UHID | ABHA number | mobile> with a staff API token:
   sequential latency (one keep-alive connection) and wrk throughput at 16 connections, against
   the same lookups as bare prepared SQL (psycopg) in the same run;
2. fuzzy name search GET /api/v1/patients?q=<misspelt name>, Latin and Devanagari, sequential,
   against the distinct-key plan as one prepared SQL statement (patients_db's baseline (b));
3. registrations POST /api/v1/patients from 16 concurrent connections (wrk), each with a new
   realistic patient and its own Idempotency-Key: 201 and 409 (duplicate suspected) counted
   apart, anything else an error; the database is then checked (one patient per 201, none
   lost or doubled). Baselines: the registration's writes as bare SQL from 16 threads (patient,
   name key, history row, access-log row), and the same plus the app's other statements
   (idempotency row, duplicate-candidate reads). Added patients are deleted at the end.

Against a 1 lakh database (`hims_bench_lakh`, loaded with patients_db if missing): the staff
pages GET /patients/ (recent registrations at the clerk's facility, page 1 and a deep page) and
GET /patients/?q=<misspelt name>, signed in as clerk.lnjp through /accounts/login/.

Results: a markdown report printed and written to benchmarks/results/patients_http-<date>.md.
Access-log rows written by the run stay (the log is append-only); see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import psycopg

from benchmarks.common import (
    DEFAULT_SERVER_URL,
    PYTHON,
    RESULTS_DIR,
    ROOT,
    Timings,
    database_exists,
    database_name,
    git_revision,
    machine_info,
    markdown_table,
    measure,
    migrate,
    ms,
)
from benchmarks.patient_data import (
    MAX_AGE_DAYS,
    _address,
    _context,
    _person_name,
    _pick,
    abha_for_row,
    mobile_for_id,
    typo,
    uhid_for_row,
)
from benchmarks.patients_db import (
    CANDIDATE_SQL,
    DEVANAGARI_QUERIES,
    DISTINCT_SQL,
    EXACT_SQL,
    LATIN_QUERIES,
    devanagari_misspelt,
    samples_pick,
)
from hims.lib.phonetic import name_key

DEFAULT_URL = f"{DEFAULT_SERVER_URL}/hims_bench"
LAKH_URL = f"{DEFAULT_SERVER_URL}/hims_bench_lakh"
LUA = Path(__file__).resolve().parent / "patients_http.lua"
GUNICORN = PYTHON.parent / "gunicorn"
CLERK = "clerk.lnjp"
# The published demo password (hims/core/demo/seed.py), unless the seed was given another.
DEMO_PASSWORD = os.environ.get("HIMS_DEMO_PASSWORD") or "hims-demo-2026"
KEY_PREFIX = "bench-http-"
HTTP_P99_TARGET_MS = 15.0
FUZZY_P95_TARGET_MS = 50.0
PAGE_TARGET_MS = 100.0  # ten times better than the peer's ~1 s at 1 lakh
REGISTRATION_PEER = 60.0  # registrations/s


def log(message: str) -> None:
    print(message, flush=True)


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerSettings:
    workers: int
    threads: int
    redis_url: str
    var_dir: Path
    secret_key: str = field(
        default_factory=lambda: "".join(
            secrets.choice(string.ascii_letters + string.digits) for _ in range(60)
        )
    )

    def describe(self) -> str:
        cache = f"Redis cache ({self.redis_url})" if self.redis_url else "local-memory cache"
        return (
            f"gunicorn hims.wsgi:application --worker-class gthread --workers {self.workers} "
            f"--threads {self.threads} (keep-alive 2 s), DEBUG off, HIMS_HTTPS=0, "
            f"HIMS_LOG_LEVEL=WARNING, HIMS_DB_CONN_MAX_AGE=60, {cache}"
        )


def server_env(url: str, settings: ServerSettings) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HIMS_", "DJANGO_")) and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DATABASE_URL=url,
        SECRET_KEY=settings.secret_key,
        ALLOWED_HOSTS="127.0.0.1",
        HIMS_HTTPS="0",
        HIMS_DEBUG="0",
        HIMS_LOG_LEVEL="WARNING",
        HIMS_DB_CONN_MAX_AGE="60",
        HIMS_VAR_DIR=str(settings.var_dir),
    )
    if settings.redis_url:
        env["REDIS_URL"] = settings.redis_url
    return env


def static_collect(url: str, settings: ServerSettings) -> None:
    """Production serves collected, hashed static files (the manifest storage needs them)."""
    subprocess.run(
        [str(PYTHON), "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=server_env(url, settings),
        check=True,
    )


@contextmanager
def served(url: str, settings: ServerSettings) -> Iterator[int]:
    """gunicorn serving the database on a free loopback port, for the duration of the block."""
    port = free_port()
    error_log = settings.var_dir / f"gunicorn-{database_name(url)}.log"
    process = subprocess.Popen(
        [
            str(GUNICORN),
            "hims.wsgi:application",
            "--worker-class",
            "gthread",
            "--workers",
            str(settings.workers),
            "--threads",
            str(settings.threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--error-logfile",
            str(error_log),
        ],
        cwd=ROOT,
        env=server_env(url, settings),
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited early; see {error_log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not answer /healthz; see {error_log}")
            time.sleep(0.2)
        log(f"  gunicorn pid {process.pid} serving {database_name(url)} on 127.0.0.1:{port}")
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        errors = error_log.read_text() if error_log.exists() else ""
        tracebacks = errors.count("Traceback")
        if tracebacks:
            log(f"  gunicorn logged {tracebacks} tracebacks; see {error_log}")


# The patient table and the indexes the measured requests use. On this VM the host reclaims
# the OS page cache (buff/cache stays near 3 GB of 24 GB; the disk reads about 27 MB/s), so
# without this step a random lookup at 1 crore reads its heap page from disk.
WARM_RELATIONS = (
    "patients_patient",
    "patient_uhid_unique",
    "patient_abha_number_unique",
    "patient_mobile_birth",
    "patient_namekey_birth",
    "patient_facility_recent",
    "patients_patientnamekey",
)


def relations_warm(url: str) -> str:
    """Read the relations' files once so they are in the OS page cache (as a production server
    with enough memory would have them); falls back to a sequential scan of the table when the
    data directory is not readable. Returns what was done, for the report."""
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        data_dir = conn.execute("SELECT current_setting('data_directory')").fetchone()[0]  # type: ignore[index]
        rows = conn.execute(
            "SELECT c.relname, pg_relation_filepath(c.oid), pg_relation_size(c.oid) FROM pg_class c "
            "WHERE c.relname = ANY(%s) OR c.oid IN (SELECT indexrelid FROM pg_index i JOIN "
            "pg_class t ON t.oid = i.indrelid WHERE t.relname = 'patients_patientnamekey')",
            [list(WARM_RELATIONS)],
        ).fetchall()
        total = 0
        try:
            for _name, relpath, _size in rows:
                base = Path(data_dir) / relpath
                for segment in [base, *sorted(base.parent.glob(base.name + ".*"))]:
                    if segment.suffix in (".fsm", ".vm") or "_" in segment.name:
                        continue
                    with open(segment, "rb") as handle:
                        while chunk := handle.read(4 << 20):
                            total += len(chunk)
        except PermissionError:
            conn.execute("SELECT count(*) FROM patients_patient")
            return f"table scanned once (data directory not readable) in {time.perf_counter() - started:.0f} s"
    return (
        f"read {total / 2**30:.1f} GB of relation files ({len(rows)} relations: the table, its "
        f"lookup indexes, the name-key table) in {time.perf_counter() - started:.0f} s"
    )


# --- a small keep-alive client ---------------------------------------------------------------


class Client:
    """One keep-alive connection; reconnects when the server closed an idle one."""

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.port = port
        self.headers = headers or {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.used = 0.0

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, http.client.HTTPResponse]:
        all_headers = {**self.headers, **(headers or {})}
        if method != "GET" and time.monotonic() - self.used > 1.0:
            # gunicorn closes a connection idle for 2 s; a POST is never resent, so reconnect.
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.used = time.monotonic()
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                return response.status, data, response
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2 or method != "GET":
                    raise
        raise AssertionError("unreachable")

    def get_ok(self, path: str) -> bytes:
        status, data, _response = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {data[:300]!r}")
        return data

    def close(self) -> None:
        self.conn.close()


def timed_gets(label: str, client: Client, paths: Sequence[str], warmup: int = 50) -> Timings:
    return measure(label, lambda path: client.get_ok(str(path)), paths, warmup=warmup)


@dataclass
class WrkResult:
    label: str
    connections: int
    seconds: float
    data: dict[str, Any]

    @property
    def rate(self) -> float:
        return self.data["requests"] / (self.data["duration_us"] / 1e6)

    def pct(self, name: str) -> float:
        return self.data[f"{name}_us"] / 1000

    @property
    def errors(self) -> int:
        d = self.data
        socket_errors = d["connect_errors"] + d["read_errors"] + d["write_errors"] + d["timeouts"]
        return socket_errors + d["nother"]


def wrk_run(
    label: str,
    port: int,
    lines: Sequence[str],
    *,
    headers: dict[str, str],
    connections: int,
    seconds: float,
    work_dir: Path,
) -> WrkResult:
    """wrk with benchmarks/patients_http.lua over the request lines (see that file)."""
    requests_file = work_dir / f"wrk-{re.sub(r'[^a-z0-9]+', '-', label.lower())}.tsv"
    requests_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    threads = 1  # one wrk thread drives 16 connections easily and leaves the cores to the app
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{int(seconds)}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += [f"http://127.0.0.1:{port}/", "--", str(requests_file), str(threads)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    result = WrkResult(label, connections, seconds, json.loads(line[len("RESULT ") :]))
    log(
        f"  {label}: {result.rate:,.0f}/s, p50 {ms(result.pct('p50'))} p99 {ms(result.pct('p99'))}"
        f" ms, errors {result.errors}"
    )
    return result


def wrk_line(method: str, path: str, key: str = "", body: str = "") -> str:
    assert "\t" not in path + key + body and "\n" not in path + key + body
    return f"{method}\t{path}\t{key}\t{body}"


# --- data --------------------------------------------------------------------------------------


def api_token(url: str, settings: ServerSettings) -> tuple[str, str]:
    """(prefix, secret) of a new API token for the clerk, via `manage.py api_token create`."""
    done = subprocess.run(
        [
            str(PYTHON),
            "manage.py",
            "api_token",
            "create",
            CLERK,
            "--name",
            "benchmark",
            "--days",
            "1",
        ],
        cwd=ROOT,
        env=server_env(url, settings),
        check=True,
        capture_output=True,
        text=True,
    )
    prefix = re.search(r"prefix:\s*(\S+)", done.stdout)
    token = re.search(r"token:\s*(\S+)", done.stdout)
    assert prefix and token, done.stdout
    return prefix.group(1), token.group(1)


def new_registrations(count: int, base_row: int, rng: random.Random) -> list[dict[str, Any]]:
    """New people at the counter: curated names (patient_data's generator: Zipf-like, spelling
    variants, some typos), ages 0-90, a locality and PIN, a mobile and (60%) an ABHA number that
    nobody in the loaded data has."""
    ctx = _context(date.today())
    pools = ctx.pools
    people: list[dict[str, Any]] = []
    for index in range(count):
        row = base_row + index
        tradition = _pick(pools.traditions, pools.tradition_cw, rng)
        surname = _pick(tradition.surnames, tradition.surname_cw, rng)
        female = rng.random() < 0.5
        age = rng.randint(0, 90)
        (name, name_hi), _first = _person_name(ctx, rng, tradition, surname, female, age)
        days_ago = min(int(age * 365.25) + rng.randrange(365), MAX_AGE_DAYS - 1)
        locality, district, pincode = rng.choice(ctx.localities)
        person: dict[str, Any] = {
            "name": name,
            "gender": "female" if female else "male",
            "birth_date": ctx.birth_dates[days_ago],
            "mobile": mobile_for_id(row),
            "address_line": _address(rng, locality),
            "locality": locality,
            "district": district,
            "pincode": pincode,
            "preferred_language": "hi" if rng.random() < 0.8 else "en",
        }
        if rng.random() < 0.25:
            person["name_hi"] = name_hi
        if rng.random() < 0.6:
            person["abha_number"] = abha_for_row(row, "91")
        people.append(person)
    return people


# --- raw SQL baselines for a registration ------------------------------------------------------

INSERT_PATIENT = (
    "INSERT INTO patients_patient (uhid, abha_number, abha_address, name, name_hi, name_key, "
    "gender, birth_date, birth_date_is_estimated, mobile, address_line, locality, district, "
    "pincode, emergency_contact_name, emergency_contact_mobile, emergency_contact_relation, "
    "preferred_language, registration_channel, created_at, updated_at, registered_at_id, "
    "registered_by_id) VALUES (%(uhid)s, %(abha)s, NULL, %(name)s, %(name_hi)s, %(key)s, "
    "%(gender)s, %(birth_date)s, false, %(mobile)s, %(address_line)s, %(locality)s, "
    "%(district)s, %(pincode)s, '', '', '', %(language)s, 'api', now(), now(), %(facility)s, "
    "%(actor)s) RETURNING id"
)
INSERT_KEY = "INSERT INTO patients_patientnamekey (key) VALUES (%s) ON CONFLICT (key) DO NOTHING"
INSERT_CHANGE = (
    "INSERT INTO patients_patientchange (patient_id, changed_at, changed_by_id, facility_id, "
    "action, changes, reason) VALUES (%s, now(), %s, %s, 'created', %s, '')"
)
INSERT_ACCESS = (
    "INSERT INTO core_accessevent (at, actor_id, actor_role, facility_id, patient_id, action, "
    "resource_type, resource_id, basis, purpose, outcome, reason, client_ip, channel) VALUES "
    "(now(), %s, 'api', %s, %s, 'create', 'Patient', %s, 'administration', '', 'allowed', '', "
    "'127.0.0.1', 'api')"
)
INSERT_IDEMPOTENCY = (
    "INSERT INTO core_idempotencykey (user_id, key, fingerprint, body, content_type, location, "
    "created_at) VALUES (%s, %s, %s, '', '', '', now()) RETURNING id"
)
UPDATE_IDEMPOTENCY = (
    "UPDATE core_idempotencykey SET status = 201, body = %s, content_type = 'application/json', "
    "location = %s WHERE id = %s"
)


@dataclass
class RawResult:
    label: str
    seconds: float
    committed: int
    failed: int
    timings: Timings

    @property
    def rate(self) -> float:
        return self.committed / self.seconds


def raw_registrations(
    url: str,
    label: str,
    people: Sequence[dict[str, Any]],
    *,
    threads: int,
    seconds: float,
    actor: int,
    facility: int,
    base_row: int,
    with_reads: bool,
) -> RawResult:
    """`threads` connections registering `people` as bare SQL, one transaction each."""
    lock = threading.Lock()
    position = [0]
    samples: list[int] = []
    counts = {"committed": 0, "failed": 0}
    stop = time.monotonic() + seconds

    def take() -> int:
        with lock:
            position[0] += 1
            return position[0] - 1

    def worker() -> None:
        mine: list[int] = []
        committed = failed = 0
        with psycopg.connect(url, autocommit=True) as conn:
            cur = conn.cursor()
            while time.monotonic() < stop:
                index = take()
                person = people[index % len(people)]
                row = base_row + index
                key = name_key(person["name"])
                params = {
                    "uhid": uhid_for_row(row),
                    "abha": abha_for_row(row, "14") if person.get("abha_number") else None,
                    "name": person["name"],
                    "name_hi": person.get("name_hi", ""),
                    "key": key,
                    "gender": person["gender"],
                    "birth_date": person["birth_date"],
                    "mobile": mobile_for_id(row),
                    "address_line": person["address_line"],
                    "locality": person["locality"],
                    "district": person["district"],
                    "pincode": person["pincode"],
                    "language": person["preferred_language"],
                    "facility": facility,
                    "actor": actor,
                }
                begin = time.perf_counter_ns()
                try:
                    if with_reads:
                        born = date.fromisoformat(person["birth_date"])
                        cur.execute(
                            INSERT_IDEMPOTENCY,
                            [actor, f"{KEY_PREFIX}raw-{row}", secrets.token_hex(32)],
                            prepare=True,
                        )
                        idempotency_id = cur.fetchone()[0]  # type: ignore[index]
                        cur.execute(
                            CANDIDATE_SQL,
                            {
                                "abha": params["abha"],
                                "mobile": params["mobile"],
                                "key": key,
                                "born_from": date(born.year - 2, 1, 1),
                                "born_to": date(born.year + 2, 12, 31),
                                "gender": person["gender"],
                            },
                            prepare=True,
                        )
                        cur.fetchall()
                    with conn.transaction():
                        cur.execute(INSERT_PATIENT, params, prepare=True)
                        patient_id = cur.fetchone()[0]  # type: ignore[index]
                        cur.execute(INSERT_KEY, [key], prepare=True)
                        changes = {k: [None, v] for k, v in person.items()}
                        cur.execute(
                            INSERT_CHANGE,
                            [patient_id, actor, facility, json.dumps(changes)],
                            prepare=True,
                        )
                        cur.execute(
                            INSERT_ACCESS,
                            [actor, facility, patient_id, str(patient_id)],
                            prepare=True,
                        )
                    if with_reads:
                        body = json.dumps({"uhid": params["uhid"], "name": person["name"]})
                        cur.execute(
                            UPDATE_IDEMPOTENCY,
                            [body, f"/api/v1/patients/{params['uhid']}", idempotency_id],
                            prepare=True,
                        )
                    committed += 1
                    mine.append(time.perf_counter_ns() - begin)
                except psycopg.errors.UniqueViolation:
                    failed += 1  # a UHID the HTTP run's random allocation happened to take
        with lock:
            samples.extend(mine)
            counts["committed"] += committed
            counts["failed"] += failed

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    result = RawResult(
        label, elapsed, counts["committed"], counts["failed"], Timings(label, samples)
    )
    log(f"  {label}: {result.rate:,.0f}/s, p50 {ms(result.timings.p50)} ms")
    return result


# --- the staff pages: sign in ----------------------------------------------------------------


def staff_sign_in(port: int, username: str, password: str) -> dict[str, str]:
    """GET the login form, POST it with the CSRF token; the session and CSRF cookies."""
    client = Client(port)
    status, page, response = client.request("GET", "/accounts/login/")
    assert status == 200, status
    cookies: dict[str, str] = {}

    def remember(resp: http.client.HTTPResponse) -> None:
        for header in resp.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            cookies.update({name: morsel.value for name, morsel in jar.items()})

    remember(response)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "no CSRF token in the login form"
    body = urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1).decode()}
    ).encode()
    status, page, response = client.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        },
    )
    remember(response)
    client.close()
    if status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"sign-in as {username} failed ({status}): {page[:300]!r}")
    return cookies


# --- report helpers --------------------------------------------------------------------------


def verdict(value: float, target: float, unit: str = "ms") -> str:
    if value <= target:
        return f"**met** ({ms(value)} {unit}, target < {target:g} {unit})"
    return f"**missed** ({ms(value)} {unit}, {value / target:.1f}x the {target:g} {unit} target)"


def seq_cells(t: Timings) -> list[str]:
    return [str(t.count), ms(t.p50), ms(t.p95), ms(t.p99)]


def wrk_cells(r: WrkResult) -> list[str]:
    return [
        f"{r.rate:,.0f}/s",
        ms(r.pct("p50")),
        ms(r.pct("p95")),
        ms(r.pct("p99")),
        str(r.errors),
    ]


# --- main ------------------------------------------------------------------------------------


def arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", default=DEFAULT_URL, help="the 1 crore database")
    parser.add_argument("--lakh-database-url", default=LAKH_URL, help="the 1 lakh database")
    parser.add_argument("--skip-lakh", action="store_true", help="leave out the staff pages")
    parser.add_argument("--skip-crore", action="store_true", help="staff pages only")
    parser.add_argument("--skip-migrate", action="store_true", help="do not migrate first")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--connections", type=int, default=16, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=30, help="seconds per load phase")
    parser.add_argument("--lookup-duration", type=float, default=20, help="seconds per wrk GET")
    parser.add_argument("--lookups", type=int, default=2000, help="sequential lookups per kind")
    parser.add_argument("--fuzzy", type=int, default=300, help="random misspelt names per script")
    parser.add_argument("--fuzzy-repeats", type=int, default=100, help="per named query")
    parser.add_argument("--page-requests", type=int, default=300, help="sequential per page")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/15",
        help="the app's cache, as in production ('' for the local-memory cache)",
    )
    parser.add_argument("--no-warm", action="store_true", help="measure the cache as found")
    parser.add_argument("--keep-rows", action="store_true", help="keep the added patients")
    parser.add_argument("--output", help="report path (default benchmarks/results/...)")
    return parser.parse_args(argv)


def redis_reachable(url: str) -> bool:
    if not url:
        return False
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except Exception:
        return False


def redis_forget_keys_like(url: str, keys: Sequence[str]) -> None:
    """Forget cached name_keys_like results for these keys (the app caches them 10 minutes), so
    the random misspelt names are measured cold, as new names typed at a counter are."""
    if not url:
        return
    import redis

    client = redis.Redis.from_url(url)
    names = [f":1:patients:keys-like:v2:40:{k.replace(' ', '_')}" for k in keys]
    for start in range(0, len(names), 500):
        client.delete(*names[start : start + 500])


@dataclass
class CroreResults:
    patients: int = 0
    lookups: dict[str, tuple[Timings, Timings, WrkResult]] = field(default_factory=dict)
    extra_seq: list[tuple[str, Timings]] = field(default_factory=list)
    fuzzy: list[tuple[str, Timings, Timings, str]] = field(default_factory=list)
    registration: WrkResult | None = None
    registration_check: dict[str, Any] = field(default_factory=dict)
    raw_writes: RawResult | None = None
    raw_full: RawResult | None = None
    people_stats: str = ""
    cleanup: str = ""
    warm: str = ""


def crore_part(args: argparse.Namespace, settings: ServerSettings, work: Path) -> CroreResults:
    url: str = args.database_url
    out = CroreResults()
    log("warming the page cache ...")
    out.warm = relations_warm(url) if not args.no_warm else "not warmed (--no-warm)"
    log(f"  {out.warm}")
    conn = psycopg.connect(url, autocommit=True)
    max_id: int = conn.execute("SELECT max(id) FROM patients_patient").fetchone()[0]  # type: ignore[index]
    out.patients = max_id
    rng = random.Random(7)
    samples = samples_pick(conn, max_id, max(args.lookups * 2, 4000), rng)
    uhids = [s.uhid for s in samples][: args.lookups]
    abhas = [s.abha_number for s in samples if s.abha_number][: args.lookups]
    mobiles = [s.mobile for s in samples if s.mobile][: args.lookups]
    lookups = {"UHID": uhids, "ABHA number": abhas, "mobile": mobiles}
    field_of = {"UHID": "uhid", "ABHA number": "abha_number", "mobile": "mobile"}
    clerk: tuple[int, int] = conn.execute(  # type: ignore[assignment]
        "SELECT u.id, f.id FROM accounts_user u, network_facility f "
        "WHERE u.username = %s AND f.code = 'lnjp'",
        [CLERK],
    ).fetchone()
    actor_id, facility_id = clerk
    keys_before: int = conn.execute("SELECT max(id) FROM patients_patientnamekey").fetchone()[0]  # type: ignore[index]
    run_start = conn.execute("SELECT now()").fetchone()[0]  # type: ignore[index]
    prefix, token = api_token(url, settings)
    auth = {"Authorization": f"Bearer {token}"}

    cur = conn.cursor()

    def raw(query: str) -> Callable[[object], object]:
        def run(params: object) -> object:
            cur.execute(query, params, prepare=True)  # type: ignore[arg-type]
            return cur.fetchall()

        return run

    rng = random.Random(11)
    random_latin = [typo(s.name, rng) for s in samples[: args.fuzzy]]
    random_hindi = [devanagari_misspelt(s.name_hi, rng) for s in samples if s.name_hi][: args.fuzzy]
    named = [*LATIN_QUERIES, *DEVANAGARI_QUERIES]
    fuzzy_sets: list[tuple[str, list[str]]] = [(q, [q] * args.fuzzy_repeats) for q in named]
    fuzzy_sets += [
        (f"{len(random_latin)} random misspelt Latin names (cold cache)", random_latin),
        (f"{len(random_hindi)} random misspelt Devanagari names (cold cache)", random_hindi),
    ]

    with served(url, settings) as port:
        client = Client(port, auth)
        # --- 1. exact lookups -----------------------------------------------------------------
        log("exact lookups over HTTP, sequential ...")
        out.extra_seq.append(
            (
                "GET /healthz (no database, no auth: the server floor)",
                timed_gets("healthz", Client(port), ["/healthz"] * args.lookups),
            )
        )
        seq: dict[str, Timings] = {}
        for label, values in lookups.items():
            found = [
                len(json.loads(client.get_ok(f"/api/v1/patients?q={quote(v)}")))
                for v in values[:50]
            ]
            assert all(found), f"some {label} lookups found nobody"
            paths = [f"/api/v1/patients?q={quote(v)}" for v in values]
            seq[label] = timed_gets(f"http {label}", client, paths)
            log(f"  {label}: p50 {ms(seq[label].p50)} p99 {ms(seq[label].p99)} ms")
        out.extra_seq.append(
            (
                "GET /api/v1/patients/{uhid} (one patient, access logged)",
                timed_gets("detail", client, [f"/api/v1/patients/{u}" for u in uhids]),
            )
        )
        log("exact lookups, raw SQL (same run) ...")
        raw_seq = {
            label: measure(f"raw {label}", raw(EXACT_SQL[field_of[label]]), [[v] for v in values])
            for label, values in lookups.items()
        }
        log(f"exact lookups over HTTP, wrk at {args.connections} connections ...")
        for label, values in lookups.items():
            lines = [wrk_line("GET", f"/api/v1/patients?q={quote(v)}") for v in values]
            result = wrk_run(
                f"lookup by {label}",
                port,
                lines,
                headers=auth,
                connections=args.connections,
                seconds=args.lookup_duration,
                work_dir=work,
            )
            out.lookups[label] = (seq[label], raw_seq[label], result)

        # --- 2. fuzzy search -----------------------------------------------------------------
        log("fuzzy search over HTTP, sequential ...")
        redis_forget_keys_like(
            settings.redis_url, [name_key(t) for _l, ts in fuzzy_sets for t in ts]
        )
        for label, texts in fuzzy_sets:
            paths = [f"/api/v1/patients?q={quote(t)}" for t in texts]
            cold = "cold cache" in label
            shown = [len(json.loads(client.get_ok(p))) for p in paths[:20]] if not cold else []
            timings = timed_gets(f"http fuzzy {label}", client, paths, warmup=0 if cold else 10)
            raw_t = measure(
                f"raw fuzzy {label}",
                raw(DISTINCT_SQL),
                [{"key": name_key(t)} for t in texts],
                warmup=10,
            )
            note = f"{sum(shown) / len(shown):.0f} shown" if shown else ""
            out.fuzzy.append((label, timings, raw_t, note))
            log(f"  {label}: p50 {ms(timings.p50)} p95 {ms(timings.p95)} ms")

        # --- 3. registrations ----------------------------------------------------------------
        log(f"registrations over HTTP, wrk at {args.connections} connections ...")
        slot = random.Random().randrange(200)
        base_row = 1_000_000_000 + slot * 10_000_000
        count = int(max(20_000, args.duration * 3_000))
        people = new_registrations(count, base_row, random.Random(23))
        with_abha = sum(1 for p in people if "abha_number" in p)
        out.people_stats = (
            f"{count:,} prepared (more than can be sent), {with_abha / count:.0%} with an ABHA "
            f"number, {sum(1 for p in people if 'name_hi' in p) / count:.0%} with the Devanagari "
            "name, every mobile new; e.g. "
            + "; ".join(f"{p['name']} ({p['gender']}, {p['birth_date']})" for p in people[:4])
        )
        run_id = secrets.token_hex(4)
        lines = [
            wrk_line(
                "POST",
                "/api/v1/patients",
                f"{KEY_PREFIX}{run_id}-{i}",
                json.dumps(p, ensure_ascii=False),
            )
            for i, p in enumerate(people)
        ]
        # One probe first: the request shape must register (201) or find a duplicate (409).
        probe = json.dumps(people[-1], ensure_ascii=False).encode()
        status, data, _resp = client.request(
            "POST",
            "/api/v1/patients",
            body=probe,
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": f"{KEY_PREFIX}{run_id}-probe",
            },
        )
        if status not in (201, 409):
            raise SystemExit(f"the registration probe answered {status}: {data[:500]!r}")
        http_start = conn.execute("SELECT now()").fetchone()[0]  # type: ignore[index]
        out.registration = wrk_run(
            "registrations",
            port,
            lines[:-1],
            headers={**auth, "Content-Type": "application/json"},
            connections=args.connections,
            seconds=args.duration,
            work_dir=work,
        )
        client.close()
    # The server has stopped: every request it accepted has been answered.
    check = conn.execute(
        "SELECT count(*) FILTER (WHERE status = 201), count(*) FILTER (WHERE status = 409), "
        "count(*) FILTER (WHERE status IS NULL OR status NOT IN (201, 409)), "
        'count(DISTINCT substring(body from \'"uhid": "([A-Z0-9]+)"\')) FILTER (WHERE status = 201) '
        "FROM core_idempotencykey WHERE key LIKE %s AND key NOT LIKE %s",
        [f"{KEY_PREFIX}{run_id}-%", "%-probe"],
    ).fetchone()
    assert check is not None
    created = conn.execute(
        "SELECT count(*), count(DISTINCT mobile) FROM patients_patient "
        "WHERE registration_channel = 'api' AND created_at >= %s AND registered_by_id = %s",
        [http_start, actor_id],
    ).fetchone()
    assert created is not None
    matched = conn.execute(
        "SELECT count(*) FROM core_idempotencykey k JOIN patients_patient p "
        'ON p.uhid = substring(k.body from \'"uhid": "([A-Z0-9]+)"\') '
        "WHERE k.key LIKE %s AND k.key NOT LIKE %s AND k.status = 201",
        [f"{KEY_PREFIX}{run_id}-%", "%-probe"],
    ).fetchone()[0]  # type: ignore[index]
    reg = out.registration
    out.registration_check = {
        "wrk 201": reg.data["n201"],
        "wrk 409": reg.data["n409"],
        "server 201 (idempotency rows)": check[0],
        "server 409": check[1],
        "server other": check[2],
        "distinct UHIDs in the 201 answers": check[3],
        "new patients in the database": created[0],
        "of them with distinct mobiles": created[1],
        "201 answers whose UHID is in the database": matched,
    }
    log(f"  check: {out.registration_check}")

    # --- 3b. raw SQL baselines ----------------------------------------------------------------
    log(f"registrations as bare SQL, {args.connections} threads ...")
    raw_people = new_registrations(20_000, base_row + 5_000_000, random.Random(29))
    out.raw_writes = raw_registrations(
        url,
        "raw SQL: the 4 writes (patient, name key, history, access log)",
        raw_people,
        threads=args.connections,
        seconds=args.duration,
        actor=actor_id,
        facility=facility_id,
        base_row=base_row + 5_000_000,
        with_reads=False,
    )
    out.raw_full = raw_registrations(
        url,
        "raw SQL: the same + idempotency row and update + candidate reads",
        raw_people,
        threads=args.connections,
        seconds=args.duration,
        actor=actor_id,
        facility=facility_id,
        base_row=base_row + 6_000_000,
        with_reads=True,
    )

    # --- cleanup ------------------------------------------------------------------------------
    subprocess.run(
        [str(PYTHON), "manage.py", "api_token", "revoke", prefix],
        cwd=ROOT,
        env=server_env(url, settings),
        check=True,
        capture_output=True,
    )
    if args.keep_rows:
        out.cleanup = "The added patients were kept (--keep-rows)."
    else:
        with conn.transaction():
            marker = (
                "SELECT id FROM patients_patient WHERE registration_channel = 'api' "
                "AND created_at >= %s AND registered_by_id = %s"
            )
            conn.execute(
                f"DELETE FROM patients_patientchange WHERE patient_id IN ({marker})",
                [run_start, actor_id],
            )
            deleted = conn.execute(
                f"DELETE FROM patients_patient WHERE id IN ({marker})", [run_start, actor_id]
            ).rowcount
            keys = conn.execute(
                "DELETE FROM patients_patientnamekey k WHERE k.id > %s AND NOT EXISTS "
                "(SELECT 1 FROM patients_patient p WHERE p.name_key = k.key)",
                [keys_before],
            ).rowcount
            idem = conn.execute(
                "DELETE FROM core_idempotencykey WHERE key LIKE %s", [f"{KEY_PREFIX}%"]
            ).rowcount
        access = conn.execute(
            "SELECT count(*) FROM core_accessevent WHERE actor_id = %s AND at >= %s",
            [actor_id, run_start],
        ).fetchone()[0]  # type: ignore[index]
        out.cleanup = (
            f"Deleted afterwards: {deleted:,} patients (registration_channel 'api', created "
            f"since the run began, by {CLERK}) with their history rows, {keys:,} name keys "
            f"only they had, {idem:,} idempotency rows. Left: {access:,} access-log rows "
            "(core_accessevent is append-only by design) and the revoked API token."
        )
    conn.execute("ANALYZE patients_patient")
    conn.close()
    return out


@dataclass
class PageResult:
    label: str
    path: str
    timings: Timings
    wrk: WrkResult
    size: int
    gzip_size: int
    rows: int


def lakh_part(
    args: argparse.Namespace, settings: ServerSettings, work: Path
) -> tuple[list[PageResult], int, int]:
    url: str = args.lakh_database_url
    if not database_exists(url):
        log("loading the 1 lakh database with patients_db ...")
        subprocess.run(
            [
                str(PYTHON),
                "-m",
                "benchmarks.patients_db",
                "--patients",
                "100000",
                "--database-url",
                url,
                "--lookups",
                "200",
                "--fuzzy-repeats",
                "10",
                "--fuzzy-random",
                "20",
                "--output",
                str(work / "patients_db-lakh.md"),
            ],
            cwd=ROOT,
            check=True,
        )
    elif not args.skip_migrate:
        migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        patients: int = conn.execute("SELECT count(*) FROM patients_patient").fetchone()[0]  # type: ignore[index]
        at_facility: int = conn.execute(
            "SELECT count(*) FROM patients_patient p JOIN network_facility f "
            "ON f.id = p.registered_at_id WHERE f.code = 'lnjp'"
        ).fetchone()[0]  # type: ignore[index]
    pages = [
        ("recent registrations, page 1", "/patients/"),
        ("recent registrations, page 50", "/patients/?page=50"),
        *[
            (f"search '{q}'", f"/patients/?{urlencode({'q': q})}")
            for q in (*LATIN_QUERIES, DEVANAGARI_QUERIES[0])
        ],
    ]
    results: list[PageResult] = []
    with served(url, settings) as port:
        cookies = staff_sign_in(port, CLERK, DEMO_PASSWORD)
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        client = Client(port, {"Cookie": cookie})
        for label, path in pages:
            body = client.get_ok(path)
            rows = len(set(re.findall(rb'href="/patients/(DL\d{10})/"', body)))
            timings = timed_gets(label, client, [path] * args.page_requests, warmup=20)
            result = wrk_run(
                label,
                port,
                [wrk_line("GET", path)],
                headers={"Cookie": cookie},
                connections=args.connections,
                seconds=args.lookup_duration,
                work_dir=work,
            )
            results.append(
                PageResult(label, path, timings, result, len(body), len(gzip.compress(body)), rows)
            )
            log(
                f"  {label}: p50 {ms(timings.p50)} p99 {ms(timings.p99)} ms, {len(body):,} B, {rows} rows"
            )
        client.close()
    return results, patients, at_facility


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(argv)
    command = "python -m benchmarks.patients_http " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    run_started = time.perf_counter()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (apt-get install wrk)")
    redis_url = args.redis_url if redis_reachable(args.redis_url) else ""
    work = Path(tempfile.mkdtemp(prefix="hims-bench-http-"))
    settings = ServerSettings(args.workers, args.threads, redis_url, work)
    revision = git_revision()
    if not args.skip_crore:
        if not database_exists(args.database_url):
            raise SystemExit(f"{database_name(args.database_url)} does not exist: run patients_db")
        if not args.skip_migrate:
            log(f"migrating {database_name(args.database_url)} ...")
            migrate(args.database_url)
    static_collect(args.database_url, settings)
    load_before = os.getloadavg()
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        machine = machine_info(conn)
    crore = crore_part(args, settings, work) if not args.skip_crore else None
    lakh = lakh_part(args, settings, work) if not args.skip_lakh else None
    load_after = os.getloadavg()
    total = time.perf_counter() - run_started
    shutil.rmtree(work, ignore_errors=True)

    today = date.today().isoformat()
    lines = [
        f"# Patients over HTTP ({today})",
        "",
        f"Command: `{command.strip()}` (from the project root, venv Python), code at {revision}. "
        f"Run took {total / 60:.1f} min. Load average {load_before[0]:.2f} / {load_before[1]:.2f}"
        f" / {load_before[2]:.2f} (1/5/15 min) when measuring began, {load_after[0]:.2f} / "
        f"{load_after[1]:.2f} / {load_after[2]:.2f} at the end (2 cores: anything above about 1 "
        "means something else was running too).",
        "",
        f"Server: {settings.describe()}; bound to 127.0.0.1, load from wrk 4.1 (one thread) or a "
        "Python keep-alive client (http.client) on the same 2 cores, so client, gunicorn and "
        "PostgreSQL share them.",
        "",
        "## Machine",
        "",
        markdown_table(["", ""], machine.items()),
        "",
    ]
    if crore:
        lines += crore_report(crore, args)
    if lakh:
        lines += lakh_report(*lakh, args)
    report = "\n".join(lines)
    output = args.output or str(RESULTS_DIR / f"patients_http-{today}.md")
    RESULTS_DIR.mkdir(exist_ok=True)
    Path(output).write_text(report)
    print(report)
    log(f"\nwritten to {output}")
    return 0


def crore_report(c: CroreResults, args: argparse.Namespace) -> list[str]:
    lines = [
        f"## 1 crore patients (`{database_name(args.database_url)}`, max id {c.patients:,})",
        "",
        f"Page cache before measuring: {c.warm}.",
        "",
        f"### Exact lookups: GET /api/v1/patients?q=... (staff API token, {CLERK})",
        "",
        "Sequential: one keep-alive connection, after 50 warm-up requests, random existing values "
        "sampled from the database. Each answer also writes one access-log row per patient "
        f"listed. Throughput: wrk, {args.connections} connections, {args.lookup_duration:g} s, "
        "rotating through the same values.",
        "",
        markdown_table(
            [
                "lookup",
                "HTTP n",
                "HTTP p50",
                "p95",
                "p99",
                "raw SQL p50",
                "p95",
                "p99",
                "HTTP/SQL p50",
                "HTTP/SQL p99",
                f"c={args.connections} rate",
                "p50",
                "p95",
                "p99",
                "errors",
            ],
            [
                [
                    label,
                    *seq_cells(http_t),
                    ms(raw_t.p50),
                    ms(raw_t.p95),
                    ms(raw_t.p99),
                    f"{http_t.p50 / raw_t.p50:.0f}x",
                    f"{http_t.p99 / raw_t.p99:.0f}x",
                    *wrk_cells(w),
                ]
                for label, (http_t, raw_t, w) in c.lookups.items()
            ],
        ),
        "",
        markdown_table(
            ["other requests, sequential", "n", "p50", "p95", "p99"],
            [[label, *seq_cells(t)] for label, t in c.extra_seq],
        ),
        "",
        "### Fuzzy name search: GET /api/v1/patients?q=<misspelt name>",
        "",
        "Sequential, one connection. Named queries repeat (so the app's 10-minute cache of "
        "similar keys is warm after the first); the random misspelt names are each sent once "
        "with their cache entries deleted first (cold, as a new name typed at a counter). "
        "Baseline: patients_db's (b), the distinct-key plan as one prepared statement, same run.",
        "",
        markdown_table(
            ["query", "n", "HTTP p50", "p95", "p99", "raw SQL (b) p50", "p95", "p99", "notes"],
            [
                [label, *seq_cells(t), ms(r.p50), ms(r.p95), ms(r.p99), note]
                for label, t, r, note in c.fuzzy
            ],
        ),
        "",
    ]
    reg = c.registration
    if reg:
        d = reg.data
        seconds = d["duration_us"] / 1e6
        lines += [
            f"### Registrations: POST /api/v1/patients, {args.connections} concurrent clerks",
            "",
            f"wrk, {args.connections} connections, {seconds:.0f} s, one token ({CLERK}, "
            "registering at LNJP), every request a new person with its own Idempotency-Key. "
            f"People: {c.people_stats}.",
            "",
            markdown_table(
                ["", "value"],
                [
                    ["requests answered", f"{d['requests']:,} ({reg.rate:,.0f}/s)"],
                    [
                        "201 registered",
                        f"{d['n201']:,} (**{d['n201'] / seconds:,.0f} registrations/s**)",
                    ],
                    [
                        "409 duplicate suspected (a correct answer)",
                        f"{d['n409']:,} ({d['n409'] / max(1, d['requests']):.0%})",
                    ],
                    [
                        "errors (other status, socket errors, timeouts)",
                        f"{reg.errors} (last other status {d['last_other'] or '-'})",
                    ],
                    [
                        "latency p50 / p95 / p99 / max (ms, all answers)",
                        f"{ms(reg.pct('p50'))} / {ms(reg.pct('p95'))} / {ms(reg.pct('p99'))} / {ms(reg.pct('max'))}",
                    ],
                    ["request list wrapped (replays)", str(d["wraps"])],
                ],
            ),
            "",
            "Checked in the database after the server stopped (wrk stops counting with requests "
            "still in flight; the server's own record of each key is the idempotency row):",
            "",
            markdown_table(["", "count"], [[k, f"{v:,}"] for k, v in c.registration_check.items()]),
            "",
        ]
    raws = [r for r in (c.raw_writes, c.raw_full) if r]
    if raws:
        lines += [
            f"Same-run raw baselines ({args.connections} Python threads, psycopg, prepared, one "
            "connection each, every transaction durable):",
            "",
            markdown_table(
                [
                    "baseline",
                    "seconds",
                    "committed",
                    "rate",
                    "p50",
                    "p95",
                    "p99",
                    "unique-violation retries",
                ],
                [
                    [
                        r.label,
                        f"{r.seconds:.0f}",
                        f"{r.committed:,}",
                        f"{r.rate:,.0f}/s",
                        ms(r.timings.p50),
                        ms(r.timings.p95),
                        ms(r.timings.p99),
                        str(r.failed),
                    ]
                    for r in raws
                ],
            ),
            "",
        ]
    targets = []
    for label, (http_t, _raw, _w) in c.lookups.items():
        targets.append(
            [f"lookup by {label}, p99 over HTTP", verdict(http_t.p99, HTTP_P99_TARGET_MS)]
        )
    for label, t, _r, _note in c.fuzzy:
        targets.append([f"fuzzy {label}, p95 over HTTP", verdict(t.p95, FUZZY_P95_TARGET_MS)])
    if reg and c.raw_writes:
        rate = reg.data["n201"] / (reg.data["duration_us"] / 1e6)
        answered = reg.rate
        targets.append(
            [
                "registrations/s vs the peer's ~60/s (aim 600/s)",
                f"{rate:,.0f} registered/s ({rate / REGISTRATION_PEER:.1f}x the peer); "
                f"{answered:,.0f} answers/s counting 409s; raw SQL writes {c.raw_writes.rate:,.0f}/s "
                f"(HTTP registrations are {rate / c.raw_writes.rate:.1%} of it)",
            ]
        )
        check = c.registration_check
        ok = (
            check["server 201 (idempotency rows)"]
            == check["new patients in the database"]
            == check["distinct UHIDs in the 201 answers"]
            == check["201 answers whose UHID is in the database"]
            and reg.errors == 0
        )
        targets.append(
            [
                "no registration lost or doubled, no errors",
                "**met**" if ok else "**not met**: see the check above",
            ]
        )
    lines += [
        "### Targets (1 crore)",
        "",
        markdown_table(["target", "result"], targets),
        "",
        c.cleanup,
        "",
    ]
    return lines


def lakh_report(
    results: list[PageResult], patients: int, at_facility: int, args: argparse.Namespace
) -> list[str]:
    lines = [
        f"## Staff pages at 1 lakh patients (`{database_name(args.lakh_database_url)}`: "
        f"{patients:,} patients, {at_facility:,} registered at LNJP)",
        "",
        f"Signed in as {CLERK} through /accounts/login/ (session cookie). Sequential: one "
        f"keep-alive connection, {args.page_requests} requests after 20 warm-up; throughput: wrk, "
        f"{args.connections} connections, {args.lookup_duration:g} s, the same page. Every page "
        "writes one access-log row per patient listed. Sizes are the HTML as sent (the app does "
        "not compress; nginx would) and gzipped.",
        "",
        markdown_table(
            [
                "page",
                "path",
                "n",
                "p50",
                "p95",
                "p99",
                f"c={args.connections} rate",
                "p50",
                "p95",
                "p99",
                "errors",
                "bytes",
                "gzip",
                "patients shown",
            ],
            [
                [
                    r.label,
                    f"`{r.path}`",
                    *seq_cells(r.timings),
                    *wrk_cells(r.wrk),
                    f"{r.size:,}",
                    f"{r.gzip_size:,}",
                    str(r.rows),
                ]
                for r in results
            ],
        ),
        "",
        markdown_table(
            ["target", "result"],
            [
                [
                    f"{r.label}: p99 sequential, vs peer ~1 s (aim <= 100 ms)",
                    verdict(r.timings.p99, PAGE_TARGET_MS),
                ]
                for r in results
            ],
        ),
        "",
    ]
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
