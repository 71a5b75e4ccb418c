"""The drawing revision each job and step works to, for the floor cards and the traveler.

Drawings belong to jobs, steps and orders, so the drawings app sits a layer above this one and
orders cannot ask it directly. It answers through this module instead: when it loads
(`DrawingsConfig.ready`) it hands in its readers with `provide`. Without them no job or step
knows its revision, and the pages print a dash.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from workshops.models import Workshop

from .models import Step


@dataclass
class StaleDrawing:
    """A drawing revised after the step started: the floor works to `started_on`, not
    `current`."""

    number: str
    started_on: str
    current: str


@dataclass
class StepRevision:
    revision: str | None = None
    number: str | None = None
    # The current revision's public id, for a link to its viewer (which decides who may look).
    revision_uuid: str | None = None
    stale: list[StaleDrawing] = field(default_factory=list)


class RevisionSource(Protocol):
    def job_revisions(self, job_ids: Iterable[int]) -> dict[int, str]: ...

    def step_revisions(
        self, steps: list[Step], *, workshop: Workshop | None = None
    ) -> dict[int, StepRevision]: ...


_provided: list[RevisionSource] = []


def provide(source: RevisionSource) -> None:
    _provided[:] = [source]


def job_revisions(job_ids: Iterable[int]) -> dict[int, str]:
    """The current revision of each job's main drawing; a job without drawings is left out."""
    return _provided[0].job_revisions(job_ids) if _provided else {}


def step_revisions(
    steps: list[Step], *, workshop: Workshop | None = None
) -> dict[int, StepRevision]:
    """For each step, the revision it works to and the drawings revised since it started.
    With `workshop` (the floor station's shop), a revision of a drawing not shared with that
    shop keeps its label but has no `revision_uuid`: no link to a viewer that would 404."""
    if not _provided:
        return {}
    return _provided[0].step_revisions(steps, workshop=workshop)
