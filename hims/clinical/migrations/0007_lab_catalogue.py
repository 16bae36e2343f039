from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from hims.clinical.lab_catalogue import lab_catalogue_load

    lab_catalogue_load(
        apps.get_model("clinical", "LabPanel"), apps.get_model("clinical", "LabParameter")
    )


class Migration(migrations.Migration):
    dependencies = [("clinical", "0006_lab")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
