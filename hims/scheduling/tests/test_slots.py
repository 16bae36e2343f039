from __future__ import annotations

from datetime import date, time

from django.utils import timezone

from hims.scheduling.models import ScheduleSession, Slot, SlotQuota
from hims.scheduling.services import slots_generate


def _session(department, **fields) -> ScheduleSession:  # type: ignore[no-untyped-def]
    values = {
        "weekdays": "012345",
        "starts": time(9, 0),
        "ends": time(10, 0),
        "slot_minutes": 15,
        "online_places": 2,
        "counter_places": 1,
        "priority_places": 1,
        "valid_from": date(2026, 12, 1),
    }
    values.update(fields)
    return ScheduleSession.objects.create(department=department, **values)


def test_slots_are_generated_for_session_days_with_quotas_per_channel(department):
    _session(department)
    # 2026-12-07 is a Monday; the 13th a Sunday (no session).
    created = slots_generate(start=date(2026, 12, 7), days=7)
    assert created == 6 * 4  # Monday to Saturday, 09:00-10:00 in 15-minute slots
    first = Slot.objects.order_by("starts_at").first()
    assert timezone.localtime(first.starts_at).time() == time(9, 0) and first.day == date(
        2026, 12, 7
    )
    assert sorted(SlotQuota.objects.filter(slot=first).values_list("channel", "capacity")) == [
        ("counter", 1),
        ("online", 2),
        ("priority", 1),
    ]
    assert not Slot.objects.filter(day=date(2026, 12, 13)).exists()


def test_generating_again_creates_nothing(department):
    _session(department)
    slots_generate(start=date(2026, 12, 7), days=7)
    before = (Slot.objects.count(), SlotQuota.objects.count())
    assert slots_generate(start=date(2026, 12, 7), days=14) == 24  # only the second week is new
    assert slots_generate(start=date(2026, 12, 7), days=14) == 0
    assert (Slot.objects.count(), SlotQuota.objects.count()) == (before[0] * 2, before[1] * 2)


def test_sessions_outside_their_validity_or_inactive_make_no_slots(department):
    _session(department, valid_from=date(2026, 12, 10), valid_until=date(2026, 12, 10))
    _session(department, is_active=False, starts=time(11, 0), ends=time(12, 0))
    assert slots_generate(start=date(2026, 12, 7), days=7) == 4
    assert set(Slot.objects.values_list("day", flat=True)) == {date(2026, 12, 10)}


def test_facility_admin_sees_only_their_sessions(
    client, facility_admin, department, other_facility
):
    from hims.network.tests.factories import DepartmentFactory

    _session(department)
    _session(DepartmentFactory(facility=other_facility), starts=time(14, 0), ends=time(15, 0))
    client.force_login(facility_admin)
    page = client.get("/admin/scheduling/schedulesession/").content.decode()
    assert "09:00" in page or "9 a.m." in page
    assert "2 p.m." not in page and "14:00" not in page
