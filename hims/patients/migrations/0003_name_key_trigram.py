"""PostgreSQL: trigram index on the distinct name keys (fuzzy search scans this small table)."""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS patient_namekey_trgm ON patients_patientnamekey USING gin (key gin_trgm_ops)"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS patient_namekey_trgm")


class Migration(migrations.Migration):
    dependencies = [("patients", "0002_identity_history_merge_scan_share")]
    operations = [migrations.RunPython(forward, backward)]
