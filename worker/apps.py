from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkerConfig(AppConfig):
    """The background worker: runs queued tasks (django-tasks' database backend), the schedule
    of periodic commands, and puts back tasks whose worker died. Imports no shopnet app: it
    calls commands by name and tasks by their dotted path, so every app may enqueue through
    django-tasks without depending on this one."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "worker"
    verbose_name = _("Background work")
