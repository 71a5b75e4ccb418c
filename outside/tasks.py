"""The worker's side: the mail that carries a capability link. It may run twice: it sends
once (`mailed_at`)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task

from worker.retry import retrying

from . import selectors
from .links import link_url
from .models import CapabilityLink


@task()
@retrying(attempts=5, backoff=30)
def mail_link(link_id: int) -> str:
    link = (
        CapabilityLink.objects.select_related("order__job", "order__buyer", "shop__workshop")
        .filter(pk=link_id)
        .first()
    )
    if link is None or link.mailed_at is not None or not link.is_live or not link.shop.email:
        return "skipped"
    # The shop has no account and no language setting: Japanese, the district's language.
    with translation.override("ja"):
        context = {"link": link, "url": link_url(link), **selectors.request_summary(link)}
        subject = render_to_string("outside/mail_subject.txt", context).strip()
        body = render_to_string("outside/mail_body.txt", context)
    message = EmailMultiAlternatives(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[link.shop.email]
    )
    message.send()
    CapabilityLink.objects.filter(pk=link.pk, mailed_at=None).update(mailed_at=timezone.now())
    return "sent"
