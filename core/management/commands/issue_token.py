from django.core.management.base import BaseCommand, CommandError

from core import services
from core.errors import DomainValidationError
from core.models import ApiToken, Membership, User


class Command(BaseCommand):
    help = "Issue an API token for a person (by e-mail) and print it once; only its hash is kept."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The person's e-mail address.")
        parser.add_argument("--scope", choices=ApiToken.Scope.values, default=ApiToken.Scope.READ)
        parser.add_argument("--name", default="Command line")
        parser.add_argument(
            "--organization",
            help="The organization's slug; needed when the person belongs to several.",
        )

    def handle(self, *args, username, scope, name, organization=None, **options):
        user = User.objects.filter(email__iexact=username.strip()).first()
        if user is None:
            raise CommandError(f"username: nobody signs in as {username}.")
        memberships = Membership.objects.select_related("organization").filter(
            user=user, is_active=True
        )
        if organization:
            memberships = memberships.filter(organization__slug=organization)
        choices = list(memberships)
        if not choices:
            raise CommandError(
                "organization: "
                + (
                    f"{username} is not an active member of {organization}."
                    if organization
                    else f"{username} is not an active member of any organization."
                )
            )
        if len(choices) > 1:
            slugs = ", ".join(m.organization.slug for m in choices)
            raise CommandError(
                f"organization: {username} belongs to several ({slugs}); pass --organization."
            )
        membership = choices[0]
        try:
            issued = services.api_token_issue(
                user=user, organization=membership.organization, name=name, scope=scope
            )
        except DomainValidationError as exc:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
            ) from exc
        self.stderr.write(
            f"{scope} token “{issued.token.name}” for {user.email} in {membership.organization.name}. "
            "It is shown once; only its hash is stored."
        )
        self.stdout.write(issued.raw)
