"""Typed domain errors. Services raise them; forms show them beside the field, the API as problem+json.

They subclass Django's own exceptions so every door already knows what to do with them:
a ValidationError maps field names to messages, PermissionDenied is a 403.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError


class DomainValidationError(ValidationError):
    """Input that breaks a rule of the domain. Always names the field(s) at fault."""

    def __init__(self, errors: Mapping[str, str | list[str]]):
        super().__init__(
            {field: msgs if isinstance(msgs, list) else [msgs] for field, msgs in errors.items()}
        )


class NotPermittedError(PermissionDenied):
    """The person's role does not allow this change."""


class NotInOrganizationError(ObjectDoesNotExist):
    """The object belongs to another organization: to the caller it does not exist (a 404)."""


def reject_nul_characters(data: Mapping) -> None:
    """PostgreSQL text cannot hold NUL (0x00): refuse it by field instead of failing later."""
    for field, value in data.items():
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and "\x00" in v for v in values):
            raise DomainValidationError({field: "Remove the NUL (0x00) character."})


def require_same_organization(actor, *objects) -> None:
    """Services refuse objects of another organization, whichever door they came through."""
    for obj in objects:
        if obj is not None and obj.organization_id != actor.organization_id:
            raise NotInOrganizationError(f"No such {obj._meta.verbose_name}.")


def apply_to_form(form, error: ValidationError) -> None:
    """Show a service's ValidationError on a form: per field where the form has it, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)
