import zoneinfo

from django.utils import timezone

from core.selectors import membership_for_user

SESSION_KEY = "organization_id"


class CurrentOrganizationMiddleware:
    """Puts the signed-in person's current organization and membership on the request.

    Pages never filter by organization themselves: they hand ``request.membership`` to selectors.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        request.organization = None
        if request.user.is_authenticated:
            membership = membership_for_user(
                user=request.user, organization_id=request.session.get(SESSION_KEY)
            )
            if membership is not None:
                request.membership = membership
                request.organization = membership.organization
                # Dates on pages ("due today", "overdue") are the organization's dates.
                timezone.activate(zoneinfo.ZoneInfo(membership.organization.timezone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class AuditContextMiddleware:
    """Every write during a request is recorded in the audit history with its door and actor.

    Pages are door `page`; the API layer refines its requests after DRF authentication (door
    `api` or `bulk`, the token used). See ``core/audit.py``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from core import audit

        with audit.page_context(request):
            return self.get_response(request)
