"""Compute the district dashboards' default views ahead of their readers."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from districts import cached
from districts.filters import default_scope
from workshops.models import District


class Command(BaseCommand):
    help = (
        "Make each district dashboard's default view (the last 12 weeks, no filters) current in "
        "the cache, in every language: computed if missing, recomputed if stale. Run every few "
        "minutes, so the first reader of the day and the first after a quiet spell do not wait."
    )

    def add_arguments(self, parser):
        parser.add_argument("--district", action="append", help="A district's slug (repeatable).")

    def handle(self, *args, **options):
        districts = District.objects.order_by("slug")
        if options["district"]:
            districts = districts.filter(slug__in=options["district"])
        for district in districts:
            for language, _name in settings.LANGUAGES:
                started = time.monotonic()
                with translation.override(language):
                    computed = cached.warm(default_scope(district))
                elapsed = time.monotonic() - started
                what = ", ".join(computed) if computed else "already current"
                self.stdout.write(f"{district.slug} [{language}]: {what} ({elapsed:.1f}s)")
