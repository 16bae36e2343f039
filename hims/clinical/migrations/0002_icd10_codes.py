from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from hims.clinical.icd10 import icd10_load

    icd10_load(apps.get_model("clinical", "Icd10Code"))


class Migration(migrations.Migration):
    dependencies = [("clinical", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
