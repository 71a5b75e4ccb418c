"""core/api.py: every API error answers {"detail", "code", "fields"}; a service's refusal is a
400 that carries the refusal's own code."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import translation
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from core.api import exception_handler
from core.services import REFUSED_CODE, Refused

factory = APIRequestFactory()


@pytest.fixture(autouse=True)
def _english():
    """The messages below are DRF's and Django's English ones (the site's default is ja)."""
    with translation.override("en"):
        yield


class Input(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1)
    note = serializers.CharField(max_length=3)


def answer(raised: Exception | None = None, *, method: str = "post", data=None, user=True):
    """Run `raised` through a real DRF view (and so through the configured handler)."""

    class View(APIView):
        throttle_classes: list = []

        def post(self, request):
            if raised is not None:
                raise raised
            Input(data=request.data).is_valid(raise_exception=True)
            return Response({})

    request = getattr(factory, method)("/api/v1/x/", data or {}, format="json")
    if user:
        force_authenticate(request, user=type("U", (), {"is_authenticated": True})())
    return View.as_view()(request)


def test_a_refusal_is_400_with_its_code_and_message():
    response = answer(Refused("This step cannot be started now.", code="bad_state_start"))

    assert response.status_code == 400
    assert response.data == {
        "detail": "This step cannot be started now.",
        "code": "bad_state_start",
        "fields": {},
    }


def test_a_refusal_per_field_keeps_its_code_and_names_its_fields():
    refusal = Refused(
        {"quantity": "Ship at least one part.", "__all__": "Nothing was shipped."},
        code="negative",
    )

    response = answer(refusal)

    assert response.status_code == 400
    assert response.data == {
        "detail": "Nothing was shipped.",
        "code": "negative",
        "fields": {"quantity": ["Ship at least one part."]},
    }


def test_a_refusal_without_a_code_says_refused():
    refusal = Refused({"steps": "Choose a step."})

    assert (refusal.code, REFUSED_CODE) == ("refused", "refused")
    assert answer(refusal).data == {
        "detail": "Choose a step.",
        "code": "refused",
        "fields": {"steps": ["Choose a step."]},
    }


def test_djangos_validation_error_is_400_not_a_server_error():
    response = answer(DjangoValidationError("Enter a whole number.", code="invalid"))

    assert (response.status_code, response.data) == (
        400,
        {"detail": "Enter a whole number.", "code": "invalid", "fields": {}},
    )


def test_a_serializer_error_names_each_field_and_the_shared_code():
    response = answer(data={"quantity": 0, "note": "long"})

    assert response.status_code == 400
    assert response.data["code"] == "invalid"  # min_value and max_length: no one code
    assert response.data["fields"] == {
        "quantity": ["Ensure this value is greater than or equal to 1."],
        "note": ["Ensure this field has no more than 3 characters."],
    }
    assert response.data["detail"] == "Ensure this value is greater than or equal to 1."


def test_a_serializer_error_of_one_kind_carries_that_kind():
    response = answer(data={})

    assert response.data == {
        "detail": "This field is required.",
        "code": "required",
        "fields": {"quantity": ["This field is required."], "note": ["This field is required."]},
    }


@pytest.mark.parametrize(
    ("raised", "status", "code"),
    [
        (Http404("No such job."), 404, "not_found"),
        (exceptions.NotFound(), 404, "not_found"),
        (PermissionDenied(), 403, "permission_denied"),
        (exceptions.NotAuthenticated(), 403, "not_authenticated"),
        (exceptions.UnsupportedMediaType("text/plain"), 415, "unsupported_media_type"),
        (exceptions.ParseError(), 400, "parse_error"),
    ],
)
def test_every_other_api_error_keeps_its_status_in_the_same_shape(raised, status, code):
    response = answer(raised)

    assert response.status_code == status
    assert set(response.data) == {"detail", "code", "fields"}
    assert (response.data["code"], response.data["fields"]) == (code, {})
    assert response.data["detail"]


def test_a_404_does_not_echo_what_was_looked_for():
    assert answer(Http404("No such job: 1234")).data["detail"] == "Not found."


def test_a_wrong_method_is_405_in_the_same_shape():
    response = answer(method="get")

    assert response.status_code == 405
    assert response.data == {
        "detail": 'Method "GET" not allowed.',
        "code": "method_not_allowed",
        "fields": {},
    }


@pytest.mark.parametrize(
    ("language", "words"), [("ja", "リクエストが多すぎます"), ("en", "Too many requests")]
)
def test_a_throttled_request_says_how_long_to_wait_in_the_users_language(language, words):
    with translation.override(language):
        response = answer(exceptions.Throttled(wait=2.2))

    assert (response.status_code, response["Retry-After"]) == (429, "3")
    assert (response.data["code"], response.data["fields"]) == ("throttled", {})
    assert words in response.data["detail"] and "3" in response.data["detail"]


def test_a_server_error_is_left_to_django():
    assert exception_handler(RuntimeError("boom"), {}) is None
