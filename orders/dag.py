"""A job's step graph: its steps and the links between them, loaded once and handed to
readiness, the schedule, the traveler and the diagram instead of each reading them again.

Two queries whatever the job's size (the steps, then the links); readiness may add one for
the hand-offs that arrived, and only when a planned step waits on another shop's parts.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from django.db.models import QuerySet

from core.prepared import Prepared

from .models import FINISHED_STEP_STATES, HandOff, HandOffStatus, Job, Step, StepLink, StepStatus


def _steps(steps: QuerySet[Step] | None, job_id: int, related: Iterable[str]) -> QuerySet[Step]:
    return (
        (Step.objects.all() if steps is None else steps)
        .filter(job_id=job_id)
        .select_related(*related)
        .order_by("position", "pk")
    )


JOB_STEPS = Prepared(
    lambda job_id: _steps(None, job_id, ("workshop", "process")), int, name="job steps"
)
JOB_LINKS = Prepared(
    lambda job_id: (
        StepLink.objects.filter(successor__job_id=job_id)
        .order_by("pk")
        .values_list("predecessor_id", "successor_id")
    ),
    int,
    name="job links",
)


class StepGraph:
    """Every step of one job (in position order) and the links among them."""

    def __init__(self, job: Job, steps: Iterable[Step], links: Iterable[tuple[int, int]]) -> None:
        self.job = job
        self.steps: dict[int, Step] = {s.pk: s for s in steps}
        # Steps whose status the recompute changed in memory and has yet to write: the
        # projection's update writes them (orders/schedule.py `project_job`).
        self.status_moved: set[int] = set()
        # A link whose ends are not both steps of this job cannot be saved through the services;
        # should bad data hold one, it is left out rather than break every reader.
        self.links: list[tuple[int, int]] = [
            (a, b) for a, b in links if a in self.steps and b in self.steps
        ]
        self._predecessors: dict[int, list[int]] = {pk: [] for pk in self.steps}
        self._successors: dict[int, list[int]] = {pk: [] for pk in self.steps}
        for a, b in self.links:
            self._predecessors[b].append(a)
            self._successors[a].append(b)

    @classmethod
    def load(
        cls,
        job: Job,
        *,
        related: Iterable[str] = ("workshop", "process"),
        steps: QuerySet[Step] | None = None,
        read: tuple[list[Step], list[tuple[int, int]]] | None = None,
    ) -> StepGraph:
        """The job's steps (with `related` joined; from `steps` when the caller needs them
        annotated) and links: two queries, or none when the caller `read` them already
        (`JOB_STEPS` and `JOB_LINKS`)."""
        if read is not None:
            return cls(job, *read)
        if steps is None and tuple(related) == ("workshop", "process"):
            # The floor tap's graph (compiled once: core/prepared.py).
            return cls(job, JOB_STEPS(job.pk), JOB_LINKS(job.pk))
        return cls(job, list(_steps(steps, job.pk, related)), JOB_LINKS(job.pk))

    def __contains__(self, pk: int) -> bool:
        return pk in self.steps

    def __len__(self) -> int:
        return len(self.steps)

    def step(self, pk: int) -> Step:
        return self.steps[pk]

    def predecessors(self, pk: int) -> list[int]:
        return self._predecessors.get(pk, [])

    def successors(self, pk: int) -> list[int]:
        return self._successors.get(pk, [])

    def statuses(self) -> set[str]:
        return {s.status for s in self.steps.values()}

    def topological(self) -> list[Step]:
        """The steps in an order where each comes after all it waits for; among steps free at
        the same time, by position. Steps caught in a cycle (bad data) are left out."""
        waiting = {pk: len(preds) for pk, preds in self._predecessors.items()}
        free = [(self.steps[pk].position, pk) for pk, n in waiting.items() if n == 0]
        heapq.heapify(free)
        ordered: list[Step] = []
        while free:
            _position, pk = heapq.heappop(free)
            ordered.append(self.steps[pk])
            for successor in self._successors[pk]:
                waiting[successor] -= 1
                if waiting[successor] == 0:
                    heapq.heappush(free, (self.steps[successor].position, successor))
        return ordered

    def numbers(self) -> dict[int, int]:
        """Step pk → 1…n in topological order; steps in a cycle, should bad data hold one,
        come last rather than be lost."""
        order = [s.pk for s in self.topological()]
        placed = set(order)
        order += [pk for pk in self.steps if pk not in placed]  # already in position order
        return {pk: n for n, pk in enumerate(order, start=1)}

    def ready_ids(self, *, requested: set[int]) -> set[int]:
        """The planned steps that may start now.

        A step is ready when no request for it is waiting for an answer (`requested`), every
        predecessor is done or cancelled, and the parts of every predecessor done at another
        shop were received here. The hand-offs are read only when some step needs them.
        """
        steps = self.steps
        candidates = []
        for pk, step in steps.items():
            if step.status != StepStatus.PLANNED or pk in requested:
                continue
            preds = self._predecessors[pk]
            if all(steps[p].status in FINISHED_STEP_STATES for p in preds):
                candidates.append(pk)
        needs_parts = {
            (p, pk)
            for pk in candidates
            for p in self._predecessors[pk]
            if steps[p].status != StepStatus.CANCELLED
            and steps[p].workshop_id != steps[pk].workshop_id
        }
        arrived: set[tuple[int, int]] = set()
        if needs_parts:
            arrived = set(
                HandOff.objects.filter(
                    job_id=self.job.pk,
                    to_step_id__in={b for _a, b in needs_parts},
                    status=HandOffStatus.RECEIVED,
                ).values_list("from_step_id", "to_step_id")
            )
        return {
            pk
            for pk in candidates
            if all((p, pk) not in needs_parts or (p, pk) in arrived for p in self._predecessors[pk])
        }
