from __future__ import annotations

import datetime

import factory

from hims.accounts.choices import UserKind
from hims.accounts.tests.factories import UserFactory
from hims.network.models import FacilityHours
from hims.network.tests.factories import FacilityFactory


class FacilityHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FacilityHours

    facility = factory.SubFactory(FacilityFactory)
    weekday = 0
    opens = datetime.time(9, 0)
    closes = datetime.time(14, 0)


class PatientUserFactory(UserFactory):
    kind = UserKind.PATIENT
    username = factory.Sequence(lambda n: f"patient-98765{n:05d}")
    mobile = factory.Sequence(lambda n: f"98765{n:05d}")
