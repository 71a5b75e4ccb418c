"""The hub's pages for a job's parts: add, change and remove a part, choose a step's part,
say what an assembly joins; every refusal shown at once; the job page's cost whatever the
number of parts."""

from __future__ import annotations

import pytest

from orders.models import Part, ProgressEvent, Step, StepInput
from orders.services.jobs import step_add
from orders.services.parts import part_add
from tests.conftest import client_for
from tests.orders.conftest import add, post_job
from workshops.models import Process


def _part(job, chain, name, quantity=10, **data):
    return part_add(
        job=job, actor=chain.hub_owner, data={"name": name, "quantity": quantity, **data}
    )


def test_a_hub_manager_adds_a_part_from_the_job_page(chain):
    job = post_job(chain)
    client = client_for(chain.hub_owner)
    page = client.get(f"/jobs/{job.uuid}/").content.decode()
    assert f"/jobs/{job.uuid}/parts/new/" in page
    response = client.post(
        f"/jobs/{job.uuid}/parts/new/",
        {
            "name": "ブラケット",
            "drawing_number": "MR-2002",
            "revision": "B",
            "quantity": "１９",
            "material_note": "A5052",
        },
    )
    assert response.status_code == 302
    part = Part.objects.get(job=job, name="ブラケット")
    assert (part.drawing_number, part.revision, part.quantity, part.material_note) == (
        "MR-2002",
        "B",
        19,
        "A5052",
    )
    assert ProgressEvent.objects.filter(job=job, kind="part.added", actor=chain.hub_owner).exists()
    page = client.get(f"/jobs/{job.uuid}/").content.decode()
    assert "ブラケット" in page and f"/parts/{part.uuid}/edit/" in page


def test_the_part_form_shows_every_error_at_once_and_writes_nothing(chain):
    job = post_job(chain)
    response = client_for(chain.hub_owner).post(
        f"/jobs/{job.uuid}/parts/new/",
        {"name": " ", "quantity": "-1", "revision": "R" * 21},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"name", "quantity", "revision"} <= set(errors)
    assert Part.objects.filter(job=job).count() == 1
    assert not ProgressEvent.objects.filter(job=job, kind="part.added").exists()


def test_a_part_is_changed_and_an_unused_one_removed(chain):
    job = post_job(chain)
    part = _part(job, chain, "カラー")
    client = client_for(chain.hub_owner)
    edit = client.get(f"/jobs/{job.uuid}/parts/{part.uuid}/edit/")
    assert edit.status_code == 200 and "カラー" in edit.content.decode()
    response = client.post(
        f"/jobs/{job.uuid}/parts/{part.uuid}/edit/",
        {"name": "カラー", "revision": "C", "quantity": "40"},
    )
    assert response.status_code == 302
    part.refresh_from_db()
    assert (part.revision, part.quantity) == ("C", 40)
    assert ProgressEvent.objects.filter(job=job, kind="part.updated").exists()
    response = client.post(f"/jobs/{job.uuid}/parts/{part.uuid}/remove/")
    assert response.status_code == 302
    assert not Part.objects.filter(pk=part.pk).exists()
    assert ProgressEvent.objects.filter(job=job, kind="part.removed").exists()


def test_a_part_in_use_is_not_removed_and_the_page_says_why(chain):
    job = post_job(chain)
    part = _part(job, chain, "カラー")
    step_add(
        job=job,
        actor=chain.hub_owner,
        process=Process.objects.get(code="L"),
        planned_hours=2,
        part=part,
    )
    client = client_for(chain.hub_owner)
    response = client.post(f"/jobs/{job.uuid}/parts/{part.uuid}/remove/", follow=True)
    assert Part.objects.filter(pk=part.pk).exists()
    assert "remove those first" in response.content.decode() or "先に" in (
        response.content.decode()
    )


def test_the_step_form_offers_the_parts_and_defaults_to_the_first(chain):
    job = post_job(chain)
    first = Part.objects.get(job=job)
    second = _part(job, chain, "ブラケット", quantity=19)
    client = client_for(chain.hub_owner)
    form = client.get(f"/jobs/{job.uuid}/steps/new/").context["form"]
    assert form["part"].value() == first.pk
    assert list(form.fields["part"].queryset) == [first, second]
    response = client.post(
        f"/jobs/{job.uuid}/steps/new/",
        {"part": second.pk, "process": Process.objects.get(code="M").pk, "planned_hours": "2"},
    )
    assert response.status_code == 302
    step = Step.objects.get(job=job)
    assert step.part == second and step.quantity == 19
    # The part is changed on the step's edit page.
    response = client.post(
        f"/jobs/{job.uuid}/steps/{step.uuid}/edit/",
        {"part": first.pk, "process": step.process_id, "planned_hours": "2", "quantity": "19"},
    )
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.part == first


def test_a_step_of_another_jobs_part_is_refused(chain):
    job, other = post_job(chain), post_job(chain, drawing_number="MR-9")
    foreign = Part.objects.get(job=other)
    response = client_for(chain.hub_owner).post(
        f"/jobs/{job.uuid}/steps/new/",
        {"part": foreign.pk, "process": Process.objects.get(code="M").pk, "planned_hours": "2"},
    )
    assert response.status_code == 400
    assert "part" in response.context["form"].errors
    assert not Step.objects.filter(job=job).exists()


def test_an_assembly_step_is_told_which_parts_it_joins(chain):
    job = post_job(chain, part_name="ギアユニット", quantity=19)
    unit = Part.objects.get(job=job)
    shaft = _part(job, chain, "シャフト", quantity=19)
    bracket = _part(job, chain, "ブラケット", quantity=38)
    grind = step_add(
        job=job,
        actor=chain.hub_owner,
        process=Process.objects.get(code="G"),
        planned_hours=2,
        part=shaft,
    )
    mill = step_add(
        job=job,
        actor=chain.hub_owner,
        process=Process.objects.get(code="M"),
        planned_hours=2,
        part=bracket,
    )
    assemble = add(job, chain, "ASM")
    assert assemble.part == unit
    client = client_for(chain.hub_owner)
    page = client.get(f"/jobs/{job.uuid}/")
    assert f"/steps/{assemble.uuid}/inputs/" in page.content.decode()
    form = client.get(f"/jobs/{job.uuid}/steps/{assemble.uuid}/inputs/").context["form"]
    assert set(form.fields) == {f"part_{shaft.pk}", f"part_{bracket.pk}"}
    response = client.post(
        f"/jobs/{job.uuid}/steps/{assemble.uuid}/inputs/",
        {f"part_{shaft.pk}": "1", f"part_{bracket.pk}": "２"},
    )
    assert response.status_code == 302
    assert {(i.part_id, i.per_unit) for i in StepInput.objects.filter(step=assemble)} == {
        (shaft.pk, 1),
        (bracket.pk, 2),
    }
    assert set(assemble.predecessors.all()) == {grind, mill}
    # It now waits for the parts it joins.
    assemble.refresh_from_db()
    assert assemble.status == "planned"
    page = client.get(f"/jobs/{job.uuid}/").content.decode()
    assert "ブラケット × 2" in page
    # The order graph names each step's part on a band of its colour.
    assert page.count("data-part-band") == 2 * 3  # three steps, drawn across and down
    assert "■ ブラケット" in page


def test_the_inputs_form_says_every_refusal_at_once(chain):
    job = post_job(chain, part_name="ギアユニット", quantity=19)
    shaft = _part(job, chain, "シャフト", quantity=19)
    bracket = _part(job, chain, "ブラケット", quantity=38)
    assemble = add(job, chain, "ASM")
    response = client_for(chain.hub_owner).post(
        f"/jobs/{job.uuid}/steps/{assemble.uuid}/inputs/",
        {f"part_{shaft.pk}": "1", f"part_{bracket.pk}": "2"},
    )
    assert response.status_code == 400
    errors = response.context["form"].non_field_errors()
    # No step makes either part: both are named.
    assert any("シャフト" in e for e in errors) and any("ブラケット" in e for e in errors)
    assert not StepInput.objects.filter(step=assemble).exists()


@pytest.mark.parametrize("count", [1, 50])
def test_the_job_page_costs_the_same_whatever_the_number_of_parts(
    chain, django_assert_num_queries, count
):
    job = post_job(chain, part_name="フレーム", quantity=1)
    assembly = add(job, chain, "ASM")
    for i in range(count - 1):
        part = _part(job, chain, f"部品{i}", quantity=2, drawing_number=f"F-{i}")
        step_add(
            job=job,
            actor=chain.hub_owner,
            process=Process.objects.get(code="L"),
            planned_hours=1,
            part=part,
            after=[],
        )
    if count > 1:
        from orders.services.parts import step_inputs_set

        step_inputs_set(
            step=assembly,
            actor=chain.hub_owner,
            inputs=[(p, 2) for p in Part.objects.filter(job=job).exclude(pk=assembly.part_id)],
        )
    client = client_for(chain.hub_owner)
    # session, user; the job; memberships (access); orders; order-step pairs; steps (id, shop);
    # visible steps with process, shop and part; links; hand-offs; events; the navigation's
    # memberships; the job's parts; the assembly inputs
    with django_assert_num_queries(14):
        response = client.get(f"/jobs/{job.uuid}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("step-card") == count
    assert page.count('id="part-') == count
