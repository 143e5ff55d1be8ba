import datetime

from django.utils import timezone
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.api.authentication import MEMBERSHIP_ATTR
from core.models import ApiToken, Membership

_UNKNOWN = object()


class IsOrganizationMember(BasePermission):
    """Puts the caller's membership on the request; a read token may only read.

    A token belongs to one person in one organization. A browser session works in the
    organization chosen in the app (the middleware already found that membership).
    """

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            raise NotAuthenticated()
        token = request.auth if isinstance(request.auth, ApiToken) else None
        if token is not None:
            # BearerTokenAuthentication read it with the token (same query); else look it up.
            membership = getattr(token, MEMBERSHIP_ATTR, _UNKNOWN)
            if membership is _UNKNOWN:
                membership = (
                    Membership.objects.select_related("organization", "user")
                    .filter(user=token.user, organization=token.organization, is_active=True)
                    .first()
                )
            if membership is not None and request.method not in SAFE_METHODS:
                if token.scope != ApiToken.Scope.WRITE:
                    raise PermissionDenied(
                        "This token is read-only; issue a write token to change data."
                    )
        else:
            membership = getattr(request._request, "membership", None)
        if membership is None:
            raise PermissionDenied("You are not an active member of an organization.")
        request.membership = membership
        request._request.membership = membership
        timezone.activate(datetime.UTC)  # times on the wire are UTC
        return True
