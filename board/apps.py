from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoardConfig(AppConfig):
    name = "board"
    verbose_name = _("Open board")

    def ready(self) -> None:
        from orders import demo

        from . import demo as board_demo

        # The demo district (seed_demo, in orders) has a posting with an offer on it.
        demo.extend(board_demo.seed_posting)
