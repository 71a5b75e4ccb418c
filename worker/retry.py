"""Retries with backoff for django-tasks, which runs a task once and records how it ended.

A task wrapped with `retrying` that raises is enqueued again for later (attempt + 1), up to
`attempts`, and the failed run stays in the task list as FAILED, so an operator sees every
failure in the admin (Tasks Database Backend › Task results) even when a later attempt succeeds.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def backoff_seconds(attempt: int, base: float) -> float:
    """Seconds to wait after the `attempt`-th failure: base, 2·base, 4·base … capped at a day."""
    return min(base * 2 ** (attempt - 1), 86400.0)


def retrying(*, attempts: int = 5, backoff: float = 30.0) -> Callable:
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, attempt: int = 1, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except Exception:
                if attempt >= attempts:
                    logger.error("%s gave up after %d attempts", func.__name__, attempt)
                    raise
                # The Task object, not this function: it is what the module exposes.
                task = import_string(f"{func.__module__}.{func.__name__}")
                run_after = timezone.now() + timedelta(seconds=backoff_seconds(attempt, backoff))
                task.using(run_after=run_after).enqueue(*args, attempt=attempt + 1, **kwargs)
                logger.warning(
                    "%s failed (attempt %d of %d); again at %s",
                    func.__name__,
                    attempt,
                    attempts,
                    run_after.isoformat(),
                    exc_info=True,
                )
                raise

        return wrapper

    return decorate
