import importlib

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.audit import audited_command
from core.demo import DEMO_ORGS, DEMO_PASSWORD, LOGINS
from core.models import Organization


class Command(BaseCommand):
    help = (
        "Create (or refresh) the demo organizations Acme and Globex with people, strategy and work. "
        "Each app adds its part through its own demo.py."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even when DEBUG is off (never on real data)."
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Do nothing when the demo organizations exist already (keeps changes made to them).",
        )

    @audited_command("seed_demo")
    def handle(self, *args, force=False, if_missing=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo replaces the Acme and Globex organizations and sets a known password; "
                "it refuses to run with DEBUG off. Pass --force if this really is a demo system."
            )
        if if_missing and Organization.objects.filter(slug__in=DEMO_ORGS).count() == len(DEMO_ORGS):
            self.stdout.write("The demo organizations exist already; kept as they are.")
            self._print_logins()
            return
        context: dict = {}
        with transaction.atomic():
            # Apps in dependency order (core, planning, okrs, ...) each seed what they own.
            for config in apps.get_app_configs():
                try:
                    module = importlib.import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                module.seed(context)
        self.stdout.write(self.style.SUCCESS("Demo organizations Acme and Globex are ready."))
        self._print_logins()

    def _print_logins(self):
        self.stdout.write(f"Sign in with any of these (password: {DEMO_PASSWORD}):")
        for email, what in LOGINS:
            self.stdout.write(f"  {email:<28} {what}")
