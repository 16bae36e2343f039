from __future__ import annotations

from hims.accounts.choices import Role
from hims.accounts.models import Membership
from hims.accounts.tests.factories import UserFactory
from hims.network.tests.factories import DepartmentFactory, RoomFactory


def test_facility_admin_sees_only_their_own_facility(
    client, facility_admin, facility, other_facility
):
    client.force_login(facility_admin)
    listing = client.get("/admin/network/facility/").content.decode()
    assert "Lok Nayak Hospital" in listing and "Guru Teg Bahadur" not in listing
    assert client.get(f"/admin/network/facility/{facility.pk}/change/").status_code == 200
    other = client.get(f"/admin/network/facility/{other_facility.pk}/change/")
    assert other.status_code in {302, 403, 404}
    assert b"Guru Teg Bahadur" not in other.content


def test_facility_admin_cannot_register_facilities_or_change_specialities(client, facility_admin):
    client.force_login(facility_admin)
    assert client.get("/admin/network/facility/add/").status_code == 403
    assert client.get("/admin/network/speciality/").status_code == 403


def test_facility_admin_rooms_are_scoped(client, facility_admin, facility, other_facility):
    RoomFactory(facility=facility, code="OPD-1", name="Mine")
    theirs = RoomFactory(facility=other_facility, code="OPD-9", name="Theirs")
    client.force_login(facility_admin)
    listing = client.get("/admin/network/room/").content.decode()
    assert "OPD-1" in listing and "OPD-9" not in listing
    assert client.get(f"/admin/network/room/{theirs.pk}/change/").status_code in {302, 403, 404}


def test_facility_admin_can_add_a_department_only_at_their_facility(
    client, facility_admin, facility, other_facility
):
    client.force_login(facility_admin)
    form = client.get("/admin/network/department/add/").content.decode()
    assert "Lok Nayak Hospital" in form and "Guru Teg Bahadur" not in form


def test_facility_admin_sees_only_their_staff_and_cannot_grant_network_roles(
    client, facility_admin, clerk, other_facility_doctor
):
    client.force_login(facility_admin)
    users = client.get("/admin/accounts/user/").content.decode()
    assert "alice" in users and "charlie" not in users
    page = client.get(f"/admin/accounts/user/{clerk.pk}/change/").content.decode()
    assert 'value="network_admin"' not in page
    assert 'value="clerk"' in page


def test_network_admin_sees_every_facility(client, network_admin, facility, other_facility):
    client.force_login(network_admin)
    listing = client.get("/admin/network/facility/").content.decode()
    assert "Lok Nayak Hospital" in listing and "Guru Teg Bahadur" in listing
    assert client.get("/admin/network/facility/add/").status_code == 200


def test_staff_without_admin_role_cannot_use_the_admin(client, clerk):
    clerk.is_staff = True  # even if someone ticks the box
    clerk.save()
    client.force_login(clerk)
    response = client.get("/admin/network/facility/")
    assert response.status_code == 403


def test_granting_facility_admin_in_the_admin_gives_admin_site_access(
    client, network_admin, facility
):
    user = UserFactory(username="newadmin")
    client.force_login(network_admin)
    data = {
        "username": "newadmin",
        "first_name": "",
        "last_name": "",
        "email": "",
        "preferred_language": "",
        "is_active": "on",
        "failed_logins": "0",
        "locked_until": "",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-role": Role.FACILITY_ADMIN,
        "memberships-0-facility": str(facility.pk),
        "memberships-0-department": "",
        "memberships-0-is_active": "on",
    }
    response = client.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.is_staff
    assert Membership.objects.filter(
        user=user, role=Role.FACILITY_ADMIN, facility=facility
    ).exists()


def test_department_admin_lists_without_one_query_per_row(
    client, network_admin, django_assert_max_num_queries
):
    for _ in range(5):
        DepartmentFactory()
    client.force_login(network_admin)
    with django_assert_max_num_queries(15):
        assert client.get("/admin/network/department/").status_code == 200
