"""A referral or follow-up is written during the visit: the database refuses a new one on a
closed visit (its status may still change later, when the patient books or it is cancelled).
Uses the function of migration 0005 on PostgreSQL."""

from django.db import migrations

PG_FORWARD = (
    "CREATE TRIGGER clinical_referral_visit_open BEFORE INSERT ON clinical_referral "
    "FOR EACH ROW EXECUTE FUNCTION hims_encounter_open_for_writes();"
)
PG_BACKWARD = "DROP TRIGGER IF EXISTS clinical_referral_visit_open ON clinical_referral;"
SQLITE_FORWARD = (
    "CREATE TRIGGER clinical_referral_visit_open_insert BEFORE INSERT ON clinical_referral "
    "WHEN (SELECT status FROM clinical_encounter WHERE id = NEW.encounter_id) = 'closed' "
    "BEGIN SELECT RAISE(ABORT, 'the visit is closed'); END;"
)
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS clinical_referral_visit_open_insert;"


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("clinical", "0009_referral")]
    operations = [migrations.RunPython(forward, backward)]
