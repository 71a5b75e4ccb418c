"""The API's one error handler and the one shape of every error it answers (docs/API.md).

Every error under /api/v1/ has the body

    {"detail": "<message in the caller's language>", "code": "<stable code>", "fields": {}}

- `detail`: what went wrong, for a person: the messages that name no field, or else the first
  message about a field.
- `code`: for a program: a service's refusal carries its own (`Refused.code`), a rejected input
  the code all its messages share (else `invalid`), and every other error DRF's code for it
  (`not_found`, `permission_denied`, `not_authenticated`, `method_not_allowed`, `throttled`…).
- `fields`: always an object: each named input with its messages; empty when none is named.

A service's `Refused` and Django's `ValidationError` are 400 here, so API views call services
without catching anything. `settings.REST_FRAMEWORK["EXCEPTION_HANDLER"]` points to
`exception_handler`.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, views
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

from .services import Refused

INVALID = "invalid"
# Django's and DRF's names for the messages that are about no one field.
NON_FIELD_KEYS = (NON_FIELD_ERRORS, api_settings.NON_FIELD_ERRORS_KEY)


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer; in the schema so that integrators can rely on it."""

    detail = serializers.CharField(help_text="What went wrong, in the caller's language.")
    code = serializers.CharField(
        help_text="A stable machine code: a refusal's own (see docs/API.md), `invalid`, "
        "`not_found`, `permission_denied`, `not_authenticated`, `method_not_allowed`, "
        "`throttled`, `too_large`…"
    )
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per input field; empty when the error names none.",
    )


def error_response(description: str) -> OpenApiResponse:
    """A documented error answer with the shared body."""
    return OpenApiResponse(response=ErrorSerializer, description=description)


REFUSED = error_response(
    "Refused: `code` says why; `fields` holds messages per input field. In the user's language."
)
NOT_FOUND = error_response("No such object, or not visible to the caller (`not_found`).")


def exception_handler(exc: Exception, context: dict[str, Any]):
    """DRF's handler, with refusals and Django's validation errors as 400s, the throttle's
    message whole in the user's language, and every body in the shape above."""
    if isinstance(exc, DjangoValidationError):
        code = exc.code if isinstance(exc, Refused) else None
        exc = exceptions.ValidationError(serializers.as_serializer_error(exc))
        exc.refusal_code = code
    elif isinstance(exc, Http404):  # DRF would answer its own NotFound: the body needs it
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        exc = _throttled(exc)
    response = views.exception_handler(exc, context)
    if response is None:  # not an API error: a server error, left to Django
        return None
    response.data = error_body(exc)
    return response


def error_body(exc: exceptions.APIException) -> dict[str, Any]:
    if not isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict | list):  # an unusual APIException: keep its messages
            return {"detail": " ".join(_flatten(detail)), "code": _code_of(exc), "fields": {}}
        return {"detail": str(detail), "code": _code_of(exc), "fields": {}}
    general: list[str] = []
    fields: dict[str, list[str]] = {}
    codes: set[str] = set()
    details = exc.detail if isinstance(exc.detail, dict) else {NON_FIELD_ERRORS: exc.detail}
    for name, errors in details.items():
        messages = _flatten(errors)
        codes.update(_flatten_codes(errors))
        if name in NON_FIELD_KEYS:
            general.extend(messages)
        else:
            fields[str(name)] = messages
    first_field_message = next((m[0] for m in fields.values() if m), "")
    code = getattr(exc, "refusal_code", None) or (codes.pop() if len(codes) == 1 else INVALID)
    return {
        "detail": " ".join(general) or first_field_message or str(_("Invalid input.")),
        "code": code,
        "fields": fields,
    }


def _code_of(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def _flatten(errors: Any) -> list[str]:
    if isinstance(errors, dict):
        return [m for value in errors.values() for m in _flatten(value)]
    if isinstance(errors, list):
        return [m for value in errors for m in _flatten(value)]
    return [str(errors)]


def _flatten_codes(errors: Any) -> list[str]:
    if isinstance(errors, dict):
        return [c for value in errors.values() for c in _flatten_codes(value)]
    if isinstance(errors, list):
        return [c for value in errors for c in _flatten_codes(value)]
    return [getattr(errors, "code", None) or INVALID]


def _throttled(exc: exceptions.Throttled) -> exceptions.Throttled:
    """DRF's catalogue leaves the waiting time untranslated: say the whole sentence."""
    wait = math.ceil(exc.wait)
    replacement = exceptions.Throttled(
        detail=ngettext(
            "Too many requests. Try again in %(seconds)d second.",
            "Too many requests. Try again in %(seconds)d seconds.",
            wait,
        )
        % {"seconds": wait}
    )
    replacement.wait = exc.wait  # Retry-After
    return replacement


class FieldsBuiltOnce:
    """For a ModelSerializer: its fields are worked out from the model once per class, and each
    instance gets a deep copy (what DRF does with declared fields), instead of reading the
    model's fields and building every serializer field again for each object answered. An
    answer about one step spent 0.8 ms on that (docs/BENCHMARKS.md, "Writes, fourth pass").
    Only for serializers whose fields depend on nothing but their class (no `get_fields`
    looking at the context)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            cls._fields_built_once = built
        return {name: _fresh(field) for name, field in built.items()}


class ChoiceLabelField(serializers.CharField):
    """The label of a model field's choice in the reader's language (`get_<field>_display`).

    `CharField(source="get_<field>_display")` reads the same, but DRF inspects a callable's
    signature on every read (`fields.is_simple_callable`), which cost a tap's answer about half
    a millisecond; this calls the model's method directly."""

    def __init__(self, choice_field: str, **kwargs: Any) -> None:
        self.choice_field = choice_field
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> str:
        return getattr(instance, f"get_{self.choice_field}_display")()


class SimpleFieldsShared(FieldsBuiltOnce):
    """For an answer's serializer read many times a second (a floor tap's step): its plain
    fields (a value read from the object and turned into JSON: text, numbers, dates, choices,
    ids) are bound once per class and shared by every instance, since reading through them
    changes nothing in them; only the fields that reach their serializer (method fields,
    nested serializers, related fields) are made and bound for each instance, as DRF does.
    The answer is DRF's own (tests/orders/test_serializer_fields.py); building and binding
    every field for each answer cost a tap about 0.3 ms (docs/BENCHMARKS.md, "Writes, fifth
    pass")."""

    def to_representation(self, instance: Any) -> dict[str, Any]:
        ret: dict[str, Any] = {}
        for name, shared in self._output_plan():
            field = shared if shared is not None else self._own_field(name)
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[name] = None if check is None else field.to_representation(attribute)
        return ret

    @classmethod
    def _output_plan(cls) -> list[tuple[str, serializers.Field | None]]:
        plan = cls.__dict__.get("_shared_output_plan")
        if plan is None:
            template = cls()
            plan = [
                (field.field_name, None if _reaches_its_serializer(field) else field)
                for field in template.fields.values()
                if not field.write_only
            ]
            cls._shared_output_plan = plan
        return plan

    def _own_field(self, name: str) -> serializers.Field:
        own = self.__dict__.setdefault("_own_fields", {})
        field = own.get(name)
        if field is None:
            field = own[name] = _fresh(type(self).__dict__["_fields_built_once"][name])
            field.bind(name, self)
        return field


def _reaches_its_serializer(field: serializers.Field) -> bool:
    """Whether a field is made for each serializer: anything but a plain field (a method
    field, a nested serializer, a related field reach their serializer's context or methods,
    or hold fields of their own). The type must be one of these exactly: a subclass may
    read more than its base."""
    return type(field) not in _PLAIN_FIELDS


_PLAIN_FIELDS = frozenset(
    {
        serializers.BooleanField,
        serializers.CharField,
        serializers.ChoiceField,
        serializers.DateField,
        serializers.DateTimeField,
        serializers.DecimalField,
        serializers.EmailField,
        serializers.FloatField,
        serializers.IntegerField,
        serializers.ReadOnlyField,
        serializers.SlugField,
        serializers.TimeField,
        serializers.URLField,
        serializers.UUIDField,
        ChoiceLabelField,
    }
)


def _fresh(field: serializers.Field) -> serializers.Field:
    """A new, unbound field made as `field` was: what DRF's `Field.__deepcopy__` does, without
    deep-copying arguments that a field only reads (choices, help texts, querysets, the
    validators DRF itself passes on as they are). An argument that is itself a field (a list's
    child) is copied deeply, as DRF would."""
    if any(
        isinstance(value, serializers.Field) for value in (*field._args, *field._kwargs.values())
    ):
        return copy.deepcopy(field)
    return field.__class__(*field._args, **field._kwargs)
