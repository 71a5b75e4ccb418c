from __future__ import annotations

import datetime
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import services
from .calendar import Calendar, parse_breaks, parse_ranges
from .filters import WorkshopFilter, loosenings
from .forms import (
    ApiTokenForm,
    CalendarBreakForm,
    CalendarDaysForm,
    CalendarHoursForm,
    CapabilityForm,
    InvitationForm,
    LogoForm,
    MachineForm,
    RoleForm,
    SignupForm,
    WorkshopProfileForm,
)
from .models import AuditEvent, Invitation, Membership, Role
from .selectors import (
    Point,
    api_tokens_of,
    capabilities_of,
    cycling_minutes,
    distance_km,
    districts_staffed_by,
    get_api_token_for,
    get_capability_for,
    get_invitation_for,
    get_machine_for,
    get_membership_for,
    get_workshop_for,
    membership_for,
    memberships_for_request,
    memberships_of,
    workshop_contacts,
    workshop_profile,
    workshops_visible_to,
)

SEARCH_PAGE_SIZE = 50


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "workshops/home.html",
        {
            "memberships": memberships_of(request.user),
            "districts": districts_staffed_by(request.user),
        },
    )


# --- Search and profiles ------------------------------------------------------------------------


@require_GET
@login_required
def workshop_search(request: HttpRequest) -> HttpResponse:
    filterset = WorkshopFilter(
        request.GET, queryset=workshops_visible_to(request.user), request=request
    )
    valid = filterset.is_valid()
    page = None
    if valid:
        paginator = Paginator(filterset.qs.for_listing(), SEARCH_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        for workshop in page.object_list:
            workshop.cycling_minutes = cycling_minutes(getattr(workshop, "distance_km", None))
    # Nothing found: say which conditions narrowed it, each with the search without it.
    loosen = loosenings(filterset) if page is not None and not page.paginator.count else []
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workshops/search.html",
        {
            "filter": filterset,
            "page": page,
            "origin": filterset.origin if valid else None,
            "query_string": query.urlencode(),
            "loosen": loosen,
        },
        status=200 if valid else 400,
    )


@require_GET
@login_required
def workshop_detail(request: HttpRequest, workshop_uuid: UUID) -> HttpResponse:
    workshop = workshop_profile(get_workshop_for(request.user, workshop_uuid))
    membership = membership_for(request.user, workshop)
    distance = None
    if membership is None:
        for own in memberships_of(request.user):
            a, b = Point.of(own.workshop), Point.of(workshop)
            if a and b:
                distance = distance_km(a, b)
                break
    return render(
        request,
        "workshops/detail.html",
        {
            "workshop": workshop,
            "capabilities": workshop.capabilities.all(),
            "membership": membership,
            # For members of a workshop (their memberships are read once per request).
            "contacts": workshop_contacts(workshop) if memberships_for_request(request) else None,
            "distance_km": distance,
            "cycling_minutes": cycling_minutes(distance),
        },
    )


@require_GET
@login_required
def workshop_logo(request: HttpRequest, workshop_uuid: UUID) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_uuid)
    if not workshop.logo:
        raise Http404("No logo.")
    try:
        handle = workshop.logo.open("rb")
    except FileNotFoundError:
        raise Http404("No logo.") from None
    # Logos are re-encoded as WebP on upload, so the type is known, never taken from a name.
    response = FileResponse(handle, content_type="image/webp")
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = "inline"
    return response


# --- Editing a workshop -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def workshop_edit(request: HttpRequest, workshop_uuid: UUID) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    form = WorkshopProfileForm(
        request.POST if request.method == "POST" else None, instance=workshop
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.workshop_update_profile(
                workshop=workshop, actor=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The profile was saved."))
            return redirect("workshop_edit", workshop_uuid=workshop.uuid)
    return _render_edit(request, workshop, form=form, status=400 if form.errors else 200)


def _render_edit(request, workshop, *, form=None, logo_form=None, logo_error=None, status=200):
    # A failed POST leaves the form's own instance half-updated; show the saved name.
    saved = type(workshop).objects.get(pk=workshop.pk)
    return render(
        request,
        "workshops/edit.html",
        {
            "workshop": saved,
            "form": form or WorkshopProfileForm(instance=saved),
            "logo_form": logo_form or LogoForm(),
            "logo_error": logo_error,
            "capabilities": capabilities_of(saved),
            "machines": saved.machines.all(),
            "logo_limit_mb": settings.LOGO_MAX_UPLOAD_BYTES // 1_048_576,
        },
        status=status,
    )


@require_POST
@login_required
def workshop_logo_upload(request: HttpRequest, workshop_uuid: UUID) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    limit = settings.LOGO_MAX_UPLOAD_BYTES
    # Refuse an oversized body from its declared length before reading any of it.
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit + 64 * 1024:
        too_large = _("The logo file is too large (%(size)s MB). The limit is %(limit)s MB.") % {
            "size": f"{declared / 1_048_576:.1f}",
            "limit": limit // 1_048_576,
        }
        return _render_edit(request, workshop, logo_error=too_large, status=413)
    if request.POST.get("remove"):
        services.workshop_set_logo(workshop=workshop, actor=request.user, upload=None)
        messages.success(request, _("The logo was removed."))
        return redirect("workshop_edit", workshop_uuid=workshop.uuid)
    logo_form = LogoForm(request.POST, request.FILES)
    if logo_form.is_valid():
        try:
            services.workshop_set_logo(
                workshop=workshop, actor=request.user, upload=logo_form.cleaned_data["logo"]
            )
        except ValidationError as error:
            logo_form.add_error("logo", error)
        else:
            messages.success(request, _("The logo was updated."))
            return redirect("workshop_edit", workshop_uuid=workshop.uuid)
    return _render_edit(request, workshop, logo_form=logo_form, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def capability_edit(
    request: HttpRequest, workshop_uuid: UUID, capability_uuid: UUID | None = None
) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    capability = (
        get_capability_for(request.user, workshop, capability_uuid) if capability_uuid else None
    )
    form = CapabilityForm(
        request.POST if request.method == "POST" else None, instance=capability, workshop=workshop
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.capability_save(
                workshop=workshop,
                actor=request.user,
                data=form.cleaned_data,
                capability=capability,
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The capability was saved."))
            return redirect("workshop_edit", workshop_uuid=workshop.uuid)
    elif request.method == "POST":
        # The service's rules on what the form could read, so that one answer says it all.
        form.add_problems(
            services.capability_problems(
                workshop=workshop, data=form.cleaned_data, capability=capability
            )
        )
    return render(
        request,
        "workshops/capability_form.html",
        {"workshop": workshop, "form": form, "capability": capability},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def capability_delete(
    request: HttpRequest, workshop_uuid: UUID, capability_uuid: UUID
) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    capability = get_capability_for(request.user, workshop, capability_uuid)
    services.capability_delete(capability=capability, actor=request.user)
    messages.success(request, _("The capability was removed."))
    return redirect("workshop_edit", workshop_uuid=workshop.uuid)


@require_http_methods(["GET", "POST"])
@login_required
def machine_edit(
    request: HttpRequest, workshop_uuid: UUID, machine_uuid: UUID | None = None
) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    machine = get_machine_for(request.user, workshop, machine_uuid) if machine_uuid else None
    form = MachineForm(request.POST if request.method == "POST" else None, instance=machine)
    if request.method == "POST" and form.is_valid():
        try:
            services.machine_save(
                workshop=workshop, actor=request.user, data=form.cleaned_data, machine=machine
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The machine was saved."))
            return redirect("workshop_edit", workshop_uuid=workshop.uuid)
    return render(
        request,
        "workshops/machine_form.html",
        {"workshop": workshop, "form": form, "machine": machine},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def machine_delete(request: HttpRequest, workshop_uuid: UUID, machine_uuid: UUID) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    machine = get_machine_for(request.user, workshop, machine_uuid)
    services.machine_delete(machine=machine, actor=request.user)
    messages.success(request, _("The machine was removed."))
    return redirect("workshop_edit", workshop_uuid=workshop.uuid)


# --- Calendar ----------------------------------------------------------------------------------

CALENDAR_AHEAD_DAYS = 120  # the days off shown ahead on the calendar page


@require_http_methods(["GET", "POST"])
@login_required
def workshop_calendar(request: HttpRequest, workshop_uuid: UUID) -> HttpResponse:
    """The shop's working calendar, made for a tablet: hours and weekdays, public holidays,
    closed days, extra working days and breaks. Owners and managers only."""
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    action = request.POST.get("action") if request.method == "POST" else None
    hours_form = CalendarHoursForm.for_workshop(
        workshop, request.POST if action == "hours" else None
    )
    days_form = CalendarDaysForm(request.POST if action == "days" else None, prefix="days")
    break_form = CalendarBreakForm(request.POST if action == "break" else None, prefix="break")
    form = {"hours": hours_form, "days": days_form, "break": break_form}.get(action)
    if request.method == "POST" and action == "remove":
        try:
            services.workshop_calendar_remove(
                workshop=workshop,
                actor=request.user,
                field=request.POST.get("field", ""),
                key=request.POST.get("key", ""),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return _render_calendar(request, workshop, hours_form, days_form, break_form, 400)
        messages.success(request, _("The calendar was saved."))
        return redirect("workshop_calendar", workshop_uuid=workshop.uuid)
    if request.method == "POST" and form is None:
        return HttpResponse(status=400)
    if form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if action == "hours":
                services.workshop_calendar_set_hours(workshop=workshop, actor=request.user, **data)
            elif action == "days":
                services.workshop_calendar_add_days(
                    workshop=workshop,
                    actor=request.user,
                    closed=data["kind"] == "closed",
                    first=data["first"],
                    last=data["last"],
                    note=data["note"],
                )
            else:
                services.workshop_calendar_add_break(workshop=workshop, actor=request.user, **data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The calendar was saved."))
            return redirect("workshop_calendar", workshop_uuid=workshop.uuid)
    status = 400 if form is not None and form.errors else 200
    return _render_calendar(request, workshop, hours_form, days_form, break_form, status)


def _render_calendar(request, workshop, hours_form, days_form, break_form, status):
    saved = type(workshop).objects.get(pk=workshop.pk)
    calendar = Calendar.of(saved)
    today = timezone.localdate()
    days_off = [
        (day, calendar.why_closed(day))
        for day in (today + datetime.timedelta(days=i) for i in range(CALENDAR_AHEAD_DAYS))
        if calendar.why_closed(day) and day.isoweekday() in calendar.weekdays
    ]
    return render(
        request,
        "workshops/calendar.html",
        {
            "workshop": saved,
            "hours_form": hours_form,
            "days_form": days_form,
            "break_form": break_form,
            "hours_per_day": calendar.hours_per_day,
            "closed_days": parse_ranges(saved.closed_days),
            "extra_working_days": parse_ranges(saved.extra_working_days),
            "break_times": parse_breaks(saved.break_times),
            "days_off": days_off,
        },
        status=status,
    )


# --- Members -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def workshop_members(request: HttpRequest, workshop_uuid: UUID) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    form = InvitationForm(request.POST if request.method == "POST" else None)
    invite_link = None
    if request.method == "POST" and form.is_valid():
        try:
            invitation, token = services.invitation_create(
                workshop=workshop,
                actor=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            invite_link = request.build_absolute_uri(reverse("invitation_accept", args=[token]))
            _send_invitation_mail(request, invitation, invite_link)
            messages.success(
                request,
                _("Invitation created for %(email)s. Send them the link below.")
                % {"email": invitation.email},
            )
            form = InvitationForm()
    members = (
        Membership.objects.filter(workshop=workshop).select_related("user").order_by("created_at")
    )
    open_invitations = [
        i
        for i in Invitation.objects.filter(workshop=workshop, accepted_at=None, revoked_at=None)
        if i.is_open
    ]
    return render(
        request,
        "workshops/members.html",
        {
            "workshop": workshop,
            "members": members,
            "invitations": open_invitations,
            "form": form,
            "invite_link": invite_link,
            "roles": Role.choices,
            "me": membership_for(request.user, workshop),
        },
        status=400 if form.errors else 200,
    )


def _send_invitation_mail(request: HttpRequest, invitation: Invitation, link: str) -> None:
    send_mail(
        subject=_("Invitation to %(workshop)s on shopnet") % {"workshop": invitation.workshop.name},
        message=_(
            "%(inviter)s invited you to join %(workshop)s as %(role)s.\n\nOpen this link: %(link)s"
        )
        % {
            "inviter": request.user,
            "workshop": invitation.workshop.name,
            "role": invitation.get_role_display(),
            "link": link,
        },
        from_email=None,
        recipient_list=[invitation.email],
        fail_silently=True,
    )


@require_POST
@login_required
def member_role(request: HttpRequest, workshop_uuid: UUID, membership_uuid: UUID) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    membership = get_membership_for(request.user, workshop, membership_uuid)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
    else:
        try:
            services.membership_change_role(
                membership=membership, actor=request.user, role=form.cleaned_data["role"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The role was changed."))
    return redirect("workshop_members", workshop_uuid=workshop.uuid)


@require_POST
@login_required
def member_remove(request: HttpRequest, workshop_uuid: UUID, membership_uuid: UUID) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    membership = get_membership_for(request.user, workshop, membership_uuid)
    try:
        services.membership_remove(membership=membership, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The member was removed."))
    if membership.user_id == request.user.pk:
        return redirect("home")
    return redirect("workshop_members", workshop_uuid=workshop.uuid)


@require_POST
@login_required
def invitation_revoke(
    request: HttpRequest, workshop_uuid: UUID, invitation_uuid: UUID
) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    invitation = get_invitation_for(request.user, workshop, invitation_uuid)
    try:
        services.invitation_revoke(invitation=invitation, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The invitation was revoked."))
    return redirect("workshop_members", workshop_uuid=workshop.uuid)


@require_http_methods(["GET", "POST"])
@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None:
        raise Http404("No such invitation.")
    signup_form = None
    if not invitation.is_open:
        return render(
            request,
            "workshops/invitation.html",
            {"invitation": invitation, "closed": True},
            status=410,
        )
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.invitation_accept(token=token, user=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    _("You joined %(workshop)s.") % {"workshop": invitation.workshop.display_name},
                )
                return redirect("home")
    else:
        signup_form = SignupForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and signup_form.is_valid():
            try:
                with transaction.atomic():
                    user = signup_form.save()
                    user.email = invitation.email
                    user.save(update_fields=["email"])
                    services.invitation_accept(token=token, user=user)
            except ValidationError as error:
                signup_form.add_error(None, error)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request,
                    _("Welcome! You joined %(workshop)s.")
                    % {"workshop": invitation.workshop.display_name},
                )
                return redirect("home")
    return render(
        request,
        "workshops/invitation.html",
        {"invitation": invitation, "signup_form": signup_form, "closed": False},
        status=400 if signup_form is not None and signup_form.errors else 200,
    )


@require_GET
@login_required
def workshop_history(request: HttpRequest, workshop_uuid: UUID) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    events = Paginator(
        AuditEvent.objects.filter(workshop=workshop).select_related("actor"), 100
    ).get_page(request.GET.get("page"))
    return render(request, "workshops/history.html", {"workshop": workshop, "page": events})


@require_http_methods(["GET", "POST"])
@login_required
def member_password(
    request: HttpRequest, workshop_uuid: UUID, membership_uuid: UUID
) -> HttpResponse:
    """An owner sets a new password for a floor member (services.member_password_set)."""
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    membership = get_membership_for(request.user, workshop, membership_uuid)
    form = SetPasswordForm(membership.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_password_set(
                membership=membership,
                actor=request.user,
                password=form.cleaned_data["new_password1"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The password of %(member)s was set. Tell it to them in person.")
                % {"member": membership.user},
            )
            return redirect("workshop_members", workshop_uuid=workshop.uuid)
    return render(
        request,
        "workshops/member_password.html",
        {"workshop": workshop, "membership": membership, "form": form},
        status=400 if form.errors else 200,
    )


# --- API tokens ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def api_tokens(request: HttpRequest, workshop_uuid: UUID) -> HttpResponse:
    """The shop's API tokens: make one (its key shown once, on this answer only), see when each
    was last used, revoke. Owners and managers only."""
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = services.api_token_create(
                workshop=workshop,
                actor=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = ApiTokenForm()
    return render(
        request,
        "workshops/api_tokens.html",
        {"workshop": workshop, "tokens": api_tokens_of(workshop), "form": form, "new_key": new_key},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def api_token_revoke(request: HttpRequest, workshop_uuid: UUID, token_uuid: UUID) -> HttpResponse:
    workshop = get_workshop_for(request.user, workshop_uuid, manage=True)
    token = get_api_token_for(request.user, workshop, token_uuid)
    try:
        services.api_token_revoke(token=token, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The token was revoked. It no longer works."))
    return redirect("api_tokens", workshop_uuid=workshop.uuid)
