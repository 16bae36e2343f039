"""Master list of OPD specialities (administrators may add more in the admin)."""

from django.db import migrations

SPECIALITIES = [
    ("general-medicine", "General Medicine", "सामान्य चिकित्सा"),
    ("general-surgery", "General Surgery", "सामान्य शल्य चिकित्सा"),
    ("paediatrics", "Paediatrics", "बाल रोग"),
    ("obstetrics-gynaecology", "Obstetrics and Gynaecology", "प्रसूति एवं स्त्री रोग"),
    ("orthopaedics", "Orthopaedics", "हड्डी रोग"),
    ("ent", "ENT", "नाक, कान, गला"),
    ("ophthalmology", "Eye", "नेत्र रोग"),
    ("dental", "Dental", "दंत रोग"),
    ("dermatology", "Skin", "त्वचा रोग"),
    ("psychiatry", "Psychiatry", "मानसिक रोग"),
    ("cardiology", "Cardiology", "हृदय रोग"),
    ("respiratory-medicine", "Chest and TB", "छाती एवं टीबी"),
    ("physiotherapy", "Physiotherapy", "फिजियोथेरेपी"),
    ("primary-care", "Primary care", "प्राथमिक चिकित्सा"),
    ("immunization", "Immunization", "टीकाकरण"),
    ("antenatal-care", "Antenatal care", "प्रसव पूर्व देखभाल"),
    ("ayush", "AYUSH", "आयुष"),
]


def forward(apps, schema_editor):
    Speciality = apps.get_model("network", "Speciality")
    for code, name, name_hi in SPECIALITIES:
        Speciality.objects.update_or_create(code=code, defaults={"name": name, "name_hi": name_hi})


class Migration(migrations.Migration):
    dependencies = [("network", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
