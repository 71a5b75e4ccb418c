"""Forget idempotency keys older than IDEMPOTENCY_KEY_DAYS.

A key only has to outlive the client's retries of one request (a floor tablet that was offline
for a weekend sends its queued taps on Monday), so a month is plenty; without this the table
grows by one row per write forever. Run by the worker's schedule (docs/DEPLOY.md).
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from core.models import IdempotencyKey


class Command(BaseCommand):
    help = "Delete idempotency keys older than IDEMPOTENCY_KEY_DAYS."

    def handle(self, *args, **options):
        cutoff = timezone.now() - timedelta(days=settings.IDEMPOTENCY_KEY_DAYS)
        deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
        self.stdout.write(f"Deleted {deleted} idempotency key(s).")
