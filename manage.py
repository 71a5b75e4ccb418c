#!/usr/bin/env python
import os
import secrets
import sys

# Commands that never read the secret key may run without one (a fresh checkout, CI checks):
# they get a throwaway key for this process only. Everything else needs SECRET_KEY (or DEBUG).
KEYLESS_COMMANDS = {
    "makemigrations",
    "showmigrations",
    "sqlmigrate",
    "migrate",
    "makemessages",
    "compilemessages",
    "help",
}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopnet.settings")
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    if command in KEYLESS_COMMANDS and not os.environ.get("SECRET_KEY"):
        os.environ["SECRET_KEY"] = "throwaway-" + secrets.token_urlsafe(48)

    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - reads the settings now, to report a bad value clearly
    except ImproperlyConfigured as error:
        sys.stderr.write(f"shopnet: configuration error: {error}\n")
        sys.exit(2)

    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
