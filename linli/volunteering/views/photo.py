"""Serving a wish's fulfilment photo from the platform's file storage (never a public URL)."""

from django.http import HttpResponse

from linli.core import attachments


def photo_response(wish) -> HttpResponse:
    key = wish.fulfil_photo.name
    content_type = "image/png" if key.lower().endswith(".png") else "image/jpeg"
    response = HttpResponse(attachments.read(key), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response
