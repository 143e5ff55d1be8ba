import importlib
import random
import time

import pgtrigger
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core import scale
from core.audit import audited_command

SIZES = {
    # name: default
    "teams": 200,
    "people": 2000,
    "strategic_objectives": 50,
    "initiatives": 400,
    "objectives": 2000,
    "key_results": 8000,
    "check_ins": 100_000,
    "work_packages": 100_000,
    "sprints": 2000,
    "review_items": 10_000,
}


class Command(BaseCommand):
    help = (
        "Build a large synthetic organization for benchmarks with bulk inserts; deterministic "
        "for a given --seed. Each app adds its part through its own scale.py."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--slug", default="scale")
        parser.add_argument("--name", default="Scale Co")
        for name, default in SIZES.items():
            parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=default, dest=name)

    @audited_command("seed_scale")
    def handle(self, *args, seed, slug, name, **options):
        sizes = {key: options[key] for key in SIZES}
        for key, value in sizes.items():
            if value < 0:
                raise CommandError(f"{key}: give a number of 0 or more.")
        if sizes["teams"] < 1 or sizes["people"] < 1:
            raise CommandError("teams and people: give at least 1 of each.")
        modules = []
        for config in apps.get_app_configs():
            try:
                modules.append(importlib.import_module(f"{config.name}.scale"))
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.scale":
                    raise
        started = time.monotonic()
        context = scale.ScaleContext(rng=random.Random(seed), sizes=sizes)  # noqa: S311 - synthetic data
        # Synthetic rows carry no audit history: the row triggers would write an event per row,
        # about ten times the cost of the insert itself (measured: 5000 work packages, 0.6 s
        # without them, 6–10 s with them), which would take the seed past five minutes.
        with transaction.atomic(), pgtrigger.ignore():
            existing = scale.Organization.objects.filter(slug=slug).first()
            if existing is not None:
                for module in reversed(modules):
                    if module is not scale:
                        module.clear(existing.pk)
                scale.clear(slug)
            scale.seed(context, slug=slug, name=name)
            for module in modules:
                if module is not scale:
                    module.seed(context)
        elapsed = time.monotonic() - started
        counts = {"teams": len(context.teams), "people": len(context.users)}
        counts.update({key: len(rows) for key, rows in context.objects.items()})
        made = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
        self.stdout.write(self.style.SUCCESS(f"{name} ({slug}) built in {elapsed:.1f} s: {made}."))
        self.stdout.write(
            f"Sign in as person00000@{slug}.example (admin) with the password throughline."
        )
