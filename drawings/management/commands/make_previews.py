"""Make the previews of revisions that have none yet: run every minute (docs/DEPLOY.md).

Each revision is rendered in a child process with the memory and time limits of the settings
(DRAWINGS_PREVIEW_MEMORY_MB, DRAWINGS_PREVIEW_TIMEOUT); a file that breaks a limit is marked
"no preview" and the next one goes on. Safe to run in several places at once: a revision is
written by whichever render finishes first, and the others' files are removed.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from drawings.models import DrawingRevision, PreviewStatus
from drawings.previews import make_previews, pending_revisions


class Command(BaseCommand):
    help = "Make the previews of drawing revisions that have none yet."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=100, help="Revisions per run.")
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="Also try again the revisions whose preview failed (after raising a limit).",
        )

    def handle(self, *args, limit: int, retry_failed: bool, **options) -> None:
        if retry_failed:
            DrawingRevision.objects.filter(preview_status=PreviewStatus.FAILED).update(
                preview_status=PreviewStatus.PENDING, preview_error=""
            )
        made = failed = 0
        for revision in pending_revisions(limit):
            result = make_previews(revision)
            if result.preview_status == PreviewStatus.READY:
                made += 1
            else:
                failed += 1
                self.stderr.write(f"{result.uuid}: no preview ({result.preview_error})")
        self.stdout.write(f"{made} made, {failed} without preview")
