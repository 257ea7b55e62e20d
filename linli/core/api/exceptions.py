"""Render DomainError once for the API: a 400 (or 409) with Chinese messages by field."""

from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from linli.core.errors import ConflictError, DomainError, RateLimitedError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        status = 409 if isinstance(exc, ConflictError) else 429 if isinstance(exc, RateLimitedError) else 400
        body = exc.as_dict()
        body["detail"] = exc.message
        return Response(body, status=status)
    if isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        # DRF's session authentication says this in English only.
        from linli.core.views.errors import CSRF_MESSAGE

        exc = exceptions.PermissionDenied(CSRF_MESSAGE)
    return drf_handler(exc, context)
