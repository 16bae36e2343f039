from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from hims.primarycare.schedule import vaccine_doses_load

    vaccine_doses_load(apps.get_model("primarycare", "VaccineDose"))


class Migration(migrations.Migration):
    dependencies = [("primarycare", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
