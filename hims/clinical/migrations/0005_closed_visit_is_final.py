"""A closed visit is final in the database too: triggers refuse changing what it says and
adding vitals, diagnoses or medicines to it, whatever code path tries. Only the patient it
belongs to may change (merging two records of one person moves their visits)."""

from django.db import migrations

CONTENT = [
    "status",
    "closed_at",
    "started_at",
    "chief_complaint",
    "examination",
    "advice",
    "practitioner_id",
    "facility_id",
    "department_id",
]
CHILDREN = ["clinical_vitalsigns", "clinical_diagnosis", "clinical_prescriptionitem"]

PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION hims_encounter_closed_is_final() RETURNS trigger AS $$
BEGIN
  IF OLD.status = 'closed' AND ({" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in CONTENT)})
  THEN
    RAISE EXCEPTION 'a closed visit is changed only by addendum' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER encounter_closed_is_final BEFORE UPDATE ON clinical_encounter
  FOR EACH ROW EXECUTE FUNCTION hims_encounter_closed_is_final();
CREATE OR REPLACE FUNCTION hims_encounter_open_for_writes() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM clinical_encounter WHERE id = NEW.encounter_id AND status = 'closed')
  THEN
    RAISE EXCEPTION 'the visit is closed' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"CREATE TRIGGER {table}_visit_open BEFORE INSERT OR UPDATE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION hims_encounter_open_for_writes();\n"
    for table in CHILDREN
)
PG_BACKWARD = (
    "DROP TRIGGER IF EXISTS encounter_closed_is_final ON clinical_encounter;\n"
    + "".join(f"DROP TRIGGER IF EXISTS {table}_visit_open ON {table};\n" for table in CHILDREN)
    + "DROP FUNCTION IF EXISTS hims_encounter_closed_is_final();\n"
    "DROP FUNCTION IF EXISTS hims_encounter_open_for_writes();\n"
)
SQLITE_FORWARD = [
    f"CREATE TRIGGER encounter_closed_is_final BEFORE UPDATE OF {', '.join(CONTENT)} "
    "ON clinical_encounter WHEN OLD.status = 'closed' "
    "BEGIN SELECT RAISE(ABORT, 'a closed visit is changed only by addendum'); END;",
    *(
        f"CREATE TRIGGER {table}_visit_open_{event.lower()} BEFORE {event} ON {table} "
        "WHEN (SELECT status FROM clinical_encounter WHERE id = NEW.encounter_id) = 'closed' "
        "BEGIN SELECT RAISE(ABORT, 'the visit is closed'); END;"
        for table in CHILDREN
        for event in ("INSERT", "UPDATE")
    ),
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS encounter_closed_is_final;",
    *(
        f"DROP TRIGGER IF EXISTS {table}_visit_open_{event};"
        for table in CHILDREN
        for event in ("insert", "update")
    ),
]


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("clinical", "0004_medicine_master")]
    operations = [migrations.RunPython(forward, backward)]
