"""Build the demo district (idempotent), or with --scale N, N extra workshops for benchmarks."""

from __future__ import annotations

import random
import time
import uuid
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from orders.demo import seed_jobs
from orders.demo_history import seed_history
from orders.scale import build_history
from workshops import demo_data, services
from workshops.demo_data import demo_uuid
from workshops.models import (
    Capability,
    Certification,
    District,
    Machine,
    Material,
    Membership,
    Process,
    User,
    Workshop,
)
from workshops.reference_data import sync_with_current_models


class Command(BaseCommand):
    help = "Seed the demo district and its users (safe to run again), or --scale N workshops."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            help="Also make sure N generated workshops exist (bulk inserts, for benchmarks).",
        )
        parser.add_argument("--seed", type=int, default=20260101, help="Random seed for --scale.")
        parser.add_argument(
            "--jobs",
            dest="history_jobs",
            type=int,
            default=0,
            help="With --scale: also make sure M jobs of the last year exist in the demo district "
            "(steps, orders, hand-offs, events; bulk inserts, for the dashboard benchmark).",
        )
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")

    def handle(self, *args, scale: int, seed: int, quiet: bool, history_jobs: int = 0, **options):
        if scale < 0:
            raise CommandError("--scale must be zero or more.")
        demo_data.validate()
        started = time.monotonic()
        sync_with_current_models()
        districts = self._districts()
        created = self._workshops(districts)
        self._users(districts)
        jobs = seed_jobs()
        history = seed_history(districts[demo_data.DISTRICT["slug"]])
        if scale:
            made = self._scale(scale, seed, districts[demo_data.DISTRICT["slug"]])
            self.stdout.write(f"Scale: {made} workshops created ({scale} wanted).")
            if history_jobs:
                history = build_history(
                    districts[demo_data.DISTRICT["slug"]],
                    jobs=history_jobs,
                    seed=seed,
                    say=self.stdout.write,
                )
                self.stdout.write(
                    f"Scale: {history} jobs of history created ({history_jobs} wanted)."
                )
        self.stdout.write(
            f"Demo district ready: {len(demo_data.WORKSHOPS)} workshops ({created} new), "
            f"{jobs} new demo jobs, {history} jobs of history, "
            f"in {time.monotonic() - started:.1f}s."
        )
        if not quiet:
            self._print_logins()

    # --- districts, workshops, users ------------------------------------------------------

    def _districts(self) -> dict[str, District]:
        result = {}
        for row in (demo_data.DISTRICT, demo_data.SECOND_DISTRICT):
            district, _ = District.objects.update_or_create(
                slug=row["slug"],
                defaults={
                    "name_ja": row["name_ja"],
                    "name_en": row.get("name_en", ""),
                    "prefecture": row.get("prefecture", ""),
                },
            )
            result[district.slug] = district
        return result

    @transaction.atomic
    def _workshops(self, districts: dict[str, District]) -> int:
        processes = {p.code: p for p in Process.objects.all()}
        materials = {m.code: m for m in Material.objects.all()}
        certifications = {c.code: c for c in Certification.objects.all()}
        main = districts[demo_data.DISTRICT["slug"]]
        second = districts[demo_data.SECOND_DISTRICT["slug"]]
        created = 0
        for row in demo_data.WORKSHOPS:
            wanted_uuid = demo_uuid(row["key"])
            if Workshop.objects.filter(uuid=wanted_uuid).exists():
                continue
            workshop = services.workshop_create(
                actor=None,
                uuid=wanted_uuid,
                name=row["name"],
                name_kana=row.get("name_kana", ""),
                name_en=row.get("name_en", ""),
                postal_code=row.get("postal_code", ""),
                address=row.get("address", ""),
                latitude=Decimal(str(row["latitude"])).quantize(Decimal("0.000001")),
                longitude=Decimal(str(row["longitude"])).quantize(Decimal("0.000001")),
                headcount=row.get("headcount"),
                founded_year=row.get("founded_year"),
                description=row.get("description", ""),
                description_en=row.get("description_en", ""),
                certifications=[certifications[c] for c in row.get("certifications", [])],
                districts=[main, second] if row.get("in_second_district") else [main],
            )
            machines_by_label: dict[tuple[str, str], Machine] = {}
            for cap in row["capabilities"]:
                machines = []
                for maker, model, count in cap.get("machines", []):
                    key = (maker, model)
                    if key not in machines_by_label:
                        machines_by_label[key] = services.machine_save(
                            workshop=workshop,
                            actor=None,
                            data={"maker": maker, "model_name": model, "count": count},
                        )
                    machines.append(machines_by_label[key])
                services.capability_save(
                    workshop=workshop,
                    actor=None,
                    data={
                        "process": processes[cap["process"]],
                        "materials": [materials[m] for m in cap.get("materials", [])],
                        "max_length_mm": _dec(cap.get("max_length_mm")),
                        "max_width_mm": _dec(cap.get("max_width_mm")),
                        "max_height_mm": _dec(cap.get("max_height_mm")),
                        "tolerance_um": _dec(cap.get("tolerance_um")),
                        "lot_min": cap.get("lot_min"),
                        "lot_max": cap.get("lot_max"),
                        "lead_time_days": cap.get("lead_time_days"),
                        "capacity_hours_per_week": cap.get("capacity_hours_per_week"),
                        "machines": machines,
                    },
                )
            created += 1
        return created

    @transaction.atomic
    def _users(self, districts: dict[str, District]) -> None:
        # Hashing is slow on purpose; the demo users share a password, so hash it once.
        hashes: dict[str, str] = {}
        for row in demo_data.DEMO_USERS:
            if row["password"] not in hashes:
                hashes[row["password"]] = make_password(row["password"])
            user, _made = User.objects.get_or_create(
                username=row["username"],
                defaults={"display_name": row["display_name"], "password": hashes[row["password"]]},
            )
            if row["role"] == "district_staff":
                services.district_staff_add(district=districts[row["district"]], user=user)
                continue
            workshop = Workshop.objects.get(uuid=demo_uuid(row["workshop"]))
            if not Membership.objects.filter(workshop=workshop, user=user).exists():
                services.membership_add(workshop=workshop, user=user, role=row["role"], actor=None)

    def _print_logins(self) -> None:
        names = {demo_uuid(w["key"]): w["name"] for w in demo_data.WORKSHOPS}
        by_key = {w["key"]: names[demo_uuid(w["key"])] for w in demo_data.WORKSHOPS}
        district_names = {demo_data.DISTRICT["slug"]: demo_data.DISTRICT["name_ja"]}
        self.stdout.write("")
        self.stdout.write(
            "Demo logins (password for all: {})".format(demo_data.DEMO_USERS[0]["password"])
        )
        self.stdout.write(f"{'username':<22} {'role':<15} where")
        for row in demo_data.DEMO_USERS:
            where = (
                by_key[row["workshop"]]
                if row["workshop"]
                else district_names.get(row["district"], row["district"])
            )
            self.stdout.write(f"{row['username']:<22} {row['role']:<15} {where}")

    # --- scale ----------------------------------------------------------------------------------

    def _scale(self, count: int, seed: int, district: District) -> int:
        """Bulk-insert generated workshops with one or two capabilities each."""
        rng = random.Random(seed)
        processes = list(Process.objects.all())
        materials = list(Material.objects.all())
        wanted = {demo_uuid(f"scale-{i}"): i for i in range(count)}
        existing = set(
            Workshop.objects.filter(uuid__in=list(wanted)).values_list("uuid", flat=True)
        )
        missing = [(u, i) for u, i in wanted.items() if u not in existing]
        batch = 2000
        for start in range(0, len(missing), batch):
            chunk = missing[start : start + batch]
            with transaction.atomic():
                workshops = Workshop.objects.bulk_create(
                    [
                        Workshop(
                            uuid=u,
                            name=f"ベンチ工場 {i:05d}",
                            name_kana=f"ベンチコウジョウ {i:05d}",
                            name_en=f"Bench Works {i:05d}",
                            address=f"東京都大田区 {i}",
                            latitude=Decimal(f"{35.53 + rng.random() * 0.08:.6f}"),
                            longitude=Decimal(f"{139.67 + rng.random() * 0.12:.6f}"),
                            headcount=rng.choice([1, 2, 3, 4, 5, 6, 8, 9, 12, 20, 35]),
                            founded_year=rng.randint(1946, 2020),
                        )
                        for u, i in chunk
                    ]
                )
                if not all(w.pk for w in workshops):
                    # SQLite before 3.35 and some backends do not return ids from bulk inserts.
                    ids = dict(
                        Workshop.objects.filter(uuid__in=[u for u, _ in chunk]).values_list(
                            "uuid", "pk"
                        )
                    )
                    for w in workshops:
                        w.pk = ids[w.uuid]
                Workshop.districts.through.objects.bulk_create(
                    [
                        Workshop.districts.through(workshop_id=w.pk, district_id=district.pk)
                        for w in workshops
                    ]
                )
                capabilities = []
                for w in workshops:
                    for process in rng.sample(processes, rng.choice([1, 1, 2])):
                        length = rng.choice([50, 100, 200, 300, 500, 1000])
                        capabilities.append(
                            Capability(
                                uuid=uuid.uuid4(),
                                workshop_id=w.pk,
                                process=process,
                                max_length_mm=length,
                                max_width_mm=length // 2,
                                max_height_mm=length // 2,
                                tolerance_um=rng.choice([1, 2, 5, 10, 20, 50]),
                                lot_min=1,
                                lot_max=rng.choice([50, 500, 5000]),
                                lead_time_days=rng.randint(3, 20),
                                capacity_hours_per_week=rng.choice([40, 80, 120]),
                            )
                        )
                capabilities = Capability.objects.bulk_create(capabilities)
                if not all(c.pk for c in capabilities):
                    ids = dict(
                        Capability.objects.filter(
                            uuid__in=[c.uuid for c in capabilities]
                        ).values_list("uuid", "pk")
                    )
                    for c in capabilities:
                        c.pk = ids[c.uuid]
                Capability.materials.through.objects.bulk_create(
                    [
                        Capability.materials.through(capability_id=c.pk, material_id=m.pk)
                        for c in capabilities
                        for m in rng.sample(materials, 3)
                    ]
                )
        return len(missing)


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))
