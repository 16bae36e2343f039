"""Demo OPD sessions: every live hospital, polyclinic, dispensary and Arogya Mandir OPD runs
Monday to Saturday, 09:00-13:00 (hospitals also 14:00-16:00), in 15-minute slots; slots are generated for the
booking window, so the demo can be booked from the first `make run`."""

from __future__ import annotations

from collections import Counter
from datetime import time

from django.conf import settings
from django.utils import timezone

from hims.network.choices import FacilityType, RolloutStatus
from hims.network.models import Department, PractitionerRole
from hims.scheduling.models import ScheduleSession
from hims.scheduling.services import slots_generate

OPD_TYPES = {
    FacilityType.HOSPITAL,
    FacilityType.POLYCLINIC,
    FacilityType.DISPENSARY,
    FacilityType.AROGYA_MANDIR,
}
HOURS = ((time(9), time(13)), (time(14), time(16)))


def demo_opd_seed(*, created: Counter[str]) -> None:
    departments = Department.objects.filter(
        is_active=True,
        facility__facility_type__in=OPD_TYPES,
        facility__rollout_status=RolloutStatus.LIVE,
    ).select_related("facility")
    have = set(ScheduleSession.objects.values_list("department_id", "starts"))
    doctors = {
        role.department_id: role.practitioner_id
        for role in PractitionerRole.objects.filter(
            is_active=True, department__isnull=False
        ).order_by("-pk")
    }
    today = timezone.localdate()
    sessions = [
        ScheduleSession(
            department=department,
            practitioner_id=doctors.get(department.pk),
            weekdays="012345",
            starts=starts,
            ends=ends,
            slot_minutes=15,
            online_places=2,
            counter_places=2,
            priority_places=1,
            follow_up_places=1,
            online_release_minutes=60,
            valid_from=today,
        )
        for department in departments
        for starts, ends in (
            HOURS if department.facility.facility_type == FacilityType.HOSPITAL else HOURS[:1]
        )
        if (department.pk, starts) not in have
    ]
    ScheduleSession.objects.bulk_create(sessions)
    created["OPD sessions"] += len(sessions)
    created["slots"] += slots_generate(start=today, days=settings.HIMS_DEMO_SLOT_DAYS)
