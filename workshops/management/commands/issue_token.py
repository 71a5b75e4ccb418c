from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from core import realtime
from workshops.models import User


class Command(BaseCommand):
    help = "Print an API token for a user (creating it if needed). --rotate replaces it."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--rotate", action="store_true", help="Replace any existing token.")

    def handle(self, username: str, rotate: bool, **options):
        try:
            user = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user named {username!r}.") from None
        if rotate:
            with transaction.atomic():
                Token.objects.filter(user=user).delete()
                # Sockets opened with the old token close.
                realtime.access_changed(user)
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
