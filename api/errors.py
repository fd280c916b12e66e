"""One JSON shape for every API error (4xx), in the request's language:

    {"error": {"code": "not_found", "message": "…", "fields": {"quantity": ["…"]}}}

`fields` is empty unless the error is about given fields. Domain errors raised by the services
(core.errors) arrive here unchanged: their message is already in the active language.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import DomainError, IllegalTransition, NotAllowed, TooManyAttempts
from core.nul_bytes import NulCharacterRefused

NON_FIELD = "non_field_errors"


def error_body(code, message, fields=None):
    return {"error": {"code": code, "message": force_str(message), "fields": fields or {}}}


def _flatten(detail, prefix=""):
    """DRF's nested error details as {"field" or "field.sub" or "items.0": [messages]}."""
    flat = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list) and any(isinstance(item, (dict, list)) for item in detail):
        for index, value in enumerate(detail):
            flat.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        items = detail if isinstance(detail, list) else [detail]
        flat[prefix or NON_FIELD] = [force_str(item) for item in items]
    return flat


def _validation_response(fields):
    messages = fields.pop(NON_FIELD, None)
    message = " ".join(messages) if messages else _("Some fields are not valid.")
    return error_body("invalid", message, fields)


# Domain errors that are not the client's fault: the payment provider is out of reach.
STATUS_BY_CODE = {"payment_unavailable": status.HTTP_503_SERVICE_UNAVAILABLE}


def _domain_status(error):
    if error.code in STATUS_BY_CODE:
        return STATUS_BY_CODE[error.code]
    if isinstance(error, NotAllowed):
        return status.HTTP_403_FORBIDDEN
    if isinstance(error, IllegalTransition):
        return status.HTTP_409_CONFLICT
    return status.HTTP_400_BAD_REQUEST


def exception_handler(exc, context):
    """DRF's exception handler: every error the API answers goes through here."""
    if isinstance(exc, TooManyAttempts):
        # A limit a service keeps itself: the same 429 and Retry-After as a throttle's.
        exc = exceptions.Throttled(wait=exc.retry_after, detail=exc.message)
    if isinstance(exc, DomainError):
        set_rollback()
        fields = {exc.field: [force_str(exc.message)]} if exc.field else {}
        return Response(error_body(exc.code, exc.message, fields), status=_domain_status(exc))
    if isinstance(exc, DjangoValidationError):
        # Model validation (full_clean) inside a service: the same shape as a serializer's errors.
        set_rollback()
        detail = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}
        return Response(_validation_response(_flatten(detail)), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a server error: Django's 500 handling and logging

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    set_rollback()
    if isinstance(exc, exceptions.ValidationError):
        body = _validation_response(_flatten(exc.detail))
    else:
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        body = error_body(code, exc.detail if isinstance(exc.detail, str) else exc.default_detail)
    return Response(body, status=exc.status_code, headers=headers)


def bad_request(request, exception):
    """A 400 that Django answers itself (handler400, config/urls.py): a NUL character refused by
    core.nul_bytes (its message), a body over DATA_UPLOAD_MAX_MEMORY_SIZE, a request it cannot read."""
    if isinstance(exception, NulCharacterRefused):
        message = str(exception)
    elif isinstance(exception, RequestDataTooBig):
        message = _("The request's body is larger than this site takes.")
    else:
        message = exceptions.ParseError.default_detail
    body = error_body("bad_request", message)
    return JsonResponse(body, status=400, json_dumps_params={"separators": (",", ":"), "ensure_ascii": False})


@csrf_exempt  # a POST to a wrong URL is a 404 like any other, not a CSRF page
def not_found(request, *args, **kwargs):
    """Any URL under /api/v1/ that matches no endpoint: a 404 in the API's shape, not an HTML page."""
    body = error_body("not_found", exceptions.NotFound.default_detail)
    return JsonResponse(body, status=404, json_dumps_params={"separators": (",", ":"), "ensure_ascii": False})
