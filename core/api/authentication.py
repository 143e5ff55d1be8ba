"""`Authorization: Bearer <token>`: the token, its person, organization and membership in one query.

Every API request pays for authentication: ``core.services.api_token_authenticate`` (the rules:
a revoked or expired token, or an inactive person, is a 401; use noted at most once a minute)
over ``core.selectors.api_token_by_hash`` (one statement). The membership travels on the token
(``MEMBERSHIP_ATTR``) to ``IsOrganizationMember``, which then needs no query.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from core import services
from core.selectors import MEMBERSHIP_ATTR

__all__ = ["MEMBERSHIP_ATTR", "BearerTokenAuthentication", "BearerTokenScheme"]


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`; a revoked, expired or unknown token is a 401."""

    keyword = "bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise AuthenticationFailed("Send the token as `Authorization: Bearer <token>`.")
        token = services.api_token_authenticate(raw=header[1])
        if token is None:
            raise AuthenticationFailed("The token is unknown, revoked or expired.")
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="throughline"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Tells the OpenAPI schema how clients authenticate."""

    target_class = "core.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from the app's API tokens page or `manage.py issue_token`.",
        }
