from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from hims.clinical.medicines import medicines_load

    medicines_load(apps.get_model("clinical", "Medicine"))


class Migration(migrations.Migration):
    dependencies = [("clinical", "0003_medicines")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
