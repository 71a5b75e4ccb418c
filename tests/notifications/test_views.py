from __future__ import annotations

import pytest

from notifications.models import Notification
from tests.conftest import client_for

from .factories import notify

pytestmark = pytest.mark.django_db


def test_the_inbox_shows_mine_newest_first(owner, outsider, django_assert_num_queries):
    notify(owner, 3)
    notify(outsider, 1, buyer="よその工場")
    client = client_for(owner)
    # session, user, memberships (top bar), the page's count, the page, the unread count
    with django_assert_num_queries(6):
        response = client.get("/notifications/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("シャフト 2") < html.index("シャフト 1") < html.index("シャフト 0")
    assert "よその工場" not in html


def test_the_inbox_query_count_does_not_grow_with_its_length(owner, django_assert_num_queries):
    notify(owner, 30)
    client = client_for(owner)
    with django_assert_num_queries(6):
        assert client.get("/notifications/").status_code == 200


def test_opening_one_marks_it_read_and_goes_where_i_act(owner):
    (n,) = notify(owner, 1)
    response = client_for(owner).post(f"/notifications/{n.uuid}/open/")
    assert response.status_code == 302
    assert response["Location"] == "/jobs/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_someone_elses_notification_does_not_exist(owner, outsider):
    (n,) = notify(owner, 1)
    assert client_for(outsider).post(f"/notifications/{n.uuid}/open/").status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_the_wrong_method_and_the_anonymous_are_refused(owner):
    (n,) = notify(owner, 1)
    assert client_for(owner).get(f"/notifications/{n.uuid}/open/").status_code == 405
    assert client_for(owner).get("/notifications/read/").status_code == 405
    assert client_for(None).get("/notifications/").status_code == 302


def test_read_all_reads_only_mine(owner, outsider):
    notify(owner, 2)
    notify(outsider, 1)
    assert client_for(owner).post("/notifications/read/").status_code == 302
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_every_page_has_the_badge_without_a_query(owner):
    html = client_for(owner).get("/notifications/").content.decode()
    assert "data-notifications-badge" in html
    assert 'data-stream="/ws/notifications/"' in html
    assert "notifications/badge.js" in html


def test_an_operator_sees_failed_deliveries_in_the_admin(owner):
    from notifications.models import Delivery, DeliveryStatus

    (n,) = notify(owner, 1)
    Delivery.objects.create(
        notification=n, channel="email", status=DeliveryStatus.FAILED, last_error="550 refused"
    )
    owner.is_staff = owner.is_superuser = True
    owner.save()
    client = client_for(owner)
    page = client.get("/admin/notifications/delivery/?status__exact=failed")
    assert page.status_code == 200
    assert "550 refused" in page.content.decode()
    tasks = client.get("/admin/django_tasks_database/dbtaskresult/?status__exact=FAILED")
    assert tasks.status_code == 200
