"""`Authorization: Bearer dgn_…`: the token's user, scoped to the token's workspace."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from diagnoser.inventory.models import ApiToken
from diagnoser.inventory.tokens import api_token_authenticate

KEYWORD = "Bearer"


class TokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Send one token: 'Authorization: Bearer dgn_…'.")
        token = api_token_authenticate(parts[1].decode("latin-1"))
        if token is None:
            raise AuthenticationFailed(
                "This token is unknown, revoked, or its user left the workspace: "
                "make a new one under API tokens."
            )
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes a missing or bad token a 401 with WWW-Authenticate, not a 403.
        return f'{KEYWORD} realm="diagnoser"'


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "diagnoser.web.api.auth.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "An API token (dgn_…)."}
