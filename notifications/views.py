"""The inbox page and opening one notification. Each reaches the person's own only."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from workshops.models import User
from workshops.selectors import districts_staffed_by, memberships_for_request

from . import services
from .delivery import read_unsubscribe_token
from .forms import PreferencesForm
from .kinds import KINDS, details_of, title_of
from .models import DigestSetting, Preference, PushSubscription
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


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    current = {p.kind: p for p in Preference.objects.filter(user=user)}
    setting = DigestSetting.objects.filter(user=user).first()
    initial = {
        "digest_hour": setting.digest_hour if setting else settings.NOTIFICATIONS_DIGEST_HOUR,
        "language": setting.language if setting else settings.LANGUAGE_CODE,
    }
    for code, kind in KINDS.items():
        pref = current.get(code)
        initial[f"email:{code}"] = pref.email if pref else kind.email
        initial[f"push:{code}"] = pref.push if pref else True
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            services.preferences_save(
                user=user,
                kinds={code: (data[f"email:{code}"], data[f"push:{code}"]) for code in KINDS},
                digest_hour=data["digest_hour"],
                language=data["language"],
            )
            messages.success(request, _("Saved."))
            return redirect("notification_preferences")
        status = 400
    else:
        status = 200
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "has_email": bool(user.email),
            "vapid_public_key": settings.VAPID_PUBLIC_KEY,
            "devices": PushSubscription.objects.filter(user=user),
        },
        status=status,
    )


@csrf_exempt  # the signed token is the credential; mail clients POST without a session
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One click from a mail, signed in or not. GET asks (link scanners only look); POST, from
    the page or from the mail client (RFC 8058 List-Unsubscribe-Post), turns the kind off."""
    found = read_unsubscribe_token(token)
    user = None
    if found is not None:
        user = User.objects.filter(uuid=found[0], is_active=True).first()
    if user is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    kind = KINDS[found[1]]
    if request.method == "POST":
        services.unsubscribe(user=user, kind=kind.code)
        return render(request, "notifications/unsubscribe.html", {"done": True, "kind": kind})
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(request, "notifications/unsubscribe.html", {"kind": kind, "token": token})


@require_POST
@login_required
def push_device_remove(request: HttpRequest, subscription_uuid) -> HttpResponse:
    """Stop pushing to one of my devices (someone else's does not exist)."""
    subscription = get_object_or_404(PushSubscription, uuid=subscription_uuid, user=request.user)
    services.push_unsubscribe(subscription=subscription)
    messages.success(request, _("That device is no longer told."))
    return redirect("notification_preferences")
