"""Lab orders and results in the database:

- an order is placed only on an open visit (the trigger function of 0005); its sample, results
  and sign-off may come after the visit is closed;
- a signed or cancelled order keeps its status, times and signatures (only `amended_at` and,
  when two records of one person are merged, the patient may change);
- a result needs a collected sample; on a signed report it is an amendment with a reason;
- a result row is never edited: only `is_current` goes from true to false when a newer row
  supersedes it (and the patient may change in a merge). On PostgreSQL results are also never
  deleted (SQLite test runs empty tables with DELETE, PostgreSQL's with TRUNCATE).
"""

from django.db import migrations

ORDER_FIXED = [
    "status",
    "encounter_id",
    "panel_id",
    "facility_id",
    "ordered_by_id",
    "ordered_at",
    "collected_by_id",
    "collected_at",
    "resulted_by_id",
    "resulted_at",
    "signed_by_id",
    "signed_at",
    "cancelled_by_id",
    "cancelled_at",
    "cancel_reason",
]
RESULT_FIXED = [
    "order_id",
    "parameter_id",
    "value_numeric",
    "value_text",
    "unit",
    "reference_low",
    "reference_high",
    "flag",
    "supersedes_id",
    "amend_reason",
    "entered_by_id",
    "entered_at",
]


def _changed(columns: list[str], distinct: str) -> str:
    return " OR ".join(f"NEW.{c} {distinct} OLD.{c}" for c in columns)


PG_FORWARD = f"""
CREATE TRIGGER clinical_laborder_visit_open BEFORE INSERT ON clinical_laborder
  FOR EACH ROW EXECUTE FUNCTION hims_encounter_open_for_writes();
CREATE OR REPLACE FUNCTION hims_lab_order_final() RETURNS trigger AS $$
BEGIN
  IF OLD.status IN ('signed', 'cancelled') AND ({_changed(ORDER_FIXED, "IS DISTINCT FROM")}) THEN
    RAISE EXCEPTION 'a signed or cancelled lab order is final' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER clinical_laborder_final BEFORE UPDATE ON clinical_laborder
  FOR EACH ROW EXECUTE FUNCTION hims_lab_order_final();
CREATE OR REPLACE FUNCTION hims_lab_result_insert() RETURNS trigger AS $$
DECLARE
  order_status text;
BEGIN
  SELECT status INTO order_status FROM clinical_laborder WHERE id = NEW.order_id;
  IF order_status NOT IN ('collected', 'resulted', 'signed') THEN
    RAISE EXCEPTION 'no results without a collected sample' USING ERRCODE = 'check_violation';
  END IF;
  IF order_status = 'signed' AND NEW.amend_reason = '' THEN
    RAISE EXCEPTION 'a signed lab report changes only by amendment'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER clinical_labresult_insert BEFORE INSERT ON clinical_labresult
  FOR EACH ROW EXECUTE FUNCTION hims_lab_result_insert();
CREATE OR REPLACE FUNCTION hims_lab_result_kept() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'lab results are kept' USING ERRCODE = 'check_violation';
  END IF;
  IF ({_changed(RESULT_FIXED, "IS DISTINCT FROM")}) OR (NEW.is_current AND NOT OLD.is_current) THEN
    RAISE EXCEPTION 'a lab result is never edited; enter a correction'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER clinical_labresult_kept BEFORE UPDATE OR DELETE ON clinical_labresult
  FOR EACH ROW EXECUTE FUNCTION hims_lab_result_kept();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS clinical_laborder_visit_open ON clinical_laborder;
DROP TRIGGER IF EXISTS clinical_laborder_final ON clinical_laborder;
DROP TRIGGER IF EXISTS clinical_labresult_insert ON clinical_labresult;
DROP TRIGGER IF EXISTS clinical_labresult_kept ON clinical_labresult;
DROP FUNCTION IF EXISTS hims_lab_order_final();
DROP FUNCTION IF EXISTS hims_lab_result_insert();
DROP FUNCTION IF EXISTS hims_lab_result_kept();
"""
ORDER_STATUS = "(SELECT status FROM clinical_laborder WHERE id = NEW.order_id)"
SQLITE_FORWARD = [
    "CREATE TRIGGER clinical_laborder_visit_open BEFORE INSERT ON clinical_laborder "
    "WHEN (SELECT status FROM clinical_encounter WHERE id = NEW.encounter_id) = 'closed' "
    "BEGIN SELECT RAISE(ABORT, 'the visit is closed'); END;",
    "CREATE TRIGGER clinical_laborder_final BEFORE UPDATE ON clinical_laborder "
    f"WHEN OLD.status IN ('signed', 'cancelled') AND ({_changed(ORDER_FIXED, 'IS NOT')}) "
    "BEGIN SELECT RAISE(ABORT, 'a signed or cancelled lab order is final'); END;",
    "CREATE TRIGGER clinical_labresult_needs_sample BEFORE INSERT ON clinical_labresult "
    f"WHEN {ORDER_STATUS} NOT IN ('collected', 'resulted', 'signed') "
    "BEGIN SELECT RAISE(ABORT, 'no results without a collected sample'); END;",
    "CREATE TRIGGER clinical_labresult_signed_amends BEFORE INSERT ON clinical_labresult "
    f"WHEN {ORDER_STATUS} = 'signed' AND NEW.amend_reason = '' "
    "BEGIN SELECT RAISE(ABORT, 'a signed lab report changes only by amendment'); END;",
    "CREATE TRIGGER clinical_labresult_kept BEFORE UPDATE ON clinical_labresult "
    f"WHEN ({_changed(RESULT_FIXED, 'IS NOT')}) OR (NEW.is_current AND NOT OLD.is_current) "
    "BEGIN SELECT RAISE(ABORT, 'a lab result is never edited; enter a correction'); END;",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {name};"
    for name in (
        "clinical_laborder_visit_open",
        "clinical_laborder_final",
        "clinical_labresult_needs_sample",
        "clinical_labresult_signed_amends",
        "clinical_labresult_kept",
    )
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
    dependencies = [("clinical", "0007_lab_catalogue")]
    operations = [migrations.RunPython(forward, backward)]
