"""Patient index at scale, in the database: bulk load, exact lookups, fuzzy search, duplicates.

Run from the project root (PostgreSQL on 127.0.0.1, the default 1 crore patients):

    .venv/bin/python -m benchmarks.patients_db
    .venv/bin/python -m benchmarks.patients_db --patients 200000 \
        --database-url postgresql://postgres@127.0.0.1:5432/hims_bench_small  # a quick run
    .venv/bin/python -m benchmarks.patients_db --skip-load            # reuse the loaded database

It (re)creates the database `hims_bench` (`--database-url`), runs the project's migrations into
it, bulk-loads synthetic patients with COPY (benchmarks/patient_data.py), fills the distinct
name-key table and measures, on one connection each, after a warm-up:

- exact lookup by ABHA number, UHID and mobile: the app path (patient_queryset_for_query, the
  real ORM, ordered and limited as the search page does) and bare prepared SQL;
- fuzzy name search, Latin and Devanagari, misspelt: the app path (patient_queryset_for_query:
  name_keys_like on the distinct-key table, then patients by exact key; 200 rows fetched and
  the best 50 kept, as patient_search does) against (a) the naive plan, one trigram GIN index
  on patients.name_key (created in the benchmark database only, dropped at the end unless
  --keep-naive-index) and (b) the distinct-key plan as one prepared SQL statement;
- duplicate-candidate scoring for one registration (matching.candidate_list) against its reads
  as one prepared SQL statement.

Results: a markdown report printed and written to benchmarks/results/patients_db-<date>.md.
The database is kept (HTTP benchmarks reuse it); nothing runs against it after the script ends.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import psycopg
from psycopg.rows import dict_row

from benchmarks.common import (
    DEFAULT_SERVER_URL,
    RESULTS_DIR,
    Timings,
    database_exists,
    database_name,
    database_recreate,
    django_setup,
    git_revision,
    human_bytes,
    machine_info,
    markdown_table,
    measure,
    migrate,
    ms,
    seed_demo_network,
)
from benchmarks.patient_data import (
    OWN_MOBILE_OFFSET,
    LoadStats,
    load_patients,
    mobile_for_id,
    typo,
)
from hims.lib.phonetic import name_key

DEFAULT_URL = f"{DEFAULT_SERVER_URL}/hims_bench"
DEFAULT_PATIENTS = 10_000_000
NAIVE_INDEX = "bench_naive_patient_name_key_trgm"

LATIN_QUERIES = ("Ramesh Kumaar", "Sunita Devee", "Mohd Farooq")
DEVANAGARI_QUERIES = ("रमेश कुमार", "सुनीता देवी")

# --- raw SQL: the baselines ------------------------------------------------------------------

EXACT_SQL = {
    "uhid": "SELECT * FROM patients_patient WHERE uhid = %s",
    "abha_number": "SELECT * FROM patients_patient WHERE abha_number = %s",
    "mobile": "SELECT * FROM patients_patient WHERE mobile = %s",
}
# (a) the naive plan: trigram similarity over every patient, best 50.
NAIVE_SQL = (
    "SELECT * FROM patients_patient WHERE name_key %% %(key)s "
    "ORDER BY similarity(name_key, %(key)s) DESC LIMIT 50"
)
# (b) the distinct-key plan, as the app runs it but in one statement.
SIMILAR_KEYS = (
    "SELECT key FROM patients_patientnamekey WHERE %(key)s <%% key "
    "ORDER BY word_similarity(%(key)s, key) DESC, similarity(%(key)s, key) DESC, key LIMIT 40"
)
# The keys go in as an array, as the ORM sends its IN list, so the plan is the app's (an index
# scan over the keys in order); the app's extra word-by-word filter in Python is left out.
DISTINCT_SQL = (
    "SELECT * FROM patients_patient WHERE merged_into_id IS NULL "
    f"AND name_key = ANY(ARRAY({SIMILAR_KEYS}) || %(key)s::varchar) LIMIT 200"
)
CANDIDATE_SQL = (
    "(SELECT * FROM patients_patient WHERE merged_into_id IS NULL AND abha_number = %(abha)s "
    "LIMIT 5) UNION ALL "
    "(SELECT * FROM patients_patient WHERE merged_into_id IS NULL AND mobile = %(mobile)s "
    "LIMIT 30) UNION ALL "
    "(SELECT * FROM patients_patient WHERE merged_into_id IS NULL "
    f"AND name_key = ANY(ARRAY({SIMILAR_KEYS}) || %(key)s::varchar) "
    "AND birth_date >= %(born_from)s AND birth_date <= %(born_to)s AND gender = %(gender)s "
    "LIMIT 100)"
)


def log(message: str) -> None:
    print(message, flush=True)


# --- samples ---------------------------------------------------------------------------------


@dataclass
class Sample:
    id: int
    uhid: str
    abha_number: str | None
    mobile: str
    name: str
    name_hi: str
    gender: str
    birth_date: date
    pincode: str


def samples_pick(
    conn: psycopg.Connection, patients: int, count: int, rng: random.Random
) -> list[Sample]:
    ids = rng.sample(range(1, patients + 1), min(patients, count))
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            "SELECT id, uhid, abha_number, mobile, name, name_hi, gender, birth_date, pincode "
            "FROM patients_patient WHERE id = ANY(%s)",
            [ids],
        )
        rows = [Sample(**row) for row in cur.fetchall()]
    rng.shuffle(rows)
    return rows


_MATRA_SWAPS = (("ी", "ि"), ("ि", "ी"), ("ू", "ु"), ("ु", "ू"), ("ं", "न्"), ("ा", ""))


def devanagari_misspelt(text: str, rng: random.Random) -> str:
    """A common Hindi spelling slip: long/short vowel sign swapped, anusvara written out."""
    options = [(a, b) for a, b in _MATRA_SWAPS if a in text]
    if not options:
        return text
    source, target = rng.choice(options)
    return text.replace(source, target, 1)


# --- the app paths (real ORM) ----------------------------------------------------------------


def orm_search(text: str) -> list:
    """What the staff search page runs (patient_search without the access-log write)."""
    from hims.patients.selectors import (
        SEARCH_LIMIT,
        PatientQuery,
        _name_results,
        patient_queryset_for_query,
    )

    kind, patients = patient_queryset_for_query(PatientQuery(text=text))
    if kind == "name":
        return _name_results(patients, key=name_key(text), limit=SEARCH_LIMIT)
    return list(patients.order_by("name", "pk")[:SEARCH_LIMIT])


def registration_for(sample: Sample, index: int, patients: int, rng: random.Random) -> dict:
    """A new registration at the counter: often the same person again, typed a little differently."""
    name = sample.name
    roll = rng.random()
    if roll < 0.3:
        name = typo(name, rng)
    born = sample.birth_date
    if rng.random() < 0.3:
        born = born.replace(year=born.year + rng.choice((-1, 1)), day=min(born.day, 28))
    return {
        "name": name,
        "name_hi": "",
        "gender": sample.gender,
        "birth_date": born,
        "birth_date_is_estimated": False,
        "mobile": sample.mobile
        if rng.random() < 0.5
        else mobile_for_id(OWN_MOBILE_OFFSET + patients + index),
        "abha_number": None,
        "pincode": sample.pincode,
    }


def candidate_params(data: dict) -> dict:
    born: date = data["birth_date"]
    return {
        "abha": data["abha_number"],
        "mobile": data["mobile"],
        "key": name_key(data["name"]),
        "born_from": date(born.year - 2, 1, 1),
        "born_to": date(born.year + 2, 12, 31),
        "gender": data["gender"],
    }


# --- report pieces ---------------------------------------------------------------------------


@dataclass
class Row:
    group: str
    path: str
    timings: Timings
    rows: str = ""

    def cells(self) -> list[str]:
        t = self.timings
        return [self.group, self.path, str(t.count), ms(t.p50), ms(t.p95), ms(t.p99), self.rows]


def relation_sizes(conn: psycopg.Connection) -> tuple[list[tuple[str, str, int]], dict[str, int]]:
    """[(table, index, bytes)] for the patient tables' indexes, and the tables' heap sizes."""
    indexes = conn.execute(
        "SELECT t.relname, c.relname, pg_relation_size(c.oid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
        "WHERE t.relname IN ('patients_patient', 'patients_patientnamekey') "
        "ORDER BY t.relname, pg_relation_size(c.oid) DESC"
    ).fetchall()
    tables = {}
    for table in ("patients_patient", "patients_patientnamekey"):
        heap, total, index = conn.execute(
            "SELECT pg_table_size(%s), pg_total_relation_size(%s), pg_indexes_size(%s)",
            [table, table, table],
        ).fetchone()  # type: ignore[misc]
        tables[table] = heap
        tables[f"{table} indexes"] = index
        tables[f"{table} total"] = total
    return [(t, i, size) for t, i, size in indexes], tables


def explain(conn: psycopg.Connection, query: str, params: dict | Sequence) -> str:
    rows = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}", params).fetchall()
    return "\n".join(row[0] for row in rows)


def verdict(value: float, target: float) -> str:
    if value <= target:
        return f"met ({ms(value)} ms, target < {target:g} ms)"
    return f"**missed** ({ms(value)} ms, {value / target:.1f}x the {target:g} ms target)"


# --- main ------------------------------------------------------------------------------------


def arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--patients", type=int, default=DEFAULT_PATIENTS)
    parser.add_argument("--skip-load", action="store_true", help="reuse a loaded database")
    parser.add_argument("--workers", type=int, default=2, help="row generator processes")
    parser.add_argument("--lookups", type=int, default=2000, help="timed calls per lookup")
    parser.add_argument("--fuzzy-repeats", type=int, default=200, help="per named query")
    parser.add_argument("--fuzzy-random", type=int, default=500, help="random misspelt names")
    parser.add_argument("--naive-budget", type=float, default=60.0, help="seconds per query")
    parser.add_argument("--keep-naive-index", action="store_true")
    parser.add_argument("--output", help="report path (default benchmarks/results/...)")
    return parser.parse_args(argv)


def load_info_save(
    conn: psycopg.Connection, stats: LoadStats, migrate_seconds: float, seed_seconds: float
) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS bench_load_info "
        "(id int PRIMARY KEY, loaded_at timestamptz NOT NULL DEFAULT now(), stats jsonb)"
    )
    payload = {**asdict(stats), "migrate_seconds": migrate_seconds, "seed_seconds": seed_seconds}
    conn.execute(
        "INSERT INTO bench_load_info (id, stats) VALUES (1, %s) "
        "ON CONFLICT (id) DO UPDATE SET stats = EXCLUDED.stats, loaded_at = now()",
        [json.dumps(payload)],
    )


def load_info_read(conn: psycopg.Connection) -> tuple[dict[str, Any], str]:
    row = conn.execute("SELECT stats, loaded_at::text FROM bench_load_info WHERE id = 1").fetchone()
    if row is None:
        raise SystemExit("the database has no completed load; run without --skip-load")
    return row[0], row[1]


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(argv)
    url: str = args.database_url
    run_started = time.perf_counter()
    command = "python -m benchmarks.patients_db " + " ".join(sys.argv[1:] if argv is None else argv)
    if not args.skip_load:
        log(f"recreating {database_name(url)}, migrating, seeding the demo network ...")
        database_recreate(url)
        migrate_seconds = migrate(url)
        seed_seconds = seed_demo_network(url)
        log(f"loading {args.patients:,} patients ({args.workers} generator processes) ...")
        stats = load_patients(url, args.patients, workers=args.workers, log=log)
        seed_seconds += seed_demo_network(url)  # the demo family again (the load emptied it)
        with psycopg.connect(url, autocommit=True) as conn:
            load_info_save(conn, stats, migrate_seconds, seed_seconds)
    elif not database_exists(url):
        raise SystemExit(f"{database_name(url)} does not exist; run without --skip-load")
    else:
        # The app may have gained migrations since the load: measure the schema it has now.
        migrate(url)
    revision = git_revision()
    load_before = os.getloadavg()

    conn = psycopg.connect(url, autocommit=True)
    load, loaded_at = load_info_read(conn)
    patients: int = conn.execute("SELECT count(*) FROM patients_patient").fetchone()[0]  # type: ignore[index]
    if not load["patients"] <= patients <= load["patients"] + 4:  # + the demo family
        raise SystemExit(f"expected {load['patients']:,} patients, found {patients:,}")
    machine = machine_info(conn)
    machine["disk free"] = subprocess.run(
        ["df", "-h", "--output=avail", "/work"], capture_output=True, text=True, check=False
    ).stdout.split()[-1]
    distinct_keys: int = conn.execute("SELECT count(*) FROM patients_patientnamekey").fetchone()[0]  # type: ignore[index]
    log(f"{patients:,} patients, {distinct_keys:,} distinct name keys")

    log("data shape ...")
    shape = conn.execute(
        "SELECT count(*) FILTER (WHERE abha_number IS NOT NULL), "
        "count(*) FILTER (WHERE name_hi <> ''), count(DISTINCT mobile), "
        "count(*) FILTER (WHERE name_key LIKE '%%kumr%%'), "
        "count(*) FILTER (WHERE name_key LIKE '%%devi%%'), "
        "count(*) FILTER (WHERE name_key LIKE '%%sinh%%') FROM patients_patient"
    ).fetchone()
    assert shape is not None
    top_keys = conn.execute(
        "SELECT name_key, count(*) FROM patients_patient GROUP BY 1 ORDER BY 2 DESC LIMIT 8"
    ).fetchall()

    rng = random.Random(7)
    samples = samples_pick(conn, patients, max(args.lookups * 2, 4000), rng)
    with_abha = [s for s in samples if s.abha_number][: args.lookups]
    with_mobile = [s for s in samples if s.mobile][: args.lookups]
    uhids = [s.uhid for s in samples[: args.lookups]]
    abhas = [s.abha_number for s in with_abha]
    mobiles = [s.mobile for s in with_mobile]
    results: list[Row] = []
    cur = conn.cursor()

    def raw(query: str) -> Callable[[object], object]:
        def run(params: object) -> object:
            cur.execute(query, params, prepare=True)  # type: ignore[arg-type]
            return cur.fetchall()

        return run

    # --- exact lookups --------------------------------------------------------------------
    log("exact lookups, raw SQL ...")
    lookups = {"uhid": uhids, "abha_number": abhas, "mobile": mobiles}
    labels = {"uhid": "UHID", "abha_number": "ABHA number", "mobile": "mobile"}
    for field_name, values in lookups.items():
        timings = measure(f"raw {field_name}", raw(EXACT_SQL[field_name]), [[v] for v in values])
        results.append(Row(f"lookup by {labels[field_name]}", "raw SQL (prepared)", timings))

    django_setup(url)
    from django.db import connection as django_connection

    from hims.patients.matching import candidate_list, name_keys_like

    log("exact lookups, app path (ORM) ...")
    found_rows: dict[str, int] = {}
    checked = min(200, args.lookups)
    for field_name, values in lookups.items():
        counts = [len(orm_search(v)) for v in values[:checked]]
        found_rows[field_name] = sum(counts)
        timings = measure(f"orm {field_name}", orm_search, values)
        mean_rows = sum(counts) / len(counts)
        results.append(
            Row(
                f"lookup by {labels[field_name]}",
                "app: patient_queryset_for_query (ORM)",
                timings,
                f"{mean_rows:.2f} rows/lookup",
            )
        )
    assert found_rows["uhid"] == checked and found_rows["abha_number"] == checked

    # --- fuzzy search ---------------------------------------------------------------------
    rng = random.Random(11)
    random_latin = [typo(s.name, rng) for s in samples[: args.fuzzy_random]]
    random_hindi = [devanagari_misspelt(s.name_hi, rng) for s in samples if s.name_hi][
        : args.fuzzy_random
    ]
    named = [*LATIN_QUERIES, *DEVANAGARI_QUERIES]
    fuzzy_sets: list[tuple[str, list[str]]] = [(q, [q] * args.fuzzy_repeats) for q in named]
    fuzzy_sets += [
        (f"{len(random_latin)} random misspelt Latin names", random_latin),
        (f"{len(random_hindi)} random misspelt Devanagari names", random_hindi),
    ]
    log("fuzzy search, app path (ORM) ...")
    quality: list[list[str]] = []
    for label, texts in fuzzy_sets:
        shown = [orm_search(t) for t in texts[:50]]
        empty = sum(1 for s in shown if not s)
        timings = measure(f"orm fuzzy {label}", orm_search, texts, warmup=20)
        note = f"{sum(len(s) for s in shown) / len(shown):.0f} shown"
        if empty:
            note += f", {empty}/{len(shown)} empty"
        results.append(
            Row(f"fuzzy: {label}", "app: distinct keys, then patients (ORM)", timings, note)
        )
        if label in named:
            key = name_key(label)
            exact_total = conn.execute(
                "SELECT count(*) FROM patients_patient WHERE name_key = %s", [key]
            ).fetchone()[0]  # type: ignore[index]
            exact_shown = sum(1 for p in shown[0] if p.name_key == key)
            similar_keys = name_keys_like(key=key)
            longer = sum(1 for k in similar_keys if k != key and k.startswith(key + " "))
            names = ", ".join(sorted({p.name for p in shown[0]})[:6])
            similar_note = f"{len(similar_keys)} ({longer} are the key plus a word)"
            quality.append(
                [
                    label,
                    key,
                    f"{exact_total:,}",
                    str(exact_shown),
                    str(len(shown[0])),
                    similar_note,
                    names,
                ]
            )

    # Does the page put the patients whose key is exactly the query's first, when there are
    # more than 200 candidates (it fetches 200 in index order, then sorts those)?
    shortfall, checked = 0, 0
    for text in random_latin[:100]:
        key = name_key(text)
        exact_total = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM patients_patient WHERE name_key = %s "
            "AND merged_into_id IS NULL LIMIT 50) AS exact",
            [key],
        ).fetchone()[0]  # type: ignore[index]
        if exact_total:
            checked += 1
            shown_exact = sum(1 for p in orm_search(text) if p.name_key == key)
            shortfall += shown_exact < exact_total

    log("fuzzy search, raw SQL: distinct keys (b) ...")
    for label, texts in fuzzy_sets:
        params = [{"key": name_key(t)} for t in texts]
        timings = measure(f"raw distinct {label}", raw(DISTINCT_SQL), params, warmup=20)
        results.append(Row(f"fuzzy: {label}", "raw SQL (b): distinct keys, one statement", timings))

    log("fuzzy search, raw SQL: naive trigram index on patients (a) ...")
    begin = time.perf_counter()
    conn.execute("SET maintenance_work_mem = '2GB'")
    conn.execute(
        f"CREATE INDEX IF NOT EXISTS {NAIVE_INDEX} ON patients_patient "
        "USING gin (name_key gin_trgm_ops)"
    )
    conn.execute("RESET maintenance_work_mem")
    conn.execute("ANALYZE patients_patient")
    naive_build = time.perf_counter() - begin
    naive_size: int = conn.execute("SELECT pg_relation_size(%s)", [NAIVE_INDEX]).fetchone()[0]  # type: ignore[index]
    log(f"  naive index built in {naive_build:.0f} s, {human_bytes(naive_size)}")
    for label, texts in fuzzy_sets:
        params = [{"key": name_key(t)} for t in texts]
        timings = measure(
            f"naive {label}", raw(NAIVE_SQL), params, warmup=1, budget_seconds=args.naive_budget
        )
        results.append(
            Row(f"fuzzy: {label}", "raw SQL (a): naive trigram GIN on patients", timings)
        )
        log(f"  {label}: p50 {ms(timings.p50)} ms over {timings.count}")

    explains: dict[str, str] = {}
    probe = {"key": name_key(LATIN_QUERIES[0])}
    explains["(a) naive trigram GIN on patients, 'Ramesh Kumaar'"] = explain(conn, NAIVE_SQL, probe)
    if not args.keep_naive_index:
        conn.execute(f"DROP INDEX {NAIVE_INDEX}")
        conn.execute("ANALYZE patients_patient")
    explains["name_keys_like (distinct-key table), 'Ramesh Kumaar'"] = explain(
        conn, SIMILAR_KEYS, probe
    )
    explains["(b) distinct keys as one statement, 'Ramesh Kumaar'"] = explain(
        conn, DISTINCT_SQL, probe
    )

    # --- duplicate candidates -------------------------------------------------------------
    log("duplicate candidates ...")
    rng = random.Random(13)
    registrations = [
        registration_for(s, i, patients, rng) for i, s in enumerate(samples[: args.lookups // 2])
    ]
    common = {
        "name": "Ramesh Kumaar",
        "name_hi": "",
        "gender": "male",
        "birth_date": date.today() - timedelta(days=int(41.5 * 365)),
        "birth_date_is_estimated": False,
        "mobile": mobile_for_id(OWN_MOBILE_OFFSET + patients * 2),
        "abha_number": None,
        "pincode": "110002",
    }
    strong = sum(1 for d in registrations[:200] if any(c.is_strong for c in candidate_list(data=d)))
    timings = measure("orm candidates", lambda d: candidate_list(data=d), registrations)
    results.append(
        Row(
            "duplicate candidates: random re-registrations",
            "app: matching.candidate_list (ORM + scoring)",
            timings,
            f"{strong}/200 with a strong candidate",
        )
    )
    timings = measure("orm candidates common", lambda d: candidate_list(data=d), [common] * 200)
    results.append(
        Row(
            "duplicate candidates: new 'Ramesh Kumaar', 41, male",
            "app: matching.candidate_list (ORM + scoring)",
            timings,
            f"{len(candidate_list(data=common))} shown",
        )
    )
    timings = measure(
        "raw candidates", raw(CANDIDATE_SQL), [candidate_params(d) for d in registrations]
    )
    results.append(
        Row(
            "duplicate candidates: random re-registrations",
            "raw SQL: the same reads, one statement",
            timings,
        )
    )
    timings = measure("raw candidates common", raw(CANDIDATE_SQL), [candidate_params(common)] * 200)
    results.append(
        Row(
            "duplicate candidates: new 'Ramesh Kumaar', 41, male",
            "raw SQL: the same reads, one statement",
            timings,
        )
    )

    # EXPLAIN of the app's own statements, as Django sends them.
    from hims.patients.models import Patient
    from hims.patients.selectors import PatientQuery, patient_queryset_for_query

    _kind, qs = patient_queryset_for_query(PatientQuery(text=LATIN_QUERIES[0]))
    explains["app name search (ORM statement), 'Ramesh Kumaar', first 200"] = qs[:200].explain(
        analyze=True, buffers=True
    )
    similar = {probe["key"], *name_keys_like(key=probe["key"])}  # as candidate_list builds it
    born = common["birth_date"]
    by_name = Patient.objects.active().filter(
        name_key__in=similar,
        birth_date__year__gte=born.year - 2,
        birth_date__year__lte=born.year + 2,
        gender="male",
    )
    explains["candidate_list by-name statement (ORM), 'Ramesh Kumaar', 41, male"] = by_name[
        :100
    ].explain(analyze=True, buffers=True)
    mobile_qs = patient_queryset_for_query(PatientQuery(text=mobiles[0]))[1].order_by("name", "pk")
    explains["app mobile lookup (ORM statement)"] = mobile_qs[:50].explain(
        analyze=True, buffers=True
    )
    django_connection.close()

    index_rows, tables = relation_sizes(conn)
    conn.close()
    total_seconds = time.perf_counter() - run_started
    load_after = os.getloadavg()

    # --- report ---------------------------------------------------------------------------
    by_key = {(r.group, r.path): r for r in results}

    def ratio(group: str, slow: str, fast: str) -> str:
        a, b = by_key.get((group, slow)), by_key.get((group, fast))
        if not a or not b:
            return ""
        return f"{a.timings.p50 / b.timings.p50:.1f}x"

    app_fuzzy = "app: distinct keys, then patients (ORM)"
    naive = "raw SQL (a): naive trigram GIN on patients"
    distinct = "raw SQL (b): distinct keys, one statement"
    app_exact = "app: patient_queryset_for_query (ORM)"
    raw_exact = "raw SQL (prepared)"
    targets = []
    for field_name in lookups:
        group = f"lookup by {labels[field_name]}"
        raw_p99 = by_key[(group, raw_exact)].timings.p99
        app_p99 = by_key[(group, app_exact)].timings.p99
        targets.append([group, "p99 < 2 ms in the database: the SQL", verdict(raw_p99, 2), ""])
        extra = f"ORM adds {app_p99 - raw_p99:.2f} ms at p99 over raw SQL"
        targets.append(
            [group, "the same, with the app's Python (ORM) on top", verdict(app_p99, 2), extra]
        )
    for label, _texts in fuzzy_sets:
        group = f"fuzzy: {label}"
        result = verdict(by_key[(group, app_fuzzy)].timings.p95, 50)
        ratios = (
            f"naive/app p50 {ratio(group, naive, app_fuzzy)}, "
            f"naive/(b) p50 {ratio(group, naive, distinct)}"
        )
        targets.append([group, "p95 < 50 ms (app path)", result, ratios])

    load_rows = [
        ["patients", f"{load['patients']:,}"],
        ["migrations", f"{load.get('migrate_seconds', 0):.1f} s"],
        ["demo network seed (no demo patients)", f"{load.get('seed_seconds', 0):.1f} s"],
        [
            f"generate + COPY ... FREEZE ({load['workers']} generator processes)",
            f"{load['generate_copy_seconds']:.0f} s ({load['patients'] / load['generate_copy_seconds']:,.0f} rows/s)",
        ],
        ["recreate indexes and constraints", f"{sum(load['index_seconds'].values()):.0f} s"],
        ["fill distinct name keys", f"{load['name_keys_seconds']:.1f} s"],
        ["VACUUM ANALYZE", f"{load['vacuum_analyze_seconds']:.0f} s"],
        ["total load", f"{load['total_seconds']:.0f} s ({load['total_seconds'] / 60:.1f} min)"],
        ["loaded at", loaded_at],
    ]
    size_rows = [
        ["patients_patient (heap + TOAST)", human_bytes(tables["patients_patient"]), ""],
        ["patients_patient, all indexes", human_bytes(tables["patients_patient indexes"]), ""],
        *[
            [f"  {index}", human_bytes(size), f"{load['index_seconds'].get(index, 0):.0f} s"]
            for table, index, size in index_rows
            if table == "patients_patient"
        ],
        [
            f"  {NAIVE_INDEX} (baseline (a) only, "
            f"{'kept' if args.keep_naive_index else 'dropped after the run'})",
            human_bytes(naive_size),
            f"{naive_build:.0f} s",
        ],
        ["patients_patientnamekey (heap)", human_bytes(tables["patients_patientnamekey"]), ""],
        *[
            [f"  {index}", human_bytes(size), ""]
            for table, index, size in index_rows
            if table == "patients_patientnamekey"
        ],
    ]
    today = date.today().isoformat()
    suffix = "" if load["patients"] == DEFAULT_PATIENTS else f"-{load['patients']}"
    output = args.output or str(RESULTS_DIR / f"patients_db-{today}{suffix}.md")
    lines = [
        f"# Patient index in the database: {patients:,} patients ({today})",
        "",
        f"Command: `{command.strip()}` (from the project root, venv Python), code at "
        f"{revision}. Run took {total_seconds / 60:.1f} min. Load average "
        f"{load_before[0]:.2f} when measuring began, {load_after[0]:.2f} at the end (2 cores: "
        "anything above about 1 means something else was running too).",
        "",
        "## Machine",
        "",
        markdown_table(["", ""], machine.items()),
        "",
        "## Data",
        "",
        markdown_table(
            ["", ""],
            [
                ["patients", f"{patients:,}"],
                ["with ABHA number", f"{shape[0]:,} ({shape[0] / patients:.0%})"],
                ["with Devanagari name", f"{shape[1]:,} ({shape[1] / patients:.0%})"],
                ["distinct mobiles", f"{shape[2]:,} ({patients / shape[2]:.2f} patients each)"],
                ["distinct name keys", f"{distinct_keys:,}"],
                [
                    "keys containing kumr / devi / sinh",
                    f"{shape[3] / patients:.0%} / {shape[4] / patients:.0%} / {shape[5] / patients:.0%} of patients",
                ],
                ["most common keys", ", ".join(f"{k} ({n:,})" for k, n in top_keys)],
            ],
        ),
        "",
        "## Load",
        "",
        markdown_table(["phase", "time"], load_rows),
        "",
        "## Sizes",
        "",
        markdown_table(["relation", "size", "build time"], size_rows),
        "",
        "## Latency (ms, one connection, after a warm-up)",
        "",
        markdown_table(
            ["operation", "path", "n", "p50", "p95", "p99", "notes"], [r.cells() for r in results]
        ),
        "",
        "## Targets",
        "",
        markdown_table(["operation", "target", "result", "baseline"], targets),
        "",
        "## What the name search shows",
        "",
        "The page fetches the first 200 patients whose key is among the similar keys (in the "
        "order the plan yields them: alphabetical by key for an index scan, heap order for a "
        "bitmap scan, so the table below can change with the statistics), then puts exact-key "
        "matches first among those 200. Of "
        f"{checked} random misspelt Latin queries whose exact key exists, {shortfall} showed "
        "fewer exact-key patients than exist (up to 50).",
        "",
        markdown_table(
            [
                "query",
                "key",
                "patients with the exact key",
                "exact-key patients among the 50 shown",
                "shown",
                "similar keys (name_keys_like)",
                "some names shown",
            ],
            quality,
        ),
        "",
        "## Plans",
        "",
    ]
    for title, plan in explains.items():
        lines += [f"### {title}", "", "```", plan, "```", ""]
    report = "\n".join(lines)
    RESULTS_DIR.mkdir(exist_ok=True)
    with open(output, "w") as handle:
        handle.write(report)
    print(report)
    log(f"\nwritten to {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
