"""The booking rush over HTTP: many clients POSTing bookings for a day's OPD slots.

Run from the project root (PostgreSQL on 127.0.0.1, wrk installed):

    .venv/bin/python -m benchmarks.booking_http                         # 64 and 256 clients, 30 s
    .venv/bin/python -m benchmarks.booking_http --duration 5 --clients 16   # a smoke run
    .venv/bin/python -m benchmarks.booking_http --skip-load             # reuse the database

Its own database (`hims_bench_booking` by default; recreated unless --skip-load): the demo
network without demo patients (`seed_demo --patients 0`), 50,000 synthetic patients
(benchmarks.patient_data, COPY), and tomorrow's slots for 4 departments of Lok Nayak Hospital
(36 ten-minute slots each, online places per slot as asked). The app is served as
patients_http serves it (gunicorn gthread, production settings, Redis as cache and Celery broker
when reachable, so each booking's SMS is queued as in production), and booked with a fresh API
token for clerk.lnjp. For each client count, with the quotas reset before each phase:

1. rush: wrk POSTs /api/v1/appointments with random slots and patients (each request its own
   Idempotency-Key, no patient twice in a department) while the few places last and long after:
   mostly refusals, which is what a rush is;
2. bookings: the same against slots with more places than the run can take, so nearly every
   answer is a 201: booking throughput and latency of successes;
3. refusals: the same against slots without a free online place: refusal throughput and
   latency.

After each phase the database is checked for overbooking: any quota with booked > capacity,
any quota whose booked differs from its count of active appointments, any patient with two
active bookings in a department that day (all must be 0), and the 201s against the rows.

The baseline, in the same run: the same booking transaction as bare SQL from psycopg (N
connections in worker processes, prepared statements): BEGIN; the conditional
`UPDATE ... SET booked = booked + 1 WHERE ... AND booked < capacity AND is_open RETURNING id`;
the INSERT of the appointment; COMMIT, for places that do not run out, and the same UPDATE
against full quotas (refusals). Reported: app / raw.

Results: a markdown report printed and written to benchmarks/results/booking_http-<date>.md.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from benchmarks.common import (
    DEFAULT_SERVER_URL,
    PYTHON,
    RESULTS_DIR,
    ROOT,
    Timings,
    database_exists,
    database_name,
    database_recreate,
    git_revision,
    machine_info,
    markdown_table,
    migrate,
    ms,
    seed_demo_network,
)
from benchmarks.patient_data import load_patients
from benchmarks.patients_http import (
    CLERK,
    ServerSettings,
    api_token,
    log,
    redis_reachable,
    served,
    server_env,
    static_collect,
)

DEFAULT_URL = f"{DEFAULT_SERVER_URL}/hims_bench_booking"
LUA = Path(__file__).resolve().parent / "booking_http.lua"
ZONE = ZoneInfo("Asia/Kolkata")  # settings.TIME_ZONE
KEY_PREFIX = "bench-booking-"
AMPLE_PLACES = 32_000  # a PositiveSmallIntegerField: "more than any run takes"
FACILITY_CODE = "lnjp"
P99_TARGET_MS = 100.0
RAW_SHARE_TARGET = 0.25  # at least 1/4 of the raw-SQL booking throughput
REFUSAL_SPEEDUP_TARGET = 3.0


# --- the slots ---------------------------------------------------------------------------------


@dataclass
class Setup:
    facility_id: int
    clerk_id: int
    departments: list[int]
    day: date
    slots: dict[int, list[int]]  # department -> slot ids
    patients: list[tuple[int, str]]  # (id, uhid)
    load_seconds: float = 0.0

    @property
    def slot_ids(self) -> list[int]:
        return [s for ids in self.slots.values() for s in ids]


def slots_create(url: str, *, departments: int, slots: int, day: date) -> Setup:
    """Tomorrow's slots (09:00 on, 10 minutes each) for the first departments of Lok Nayak
    Hospital, replacing earlier benchmark slots of that day; an online and a counter quota each."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT f.id, u.id FROM network_facility f, accounts_user u "
            "WHERE f.code = %s AND u.username = %s",
            [FACILITY_CODE, CLERK],
        ).fetchone()
        if row is None:
            raise SystemExit("the demo network is missing: run without --skip-load")
        facility_id, clerk_id = row
        department_ids = [
            d
            for (d,) in conn.execute(
                "SELECT id FROM network_department WHERE facility_id = %s AND is_active "
                "ORDER BY id LIMIT %s",
                [facility_id, departments],
            )
        ]
        if len(department_ids) < departments:
            raise SystemExit(f"the facility has only {len(department_ids)} departments")
        with conn.transaction():
            old = [
                s
                for (s,) in conn.execute(
                    "SELECT id FROM scheduling_slot WHERE department_id = ANY(%s) AND day = %s",
                    [department_ids, day],
                )
            ]
            _bookings_delete(conn, old)
            conn.execute("DELETE FROM scheduling_slotquota WHERE slot_id = ANY(%s)", [old])
            conn.execute("DELETE FROM scheduling_slot WHERE id = ANY(%s)", [old])
            created: dict[int, list[int]] = {}
            nine = datetime.combine(day, datetime.min.time(), tzinfo=ZONE) + timedelta(hours=9)
            for department in department_ids:
                created[department] = []
                for index in range(slots):
                    starts = nine + timedelta(minutes=10 * index)
                    (slot_id,) = conn.execute(  # type: ignore[misc]
                        "INSERT INTO scheduling_slot (facility_id, department_id, starts_at, "
                        "ends_at, day, is_blocked) VALUES (%s, %s, %s, %s, %s, false) "
                        "RETURNING id",
                        [facility_id, department, starts, starts + timedelta(minutes=10), day],
                    ).fetchone()
                    created[department].append(slot_id)
                    conn.execute(
                        "INSERT INTO scheduling_slotquota (slot_id, channel, capacity, booked, "
                        "is_open) VALUES (%s, 'online', 0, 0, true), (%s, 'counter', 1, 0, true)",
                        [slot_id, slot_id],
                    )
        patients = conn.execute("SELECT id, uhid FROM patients_patient ORDER BY id").fetchall()
    return Setup(facility_id, clerk_id, department_ids, day, created, patients)


def _bookings_delete(conn: psycopg.Connection, slot_ids: Sequence[int]) -> int:
    conn.execute(
        "DELETE FROM scheduling_appointmentevent WHERE appointment_id IN "
        "(SELECT id FROM scheduling_appointment WHERE slot_id = ANY(%s))",
        [list(slot_ids)],
    )
    deleted = conn.execute(
        "DELETE FROM scheduling_appointment WHERE slot_id = ANY(%s)", [list(slot_ids)]
    ).rowcount
    conn.execute("DELETE FROM core_idempotencykey WHERE key LIKE %s", [KEY_PREFIX + "%"])
    return deleted


def quotas_reset(url: str, setup: Setup, *, online_places: int) -> None:
    """Forget every benchmark booking and give each slot `online_places` free online places."""
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.transaction():
            _bookings_delete(conn, setup.slot_ids)
            conn.execute(
                "UPDATE scheduling_slotquota SET booked = 0, is_open = true, capacity = "
                "CASE channel WHEN 'online' THEN %s ELSE 1 END WHERE slot_id = ANY(%s)",
                [online_places, setup.slot_ids],
            )
        conn.execute("VACUUM (ANALYZE) scheduling_appointment")
        conn.execute("VACUUM (ANALYZE) scheduling_slotquota")


def overbooking_check(url: str, setup: Setup) -> dict[str, int]:
    """What must be 0 after a phase, and the active bookings there are."""
    with psycopg.connect(url, autocommit=True) as conn:

        def one(query: str) -> int:
            row = conn.execute(query, [setup.slot_ids]).fetchone()
            return int(row[0]) if row else 0

        return {
            "quotas over capacity": one(
                "SELECT count(*) FROM scheduling_slotquota "
                "WHERE slot_id = ANY(%s) AND booked > capacity"
            ),
            "quotas whose booked differs from their bookings": one(
                "SELECT count(*) FROM scheduling_slotquota q LEFT JOIN (SELECT quota_id, "
                "count(*) AS n FROM scheduling_appointment WHERE status IN ('booked', "
                "'arrived') GROUP BY quota_id) a ON a.quota_id = q.id "
                "WHERE q.slot_id = ANY(%s) AND coalesce(a.n, 0) <> q.booked"
            ),
            "patients booked twice in a department": one(
                "SELECT count(*) FROM (SELECT 1 FROM scheduling_appointment "
                "WHERE slot_id = ANY(%s) AND status IN ('booked', 'arrived') "
                "GROUP BY patient_id, department_id, day HAVING count(*) > 1) d"
            ),
            "bookings": one(
                "SELECT count(*) FROM scheduling_appointment "
                "WHERE slot_id = ANY(%s) AND status = 'booked'"
            ),
        }


def booking_plan(setup: Setup, count: int, rng: random.Random) -> list[tuple[int, int, int]]:
    """`count` bookings (patient index, department index, slot id): random patients and slots,
    no patient twice in one department (the API would answer already_booked) until every
    (patient, department) pair is used."""
    order = list(range(len(setup.patients)))
    rng.shuffle(order)
    departments = len(setup.departments)
    plan = []
    for index in range(count):
        department = index % departments
        slot = rng.choice(setup.slots[setup.departments[department]])
        plan.append((order[(index // departments) % len(order)], department, slot))
    return plan


def server_drain(url: str, setup: Setup, *, timeout: float = 60.0) -> None:
    """Wait until the requests wrk left in flight have finished (no other busy session on the
    database, the bookings count steady), so a reset or a check never races them."""
    deadline = time.monotonic() + timeout
    last = -1
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            busy, booked = conn.execute(  # type: ignore[misc]
                "SELECT (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state NOT IN ('idle')), (SELECT count(*) FROM "
                "scheduling_appointment WHERE slot_id = ANY(%s))",
                [setup.slot_ids],
            ).fetchone()
            if busy == 0 and booked == last:
                return
            last = booked
            time.sleep(0.5)
    log("  (the server was still busy after a minute)")


# --- HTTP --------------------------------------------------------------------------------------


@dataclass
class WrkResult:
    label: str
    connections: int
    data: dict[str, Any]
    check: dict[str, int] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return float(self.data["duration_us"]) / 1e6

    def per_second(self, name: str) -> float:
        return float(self.data[name]) / self.seconds

    @property
    def booked(self) -> int:
        return int(self.data["n201"] - self.data["nreplayed"])

    def pct(self, name: str) -> float:
        return float(self.data[f"{name}_us"]) / 1000

    @property
    def errors(self) -> int:
        d = self.data
        sockets = d["connect_errors"] + d["read_errors"] + d["write_errors"] + d["timeouts"]
        return int(sockets + d["nother"])


def wrk_bookings(
    label: str,
    port: int,
    setup: Setup,
    *,
    secret: str,
    connections: int,
    seconds: float,
    lines: int,
    work: Path,
    rng: random.Random,
) -> WrkResult:
    run = secrets.token_hex(4)
    rows = []
    for number, (patient, _department, slot) in enumerate(booking_plan(setup, lines, rng)):
        body = json.dumps(
            {"slot": slot, "patient": setup.patients[patient][1], "channel": "online"}
        )
        rows.append(f"{KEY_PREFIX}{run}-{number}\t{body}")
    requests_file = work / f"wrk-{label}.tsv"
    requests_file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{int(seconds)}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA),
        "-H",
        f"Authorization: Bearer {secret}",
        "-H",
        "Content-Type: application/json",
        f"http://127.0.0.1:{port}/",
        "--",
        str(requests_file),
        "1",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    result = WrkResult(label, connections, json.loads(line[len("RESULT ") :]))
    log(
        f"  {label}: {result.per_second('requests'):,.0f} requests/s, "
        f"{result.booked / result.seconds:,.0f} bookings/s, "
        f"{result.per_second('nfull'):,.0f} slot_full/s, other 409 {result.data['nconflict']}, "
        f"p50 {ms(result.pct('p50'))} p99 {ms(result.pct('p99'))} ms, errors {result.errors}"
    )
    return result


# --- the raw-SQL baseline ----------------------------------------------------------------------

TAKE_PLACE = (
    "UPDATE scheduling_slotquota SET booked = booked + 1 WHERE slot_id = %s AND "
    "channel = 'online' AND booked < capacity AND is_open RETURNING id"
)
INSERT_APPOINTMENT = (
    "INSERT INTO scheduling_appointment (reference, slot_id, quota_id, patient_id, "
    "department_id, day, status, booked_by_id, booked_at, cancel_reason, overbook_reason) "
    "VALUES (%s, %s, %s, %s, %s, %s, 'booked', %s, now(), '', '')"
)
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass
class RawResult:
    label: str
    connections: int
    seconds: float
    booked: int
    refused: int
    duplicate: int
    timings: Timings

    @property
    def rate(self) -> float:
        return (self.booked + self.refused) / self.seconds


def _raw_worker(
    url: str,
    plan: list[tuple[int, int, int, int]],  # (patient id, department, slot, day ordinal)
    clerk: int,
    stop_at: float,
    start_at: float,
    out: Any,
) -> None:
    booked = refused = duplicate = 0
    samples: list[int] = []
    rng = random.Random()
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.cursor()
        while time.time() < start_at:
            time.sleep(0.005)
        position = 0
        while time.time() < stop_at:
            patient, department, slot, day = plan[position % len(plan)]
            position += 1
            reference = "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(8))
            begin = time.perf_counter_ns()
            try:
                with conn.transaction():
                    cur.execute(TAKE_PLACE, [slot], prepare=True)
                    row = cur.fetchone()
                    if row is not None:
                        cur.execute(
                            INSERT_APPOINTMENT,
                            [
                                reference,
                                slot,
                                row[0],
                                patient,
                                department,
                                date.fromordinal(day),
                                clerk,
                            ],
                            prepare=True,
                        )
                if row is None:
                    refused += 1
                else:
                    booked += 1
                samples.append(time.perf_counter_ns() - begin)
            except psycopg.errors.UniqueViolation:
                duplicate += 1  # every (patient, department) pair used: the unique index refuses
    out.put((booked, refused, duplicate, samples))


def raw_bookings(
    url: str, setup: Setup, label: str, *, connections: int, seconds: float, rng: random.Random
) -> RawResult:
    """`connections` worker processes running the booking transaction as bare SQL."""
    plan = [
        (setup.patients[p][0], setup.departments[d], slot, setup.day.toordinal())
        for p, d, slot in booking_plan(setup, len(setup.patients) * len(setup.departments), rng)
    ]
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start_at = time.time() + 1.0
    stop_at = start_at + seconds
    workers = [
        context.Process(
            target=_raw_worker,
            args=(url, plan[n::connections], setup.clerk_id, stop_at, start_at, queue),
        )
        for n in range(connections)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    booked = sum(r[0] for r in results)
    refused = sum(r[1] for r in results)
    duplicate = sum(r[2] for r in results)
    samples = [s for r in results for s in r[3]]
    result = RawResult(
        label, connections, seconds, booked, refused, duplicate, Timings(label, samples)
    )
    log(
        f"  {label}: {result.rate:,.0f}/s (booked {booked:,}, refused {refused:,}), "
        f"p50 {ms(result.timings.p50)} p99 {ms(result.timings.p99)} ms"
    )
    return result


# --- the run -----------------------------------------------------------------------------------


def arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--skip-load", action="store_true", help="reuse the loaded database")
    parser.add_argument("--patients", type=int, default=50_000)
    parser.add_argument("--departments", type=int, default=4)
    parser.add_argument("--slots", type=int, default=36, help="slots per department")
    parser.add_argument("--places", type=int, default=3, help="online places per slot (rush)")
    parser.add_argument(
        "--clients", default="64,256", help="concurrent clients, comma-separated levels"
    )
    parser.add_argument("--duration", type=float, default=30, help="seconds per wrk phase")
    parser.add_argument(
        "--raw-connections",
        type=int,
        default=32,
        help="at most this many baseline connections (max_connections is about 100)",
    )
    parser.add_argument("--raw-duration", type=float, default=15, help="seconds per baseline")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/15",
        help="the app's cache and Celery broker, as in production ('' for neither)",
    )
    parser.add_argument("--output", help="report path (default benchmarks/results/...)")
    return parser.parse_args(argv)


@dataclass
class Level:
    clients: int
    phases: list[WrkResult] = field(default_factory=list)
    raw_book: RawResult | None = None
    raw_refuse: RawResult | None = None


def redis_queue_forget(url: str) -> int:
    """Drop the Celery queue the run filled (no worker consumes the benchmark's Redis db)."""
    if not url:
        return 0
    import redis

    client = redis.Redis.from_url(url)
    length = int(client.llen("celery"))  # type: ignore[arg-type]
    client.delete("celery")
    return length


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(argv)
    command = "python -m benchmarks.booking_http " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (apt-get install wrk)")
    levels = [int(c) for c in args.clients.split(",") if c.strip()]
    url: str = args.database_url
    run_started = time.perf_counter()
    rng = random.Random(20261203)
    load_seconds = 0.0
    if not args.skip_load or not database_exists(url):
        log(f"creating {database_name(url)} ...")
        begin = time.perf_counter()
        database_recreate(url)
        migrate(url)
        seed_demo_network(url)
        load_patients(url, args.patients, log=log)
        load_seconds = time.perf_counter() - begin
    else:
        log(f"migrating {database_name(url)} ...")
        migrate(url)
    day = datetime.now(ZONE).date() + timedelta(days=1)
    setup = slots_create(url, departments=args.departments, slots=args.slots, day=day)
    setup.load_seconds = load_seconds
    log(
        f"  {len(setup.patients):,} patients, {len(setup.slot_ids)} slots on {day} in departments "
        f"{setup.departments}"
    )
    redis_url = args.redis_url if redis_reachable(args.redis_url) else ""
    work = Path(tempfile.mkdtemp(prefix="hims-bench-booking-"))
    settings = ServerSettings(args.workers, args.threads, redis_url, work)
    static_collect(url, settings)
    prefix, secret = api_token(url, settings)
    with psycopg.connect(url, autocommit=True) as conn:
        machine = machine_info(conn)
    load_before = os.getloadavg()
    results: list[Level] = []
    lines = max(2_000, int(args.duration * 3_000))  # more than 3,000/s would wrap (counted)
    with served(url, settings) as port:
        quotas_reset(url, setup, online_places=AMPLE_PLACES)
        wrk_bookings(  # warm up: workers' imports, connections, prepared plans
            "warm-up",
            port,
            setup,
            secret=secret,
            connections=16,
            seconds=3,
            lines=5_000,
            work=work,
            rng=rng,
        )
        server_drain(url, setup)
        for clients in levels:
            level = Level(clients)
            log(f"{clients} clients:")
            for phase, places in (
                ("rush", args.places),
                ("bookings", AMPLE_PLACES),
                ("refusals", 0),
            ):
                quotas_reset(url, setup, online_places=places)
                result = wrk_bookings(
                    f"{phase}-{clients}",
                    port,
                    setup,
                    secret=secret,
                    connections=clients,
                    seconds=args.duration,
                    lines=lines,
                    work=work,
                    rng=rng,
                )
                server_drain(url, setup)
                result.check = overbooking_check(url, setup)
                log(f"    check: {result.check}")
                level.phases.append(result)
            results.append(level)
    load_after = os.getloadavg()
    log("raw SQL baseline:")
    for level in results:
        connections = min(level.clients, args.raw_connections)
        quotas_reset(url, setup, online_places=AMPLE_PLACES)
        level.raw_book = raw_bookings(
            url,
            setup,
            f"raw bookings, {connections} connections",
            connections=connections,
            seconds=args.raw_duration,
            rng=rng,
        )
        quotas_reset(url, setup, online_places=0)
        level.raw_refuse = raw_bookings(
            url,
            setup,
            f"raw refusals, {connections} connections",
            connections=connections,
            seconds=args.raw_duration,
            rng=rng,
        )
    raw_check = overbooking_check(url, setup)
    quotas_reset(url, setup, online_places=args.places)
    queued = redis_queue_forget(redis_url)
    subprocess.run(
        [str(PYTHON), "manage.py", "api_token", "revoke", prefix],
        cwd=ROOT,
        env=server_env(url, settings),
        check=True,
        capture_output=True,
    )
    shutil.rmtree(work, ignore_errors=True)
    total = time.perf_counter() - run_started
    report = booking_report(
        args=args,
        command=command,
        setup=setup,
        settings=settings,
        machine=machine,
        levels=results,
        raw_check=raw_check,
        total=total,
        load=(load_before, load_after),
        queued=queued,
    )
    today = date.today().isoformat()
    output = args.output or str(RESULTS_DIR / f"booking_http-{today}.md")
    RESULTS_DIR.mkdir(exist_ok=True)
    Path(output).write_text(report)
    print(report)
    log(f"\nwritten to {output}")
    return 0


def _check_cell(check: dict[str, int]) -> str:
    bad = sum(v for k, v in check.items() if k != "bookings")
    return "0" if bad == 0 else "**" + ", ".join(f"{k}: {v}" for k, v in check.items()) + "**"


def booking_report(
    *,
    args: argparse.Namespace,
    command: str,
    setup: Setup,
    settings: ServerSettings,
    machine: dict[str, str],
    levels: list[Level],
    raw_check: dict[str, int],
    total: float,
    load: tuple[tuple[float, float, float], tuple[float, float, float]],
    queued: int,
) -> str:
    before, after = load
    today = date.today().isoformat()
    lines = [
        f"# The booking rush over HTTP ({today})",
        "",
        f"Command: `{command.strip()}` (from the project root, venv Python), code at "
        f"{git_revision()}. Run took {total / 60:.1f} min"
        + (
            f" (of which {setup.load_seconds:.0f} s creating the database)"
            if setup.load_seconds
            else ""
        )
        + f". Load average {before[0]:.2f} / {before[1]:.2f} / {before[2]:.2f} (1/5/15 min) when "
        f"measuring began, {after[0]:.2f} / {after[1]:.2f} / {after[2]:.2f} after the HTTP phases.",
        "",
        f"Server: {settings.describe()}; Celery broker "
        + (
            "Redis (each booking's SMS queued, never sent: no worker)"
            if settings.redis_url
            else "none reachable: tasks run eagerly (the SMS goes to the file backend in the request)"
        )
        + f". Load from wrk (one thread) on the same machine. Database `{database_name(args.database_url)}`: "
        f"{len(setup.patients):,} patients, {len(setup.departments)} departments x "
        f"{args.slots} slots on {setup.day} (Lok Nayak Hospital), booked by {CLERK} with an API "
        "token, channel online, each request its own Idempotency-Key.",
        "",
        "Phases (quotas reset before each): **rush**: "
        f"{args.places} online places a slot ({args.places * len(setup.slot_ids)} in all), so "
        "they go in the first second and the rest are refusals; **bookings**: more places than "
        "the run takes (nearly every answer a 201); **refusals**: no free online place (every "
        "answer a 409 slot_full). Latencies are wrk's over all answers of the phase.",
        "",
        "## Machine",
        "",
        markdown_table(["", ""], machine.items()),
        "",
        "## Over HTTP",
        "",
    ]
    rows = []
    for level in levels:
        for r in level.phases:
            rows.append(
                [
                    r.label,
                    f"{r.per_second('requests'):,.0f}",
                    f"{r.booked / r.seconds:,.0f} ({r.booked:,})",
                    f"{r.per_second('nfull'):,.0f}",
                    f"{r.data['nconflict']:,}",
                    ms(r.pct("p50")),
                    ms(r.pct("p95")),
                    ms(r.pct("p99")),
                    ms(r.pct("max")),
                    str(r.errors),
                    str(r.data["wraps"]),
                    _check_cell(r.check),
                    f"{r.check.get('bookings', 0):,}",
                ]
            )
    lines += [
        markdown_table(
            [
                "phase-clients",
                "answers/s",
                "bookings/s (201s)",
                "slot_full/s",
                "other 409",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "max ms",
                "errors",
                "wraps",
                "overbooking",
                "bookings in DB",
            ],
            rows,
        ),
        "",
        "Errors: socket errors, timeouts and answers other than 201 and 409. Overbooking: quotas "
        "with booked > capacity, quotas whose booked differs from their active appointments, "
        "patients booked twice in a department that day (0 is the only good answer). Bookings in "
        "DB may exceed the 201s by the requests wrk left in flight when it stopped.",
        "",
        "## Raw SQL baseline",
        "",
        "Bare psycopg in worker processes (prepared statements, one connection each, at most "
        f"{args.raw_connections}: the server allows about 100), {args.raw_duration:.0f} s each: "
        "BEGIN; conditional UPDATE ... RETURNING; INSERT appointment; COMMIT. Refusals: the same "
        f"UPDATE matching no row. Checked afterwards: {_check_cell(raw_check)} overbooking.",
        "",
    ]
    raw_rows = []
    for level in levels:
        for raw in (level.raw_book, level.raw_refuse):
            if raw is None:
                continue
            raw_rows.append(
                [
                    raw.label,
                    f"{raw.rate:,.0f}",
                    f"{raw.booked:,}",
                    f"{raw.refused:,}",
                    f"{raw.duplicate:,}",
                    ms(raw.timings.p50),
                    ms(raw.timings.p95),
                    ms(raw.timings.p99),
                ]
            )
    lines += [
        markdown_table(
            [
                "baseline",
                "transactions/s",
                "booked",
                "refused",
                "unique violations",
                "p50 ms",
                "p95 ms",
                "p99 ms",
            ],
            raw_rows,
        ),
        "",
        "## Against the targets (DESIGN.md section 9)",
        "",
    ]
    target_rows = []
    for level in levels:
        phases = {r.label.split("-")[0]: r for r in level.phases}
        bookings, refusals = phases["bookings"], phases["refusals"]
        booking_rate = bookings.booked / bookings.seconds
        refusal_rate = refusals.per_second("nfull")
        raw_rate = level.raw_book.booked / level.raw_book.seconds if level.raw_book else 0.0
        share = booking_rate / raw_rate if raw_rate else 0.0
        speedup = refusal_rate / booking_rate if booking_rate else 0.0
        worst_p99 = max(r.pct("p99") for r in level.phases)
        clean = all(_check_cell(r.check) == "0" for r in level.phases)
        target_rows.append(
            [
                str(level.clients),
                f"{booking_rate:,.0f} / {raw_rate:,.0f} = {share:.2f}"
                + (" (ok)" if share >= RAW_SHARE_TARGET else " (below 0.25)"),
                f"{speedup:.1f}x"
                + (" (ok)" if speedup >= REFUSAL_SPEEDUP_TARGET else " (below 3x)"),
                ms(worst_p99) + (" (ok)" if worst_p99 < P99_TARGET_MS else " (over 100)"),
                "0 (ok)" if clean else "**overbooked**",
            ]
        )
    lines += [
        markdown_table(
            [
                "clients",
                "app / raw bookings per s (target >= 0.25)",
                "refusals vs bookings per s (target >= 3x)",
                "worst p99 ms (target < 100)",
                "overbooking",
            ],
            target_rows,
        ),
        "",
        "The targets are stated for 64 clients; other levels are shown for the trend. "
        f"Celery messages dropped from the benchmark's Redis queue at the end: {queued:,}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
