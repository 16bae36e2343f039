"""The patient timeline for long histories: 50 and 500 visits across facilities.

Run from the project root (PostgreSQL on 127.0.0.1):

    .venv/bin/python -m benchmarks.timeline               # 50 and 500 visits, 200 runs each
    .venv/bin/python -m benchmarks.timeline --runs 50     # a quicker run

Its own database (`hims_bench_timeline`, recreated): the project's migrations, the demo network
without demo patients (`seed_demo --patients 0`), and two patients whose visits are spread over
five facilities, each visit with two ICD-10 diagnoses, one set of vitals and three medicines
(so 500 visits are 1,000 diagnoses, 500 vitals rows and 1,500 prescription lines).

Measured in-process after a warm-up, on one connection, for each patient:

1. whole history: `timeline_get(limit=None)` + `summary_get`, the selectors behind every
   timeline page, for all the patient's visits (what an export or `$everything` reads);
2. the doctor's page: GET /records/patient/<uhid>/ through the Django test client (sessions,
   the access check, 25 visits rendered, one access-log INSERT for what is shown);
3. FHIR `Patient/<id>/$everything`: the first page (`_count=100`, the maximum) and every page
   walked by its next links (the whole record: visits, conditions, one Observation per vital
   reading, medicines), through the Django test client, each resource one access-log row;
4. the raw-SQL baseline: the whole history as one prepared statement with `json_agg` (visits
   joined to facility, department and doctor; diagnoses, last vitals and medicines nested).

Query counts are counted on separate runs (counting slows the timed ones), and the doctor's
page's queries are split by the table each one reads or writes first. The report is printed and
written to benchmarks/results/timeline-<date>.md, or to `--report PATH` (a trial run that is not
to be kept: `--report /tmp/timeline.md`).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg

from benchmarks.common import (
    DEFAULT_SERVER_URL,
    RESULTS_DIR,
    Timings,
    database_recreate,
    django_setup,
    git_revision,
    machine_info,
    markdown_table,
    measure,
    migrate,
    ms,
    seed_demo_network,
)

SIZES = (50, 500)

RAW_HISTORY = """
SELECT json_agg(v ORDER BY v.started_at DESC, v.id DESC) FROM (
  SELECT e.id, e.started_at, e.status, e.chief_complaint, e.advice,
         f.name AS facility, d.id AS department_id, u.first_name AS doctor,
         (SELECT json_agg(json_build_object('code', c.code, 'title', c.title, 'kind', dg.kind)
                          ORDER BY dg.kind, dg.id)
            FROM clinical_diagnosis dg JOIN clinical_icd10code c ON c.id = dg.code_id
           WHERE dg.encounter_id = e.id) AS diagnoses,
         (SELECT row_to_json(vs) FROM clinical_vitalsigns vs
           WHERE vs.encounter_id = e.id ORDER BY vs.recorded_at DESC, vs.id DESC LIMIT 1) AS vitals,
         (SELECT json_agg(json_build_object('salt', m.salt, 'strength', m.strength,
                                            'frequency', p.frequency, 'days', p.duration_days)
                          ORDER BY p.id)
            FROM clinical_prescriptionitem p JOIN clinical_medicine m ON m.id = p.medicine_id
           WHERE p.encounter_id = e.id) AS medicines
    FROM clinical_encounter e
    JOIN network_facility f ON f.id = e.facility_id
    LEFT JOIN network_department d ON d.id = e.department_id
    JOIN accounts_user u ON u.id = e.practitioner_id
   WHERE e.patient_id = %s
) v
"""


def _load(visits: int, patient_index: int) -> Any:
    """One patient with `visits` closed visits over five facilities (ORM bulk inserts)."""
    from django.utils import timezone

    from hims.accounts.choices import Role
    from hims.accounts.models import Membership
    from hims.clinical.choices import EncounterStatus
    from hims.clinical.models import (
        Diagnosis,
        Encounter,
        Icd10Code,
        Medicine,
        PrescriptionItem,
        VitalSigns,
    )
    from hims.lib.identifiers import uhid_from_serial
    from hims.network.models import Facility
    from hims.patients.models import Patient

    rng = random.Random(visits)
    doctors = list(
        Membership.objects.filter(role=Role.DOCTOR, facility__isnull=False)
        .select_related("user", "facility")
        .order_by("facility_id")[:5]
    )
    codes = list(Icd10Code.objects.all())
    medicines = list(Medicine.objects.all())
    patient = Patient.objects.create(
        uhid=uhid_from_serial(900_000_000 + patient_index),
        name=f"Timeline Patient {visits}",
        gender="female",
        birth_date=date(1960, 1, 1),
        mobile=f"98{visits:08d}",
        registered_at=Facility.objects.order_by("pk").first(),
    )
    now = timezone.now()
    encounters = Encounter.objects.bulk_create(
        Encounter(
            patient=patient,
            facility=doctors[i % len(doctors)].facility,
            practitioner=doctors[i % len(doctors)].user,
            started_at=now - timedelta(days=7 * (visits - i)),
            chief_complaint="fever and cough for three days",
            advice="plenty of fluids; review after a week",
        )
        for i in range(visits)
    )
    diagnoses, vitals, items = [], [], []
    for encounter in encounters:
        for kind, code in zip(("primary", "secondary"), rng.sample(codes, 2), strict=True):
            diagnoses.append(
                Diagnosis(
                    encounter=encounter,
                    code=code,
                    kind=kind,
                    recorded_by=encounter.practitioner,
                    recorded_at=encounter.started_at,
                )
            )
        vitals.append(
            VitalSigns(
                encounter=encounter,
                recorded_by=encounter.practitioner,
                recorded_at=encounter.started_at,
                systolic_mmhg=rng.randint(100, 170),
                diastolic_mmhg=rng.randint(60, 100),
                pulse_per_min=rng.randint(60, 110),
                weight_kg=Decimal("61.5"),
                height_cm=Decimal(158),
            )
        )
        for medicine in rng.sample(medicines, 3):
            items.append(
                PrescriptionItem(
                    encounter=encounter,
                    medicine=medicine,
                    dose=Decimal(1),
                    frequency="bd",
                    duration_days=rng.choice((5, 7, 30)),
                    prescribed_by=encounter.practitioner,
                    prescribed_at=encounter.started_at,
                )
            )
    Diagnosis.objects.bulk_create(diagnoses)
    VitalSigns.objects.bulk_create(vitals)
    PrescriptionItem.objects.bulk_create(items)
    Encounter.objects.filter(patient=patient).update(status=EncounterStatus.CLOSED, closed_at=now)
    return patient, doctors[0]


def _captured_sql(operation: Any) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        operation()
    return [query["sql"] for query in captured.captured_queries]


def _count_queries(operation: Any) -> int:
    return len(_captured_sql(operation))


FIRST_TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)


def _by_table(statements: list[str]) -> str:
    """How many statements name each table first ("other" for BEGIN, COMMIT and the like)."""
    tables = Counter(
        match.group(1) if (match := FIRST_TABLE.search(sql)) else "other" for sql in statements
    )
    return ", ".join(f"{table} {count}" for table, count in tables.most_common())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=f"{DEFAULT_SERVER_URL}/hims_bench_timeline", help="recreated"
    )
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument(
        "--report", type=Path, help="where to write the report (default: benchmarks/results/)"
    )
    args = parser.parse_args()

    database_recreate(args.database_url)
    migrate(args.database_url)
    seed_demo_network(args.database_url)
    django_setup(args.database_url)
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # hashed names, as production

    from django.test import Client

    from hims.core.choices import AccessBasis
    from hims.records.access import RecordAccess
    from hims.records.timeline import summary_get, timeline_get

    rows: list[list[object]] = []
    page_split: list[str] = []
    raw = psycopg.connect(args.database_url.replace("postgres://", "postgresql://"))
    for index, visits in enumerate(SIZES):
        started = time.perf_counter()
        patient, membership = _load(visits, index)
        load_seconds = time.perf_counter() - started
        access = RecordAccess(patient.pk, AccessBasis.TREATING, "treatment")

        def whole(_item: object, patient_id: int = patient.pk, access: Any = access) -> int:
            timeline = timeline_get(patient_ids=[patient_id], access=access, limit=None)
            summary_get(patient_ids=[patient_id], access=access)
            return len(timeline.entries)

        assert whole(None) == visits
        client = Client()
        client.force_login(membership.user)
        url = f"/records/patient/{patient.uhid}/"

        def page(_item: object, client: Any = client, url: str = url) -> None:
            response = client.get(url, secure=True)
            assert response.status_code == 200, response.status_code

        everything = f"/fhir/R4/Patient/{patient.pk}/$everything"

        def fhir_first(_item: object, client: Any = client, url: str = everything) -> None:
            response = client.get(url, {"_count": 100}, secure=True)
            assert response.status_code == 200, response.status_code

        def fhir_all(_item: object, client: Any = client, url: str = everything) -> int:
            response = client.get(url, {"_count": 100}, secure=True)
            pages = 1
            while True:
                bundle = json.loads(response.content)
                following = [
                    link["url"] for link in bundle.get("link", []) if link["relation"] == "next"
                ]
                if not following:
                    return pages
                parts = urlsplit(following[0])
                response = client.get(f"{parts.path}?{parts.query}", secure=True)
                assert response.status_code == 200, response.status_code
                pages += 1

        def baseline(_item: object, patient_id: int = patient.pk, visits: int = visits) -> None:
            result = raw.execute(RAW_HISTORY, [patient_id], prepare=True).fetchone()
            assert result is not None and len(result[0]) == visits

        inputs = list(range(args.runs))
        page_split.append(f"- {visits} visits: {_by_table(_captured_sql(lambda: page(None)))}")
        timed: list[tuple[str, Timings, int]] = [
            (
                "whole history (selectors)",
                measure("whole", whole, inputs, warmup=10),
                _count_queries(lambda: whole(None)),
            ),
            (
                "doctor's page, 25 visits (HTTP in-process)",
                measure("page", page, inputs, warmup=10),
                _count_queries(lambda: page(None)),
            ),
            (
                "FHIR $everything, first page of 100",
                measure("fhir-first", fhir_first, inputs, warmup=10),
                _count_queries(lambda: fhir_first(None)),
            ),
            (
                f"FHIR $everything, all {fhir_all(None)} pages",
                measure("fhir-all", fhir_all, inputs[: max(5, args.runs // 10)], warmup=2),
                _count_queries(lambda: fhir_all(None)),
            ),
            ("raw SQL, whole history (json_agg)", measure("raw", baseline, inputs, warmup=10), 1),
        ]
        for label, timings, queries in timed:
            rows.append(
                [
                    visits,
                    label,
                    ms(timings.p50),
                    ms(timings.p95),
                    ms(timings.p99),
                    queries,
                    timings.count,
                ]
            )
        print(f"{visits} visits loaded in {load_seconds:.1f} s; measured", flush=True)

    info = machine_info(raw)
    raw.close()
    table = markdown_table(
        ["visits", "what", "p50 ms", "p95 ms", "p99 ms", "queries", "runs"], rows
    )
    report = "\n".join(
        [
            f"# Timeline benchmark, {date.today().isoformat()}",
            "",
            f"Command: `.venv/bin/python -m benchmarks.timeline --runs {args.runs}`; "
            f"commit {git_revision()}.",
            "",
            table,
            "",
            "The doctor's page, statements by the first table named:",
            "",
            *page_split,
            "",
            "Machine: " + "; ".join(f"{k}: {v}" for k, v in info.items()),
            "",
        ]
    )
    print(report)
    target = args.report or RESULTS_DIR / f"timeline-{date.today().isoformat()}.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(report)


if __name__ == "__main__":
    main()
