"""Start a new organization with its first admin, and print how that admin signs in."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator
from django.urls import reverse

from core import services

# How each field the service can complain about is spelled on the command line.
OPTION_FOR_FIELD = {"name": "NAME", "admin_email": "--admin", "timezone": "--timezone"}


def _describe(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    lines = []
    for field, errors in error.message_dict.items():
        option = OPTION_FOR_FIELD.get(field)
        label = f"{field} ({option})" if option else field
        lines.append(f"{label}: {' '.join(errors)}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Create an organization with one admin. A new admin gets a one-time link to choose a "
        "password; someone who already has a password signs in as usual."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help='The organization\'s name, for example "Acme".')
        parser.add_argument(
            "--admin",
            required=True,
            dest="admin_email",
            metavar="EMAIL",
            help="E-mail address of the organization's first admin.",
        )
        parser.add_argument(
            "--timezone",
            default="UTC",
            metavar="TZ",
            help="The organization's time zone, for example Europe/Berlin (default UTC).",
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            metavar="URL",
            help="Where the app is served, used to build the sign-in link "
            "(default http://127.0.0.1:8000).",
        )

    def handle(self, *args, name, admin_email, timezone, base_url, **options):
        base_url = base_url.strip().rstrip("/")
        try:
            URLValidator(schemes=["http", "https"])(base_url)
        except ValidationError as exc:
            raise CommandError(
                "base_url (--base-url): Enter a full http(s) address, "
                "for example https://throughline.example.com."
            ) from exc
        try:
            result = services.organization_create(
                name=name, admin_email=admin_email, timezone_name=timezone, base_url=base_url
            )
        except ValidationError as exc:
            raise CommandError(_describe(exc)) from exc

        organization = result.organization
        self.stdout.write(
            self.style.SUCCESS(
                f"Created organization “{organization.name}” "
                f"(slug {organization.slug}, time zone {organization.timezone})."
            )
        )
        self.stdout.write(f"Admin: {result.admin.email}")
        if result.invitation_link:
            self.stdout.write(
                "First sign-in link (works once, expires in "
                f"{settings.INVITATION_TTL_HOURS} hours):\n  {result.invitation_link}"
            )
        else:
            self.stdout.write(
                f"{result.admin.email} already has a password; sign in at "
                f"{base_url}{reverse('core:login')}"
            )
