from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from hims.patients.models import Patient, PatientFacilityNumber
from hims.patients.tests.factories import abha, make_patient

GOOD_ABHA = abha("9166")
ROWS = [
    [
        "name",
        "name_hi",
        "gender",
        "birth_date",
        "age",
        "mobile",
        "abha_number",
        "district",
        "pincode",
        "facility_number",
    ],
    [
        "Ramesh Kumar",
        "रमेश कुमार",
        "M",
        "17-05-1980",
        "",
        "9811100001",
        GOOD_ABHA,
        "Central",
        "110002",
        "LNJP/1",
    ],
    ["Sunita Devi", "", "F", "", "45", "9811100002", "", "shahdara", "110032", "LNJP/2"],
    ["Bad Mobile", "", "M", "1990-01-01", "", "12345", "", "", "", "LNJP/3"],
    ["Bad Abha", "", "F", "1991-01-01", "", "", "91-1111-1111-1111", "", "", "LNJP/4"],
    ["No Birth", "", "F", "", "", "9811100004", "", "", "", "LNJP/5"],
    [
        "Ramesh Kumaar",
        "",
        "male",
        "1980-05-17",
        "",
        "9811100001",
        "",
        "",
        "",
        "LNJP/6",
    ],  # same man as line 2
    ["Pinky Kumari", "", "female", "2015-06-01", "", "9811100002", "", "", "", ""],
]


def _write(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "register.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _run(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import_patients", str(path), "--quiet", *args, stdout=out)
    return out.getvalue()


def _report(path: Path) -> dict[int, tuple[str, str]]:
    with path.with_suffix(".report.csv").open(encoding="utf-8") as handle:
        return {int(row["line"]): (row["status"], row["reason"]) for row in csv.DictReader(handle)}


def test_good_rows_are_created_and_each_bad_row_is_reported_with_its_reason(tmp_path, facility):
    path = _write(tmp_path, ROWS)
    output = _run(path, "--facility", facility.code)
    assert "7 rows: 3 created, 0 already there, 1 possible duplicates, 3 rejected" in output
    report = _report(path)
    assert report[4][0] == "rejected" and "mobile" in report[4][1]
    assert report[5][0] == "rejected" and "mistyped" in report[5][1]
    assert report[6][0] == "rejected" and "birth_date" in report[6][1]
    assert report[7][0] == "duplicate" and "same mobile number" in report[7][1]
    assert sorted(Patient.objects.values_list("name", flat=True)) == [
        "Pinky Kumari",
        "Ramesh Kumar",
        "Sunita Devi",
    ]
    ramesh = Patient.objects.get(name="Ramesh Kumar")
    assert (
        ramesh.abha_number == GOOD_ABHA
        and ramesh.district == "central"
        and ramesh.registration_channel == "import"
    )
    assert PatientFacilityNumber.objects.get(number="LNJP/1").patient == ramesh
    assert Patient.objects.get(name="Sunita Devi").birth_date_is_estimated


def test_importing_the_same_file_twice_creates_nothing_new(tmp_path, facility):
    path = _write(tmp_path, ROWS)
    _run(path, "--facility", facility.code)
    before = (Patient.objects.count(), PatientFacilityNumber.objects.count())
    output = _run(path, "--facility", facility.code)
    assert (Patient.objects.count(), PatientFacilityNumber.objects.count()) == before
    assert "0 created, 3 already there" in output


def test_a_row_with_an_abha_already_registered_is_linked_not_duplicated(tmp_path, facility):
    existing = make_patient(name="Ramesh Kumar", abha_number=GOOD_ABHA)
    path = _write(tmp_path, ROWS[:2])
    assert "1 already there" in _run(path, "--facility", facility.code)
    assert Patient.objects.count() == 1
    assert PatientFacilityNumber.objects.get(number="LNJP/1").patient == existing


def test_a_file_without_a_name_column_is_refused(tmp_path, facility):
    path = _write(tmp_path, [["full_name"], ["X"]])
    with pytest.raises(CommandError):
        _run(path)
    assert not Patient.objects.exists()


def test_an_unknown_facility_is_refused_before_anything_is_read(tmp_path, db):
    with pytest.raises(CommandError, match="no facility"):
        _run(_write(tmp_path, ROWS), "--facility", "nowhere")
