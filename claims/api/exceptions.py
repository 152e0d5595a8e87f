"""One JSON error shape for the whole API.

Every error answers::

    {"error": {"status": 400, "code": "invalid", "message": "text: This field is required.",
               "fields": {"text": ["This field is required."]}}}

``fields`` is present only for errors tied to fields of the request. A claim refused publication for the
publishing standards answers code ``publishing_standards`` and ``missing``: the unmet items of the checklist
(claims/workflow.py), each ``{"code", "label", "detail"}``.
"""

import logging

from django.conf import settings
from django.core import exceptions as django_exceptions
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings

from claims.services import ConflictError, OnRecordError, RefusedError, StandardsError

logger = logging.getLogger(__name__)

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the object."
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "The object has changed since you read it (If-Match does not match its ETag). "
        "Read it again, then make your change again."
    )
    default_code = "precondition_failed"


class PublishingStandards(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The claim does not meet the publishing standards."
    default_code = "publishing_standards"

    def __init__(self, missing):
        self.missing = [{"code": item.code, "label": item.label, "detail": item.detail} for item in missing]
        items = "; ".join(f"{item.label} ({item.detail.rstrip('.')})" for item in missing)
        super().__init__(f"The claim does not meet the publishing standards. Missing: {items}.")


def _django_validation_detail(exc: django_exceptions.ValidationError):
    """A Django ValidationError as DRF detail: a dict of field -> messages, or a list of messages."""
    if hasattr(exc, "error_dict"):
        detail = {}
        for field, errors in exc.error_dict.items():
            key = NON_FIELD if field == django_exceptions.NON_FIELD_ERRORS else field
            detail[key] = [exceptions.ErrorDetail(m, code=e.code or "invalid") for e in errors for m in e.messages]
        return detail
    return [exceptions.ErrorDetail(m, code=e.code or "invalid") for e in exc.error_list for m in e.messages]


def _to_api_exception(exc):
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, django_exceptions.RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return exceptions.ParseError(f"The body is too large: at most {limit} bytes.")
    if isinstance(exc, Http404 | django_exceptions.ObjectDoesNotExist):
        return exceptions.NotFound()
    if isinstance(exc, RefusedError):
        return exceptions.PermissionDenied(str(exc), code=exc.code)
    if isinstance(exc, django_exceptions.PermissionDenied):
        return exceptions.PermissionDenied(*(exc.args or ()))
    if isinstance(exc, StandardsError):
        return PublishingStandards(exc.missing)
    if isinstance(exc, ConflictError):
        return Conflict(" ".join(exc.messages), code="conflict")
    if isinstance(exc, OnRecordError):
        return Conflict(" ".join(exc.messages), code=exc.code or "conflict")
    if isinstance(exc, django_exceptions.ValidationError):
        return exceptions.ValidationError(_django_validation_detail(exc))
    if isinstance(exc, ProtectedError | RestrictedError):
        names = sorted({str(obj._meta.verbose_name_plural) for obj in list(exc.args[1])[:50]})
        return Conflict(
            f"This object is still in use by {', '.join(names) or 'other objects'}; remove those links first.",
            code="in_use",
        )
    if isinstance(exc, IntegrityError):
        logger.warning("IntegrityError answered as 409: %s", exc)
        return Conflict("The change conflicts with data saved in the meantime; read it again and retry.")
    return None


def _first_code(detail, default: str) -> str:
    if isinstance(detail, exceptions.ErrorDetail):
        return detail.code or default
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_code(value, default)
    if isinstance(detail, list):
        for value in detail:
            return _first_code(value, default)
    return default


def _flat(detail) -> list[str]:
    if isinstance(detail, dict):
        return [m for v in detail.values() for m in _flat(v)]
    if isinstance(detail, list):
        return [m for v in detail for m in _flat(v)]
    return [str(detail)]


def _summary(detail) -> str:
    if isinstance(detail, dict):
        parts = []
        for field, value in detail.items():
            messages = _flat(value)
            text = " ".join(messages)
            parts.append(text if field == NON_FIELD else f"{field}: {text}")
        return " ".join(parts) or "The request is not valid."
    if isinstance(detail, list):
        return " ".join(_flat(detail)) or "The request is not valid."
    return str(detail)


def error_body(status_code: int, code: str, message: str, fields=None, **extra) -> dict:
    body = {"status": status_code, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    body.update(extra)
    return {"error": body}


def exception_handler(exc, context):
    api_exc = _to_api_exception(exc)
    if api_exc is None:
        if settings.DEBUG:
            return None  # the debug page, for developers
        logger.exception("Unexpected error in the API", exc_info=exc)
        return Response(
            error_body(500, "server_error", "Something went wrong on our side; it has been logged."),
            status=500,
        )

    detail = api_exc.detail
    headers = {}
    if getattr(api_exc, "auth_header", None):
        headers["WWW-Authenticate"] = api_exc.auth_header
    if getattr(api_exc, "wait", None):
        headers["Retry-After"] = f"{int(api_exc.wait) or 1}"

    fields = detail if isinstance(detail, dict) else None
    code = api_exc.default_code
    if isinstance(api_exc, exceptions.ValidationError):
        # Field errors say what is wrong in fields; an error about the whole request carries its own code.
        whole = not fields or set(fields) == {NON_FIELD}
        code = _first_code(detail, "invalid") if whole else "invalid"
    elif not isinstance(detail, dict | list):
        code = _first_code(detail, api_exc.default_code)
    extra = {"missing": api_exc.missing} if isinstance(api_exc, PublishingStandards) else {}
    return Response(
        error_body(api_exc.status_code, code, _summary(detail), fields, **extra),
        status=api_exc.status_code,
        headers=headers,
    )
