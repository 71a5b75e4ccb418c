"""Close open-board postings whose answer-by time has passed without an award.

Run it on a schedule (every few minutes; see docs/DEPLOY.md): nothing closes postings in the
background otherwise, and every invited shop is told through its board.
"""

from django.core.management.base import BaseCommand

from board.services import postings_close_expired


class Command(BaseCommand):
    help = "Close postings whose answer-by time has passed without an award."

    def handle(self, *args, **options):
        closed = postings_close_expired()
        self.stdout.write(f"Closed {closed} posting(s).")
