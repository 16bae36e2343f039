"""The access log is append-only: triggers refuse UPDATE and DELETE, even from raw SQL."""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION hims_access_event_append_only() RETURNS trigger AS $$
BEGIN
  -- A test database is emptied between tests with TRUNCATE; only a session that declares
  -- itself a test run (hims.test_database = on, set by the test settings) may do that.
  IF TG_OP = 'TRUNCATE' AND current_setting('hims.test_database', true) = 'on' THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'core_accessevent is append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER access_event_no_update BEFORE UPDATE OR DELETE ON core_accessevent
  FOR EACH ROW EXECUTE FUNCTION hims_access_event_append_only();
CREATE TRIGGER access_event_no_truncate BEFORE TRUNCATE ON core_accessevent
  FOR EACH STATEMENT EXECUTE FUNCTION hims_access_event_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS access_event_no_update ON core_accessevent;
DROP TRIGGER IF EXISTS access_event_no_truncate ON core_accessevent;
DROP FUNCTION IF EXISTS hims_access_event_append_only();
"""
SQLITE_FORWARD = [
    "CREATE TRIGGER access_event_no_update BEFORE UPDATE ON core_accessevent "
    "BEGIN SELECT RAISE(ABORT, 'core_accessevent is append-only (UPDATE refused)'); END;",
    # hims_test_flush_allowed() is registered on every connection (hims/core/db.py); it answers 1
    # only while the test runner empties the database.
    "CREATE TRIGGER access_event_no_delete BEFORE DELETE ON core_accessevent "
    "WHEN hims_test_flush_allowed() = 0 "
    "BEGIN SELECT RAISE(ABORT, 'core_accessevent is append-only (DELETE refused)'); END;",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS access_event_no_update;",
    "DROP TRIGGER IF EXISTS access_event_no_delete;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
