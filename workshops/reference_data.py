"""Load the shipped reference data (processes, materials, certifications) into the database.

Used by migrations (with historical models) and by `seed_demo`; idempotent: rows are matched
on their stable `code` and updated in place, never deleted (capabilities point at them).
"""

from __future__ import annotations

from typing import Any

from . import taxonomy


def sync_reference_data(process_model: Any, material_model: Any, certification_model: Any) -> None:
    for order, row in enumerate(taxonomy.PROCESSES):
        process_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "jis_symbol": row.get("jis_symbol", ""),
                "name_ja": row["name_ja"],
                "name_en": row["name_en"],
                "category": row["category"],
                "sort_order": row.get("sort_order", order),
            },
        )
    for order, row in enumerate(taxonomy.MATERIALS):
        material_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_ja": row["name_ja"],
                "name_en": row["name_en"],
                "category": row["category"],
                "sort_order": order,
            },
        )
    for order, row in enumerate(taxonomy.CERTIFICATIONS):
        certification_model.objects.update_or_create(
            code=row["code"],
            defaults={"name_ja": row["name_ja"], "name_en": row["name_en"], "sort_order": order},
        )


def sync_with_current_models() -> None:
    # Imported here, not at the top: migrations import this module and must not load the
    # current models (they pass their historical ones to `sync_reference_data`).
    from .models import Certification, Material, Process

    sync_reference_data(Process, Material, Certification)
