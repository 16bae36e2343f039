"""The network's master list of OPD specialities (migration 0002 seeded the same list; administrators
may add more in the admin)."""

from __future__ import annotations

from hims.network.models import Speciality

SPECIALITIES: list[tuple[str, str, str]] = [
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


def speciality_list_ensure() -> dict[str, Speciality]:
    """Create any missing master speciality (never overwriting an administrator's edits)."""
    existing = Speciality.objects.in_bulk(field_name="code")
    missing = [
        Speciality(code=code, name=name, name_hi=name_hi)
        for code, name, name_hi in SPECIALITIES
        if code not in existing
    ]
    if missing:
        Speciality.objects.bulk_create(missing, ignore_conflicts=True)
        existing = Speciality.objects.in_bulk(field_name="code")
    return existing  # type: ignore[return-value]
