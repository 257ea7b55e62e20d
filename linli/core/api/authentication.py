"""API token authentication: django-rest-knox (hashed, expiring tokens), one query per request."""

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication as KnoxTokenAuthentication


class TokenAuthentication(KnoxTokenAuthentication):
    """Knox, without its sweep of the user's other tokens on every request.

    Knox loads all of a user's tokens on each request to delete the expired ones; here an expired token is
    refused (and deleted) when it is used, and the others are purged when a new token is issued
    (``services.api_token_issue``), so a request costs one query.
    """

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


class TokenScheme(OpenApiAuthenticationExtension):
    """OpenAPI: ``Authorization: Token <token>``."""

    target_class = "linli.core.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
