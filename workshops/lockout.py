"""The answer to a sign-in while its (username, client address) is locked out (django-axes):
429 with how long to wait, in the user's language, on the site's and the admin's login alike."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

from .throttling import client_address, login_username


def minutes_left(username: str, address: str) -> int:

    attempt = (
        AccessAttempt.objects.filter(username=username, ip_address=address)
        .order_by("-attempt_time")
        .first()
    )
    if attempt is None:
        seconds = settings.LOGIN_FAILURE_WINDOW
    else:
        until = attempt.attempt_time + settings.AXES_COOLOFF_TIME
        seconds = (until - timezone.now()).total_seconds()
    return max(1, -int(-seconds // 60))


def locked_out(request, original_response=None, credentials=None):

    minutes = minutes_left(login_username(request, credentials), client_address(request))
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "admin": request.path.startswith("/admin/")},
        status=429,
    )
