"""Recompute the district statistics' rollups from the raw rows (steps, jobs, orders, events)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from orders import rollups


class Command(BaseCommand):
    help = "Rebuild the district dashboard's rollups from steps, jobs, orders and the event log."

    def handle(self, *args, **options):
        started = time.monotonic()
        written = rollups.rebuild()
        summary = ", ".join(f"{name} {count}" for name, count in written.items())
        self.stdout.write(f"Rollups rebuilt in {time.monotonic() - started:.1f}s: {summary}.")
