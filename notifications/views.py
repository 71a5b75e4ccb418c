"""The inbox page and opening one notification. Each reaches the person's own only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from workshops.selectors import districts_staffed_by, memberships_for_request

from . import services
from .kinds import details_of, title_of
from .selectors import get_notification_for, inbox, unread_count
from .todo import todo_for

INBOX_PAGE = 30


def worded(notifications) -> list:
    for n in notifications:
        n.title = title_of(n.kind, n.data)
        n.details = details_of(n.data)
    return notifications


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where everyone lands after signing in: floor staff on the floor station, association
    staff on their dashboard, owners and managers on what needs them now."""
    memberships = memberships_for_request(request)
    managed = {m.workshop_id for m in memberships if m.can_manage}
    if memberships and not managed:
        return redirect("floor")
    districts = list(districts_staffed_by(request.user))
    if not memberships and districts:
        return redirect("district_dashboard", districts[0].slug)
    return render(
        request,
        "notifications/home.html",
        {
            "sections": todo_for(request.user, managed) if managed else [],
            "recent": worded(list(inbox(request.user).unread()[:5])),
            "memberships": memberships,
            "districts": districts,
            "new_job_in": [m.workshop for m in memberships if m.can_manage],
        },
    )


@require_GET
@login_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    page = Paginator(inbox(request.user), INBOX_PAGE).get_page(request.GET.get("page"))
    worded(page.object_list)
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "unread": unread_count(request.user)},
    )


@require_POST
@login_required
def notification_open(request: HttpRequest, notification_uuid) -> HttpResponse:
    """One tap from the inbox: mark it read, go where the person acts."""
    notification = get_notification_for(request.user, notification_uuid)
    services.notifications_mark_read(user=request.user, uuids=[str(notification.uuid)])
    link = notification.link
    if not url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        link = "/"
    return redirect(link)


@require_POST
@login_required
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_read(user=request.user)
    return redirect("inbox")
