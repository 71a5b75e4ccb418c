"""API throttling: search, uploads, stats and writes each have a rate per user, counted in
the cache; past it the answer is 429 with Retry-After and a message in the user's language.
Other reads are not throttled."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_a_minute(settings):
    settings.API_THROTTLE_RATES = {scope: "2/min" for scope in settings.API_THROTTLE_RATES}


def token_client(user, language="ja") -> Client:
    token, _ = Token.objects.get_or_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE=language)


def third(call):
    first, second, third = call(), call(), call()
    assert first.status_code != 429 and second.status_code != 429
    return third


def test_the_workshop_search_is_throttled_per_user(chain):
    client = token_client(chain.hub_owner)
    response = third(lambda: client.get("/api/v1/workshops/"))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "リクエストが多すぎます" in response.json()["detail"]
    assert (response.json()["code"], response.json()["fields"]) == ("throttled", {})
    # Someone else still searches.
    assert token_client(chain.turner_owner).get("/api/v1/workshops/").status_code == 200


def test_the_message_is_english_in_english(chain):
    client = token_client(chain.hub_owner, "en")
    client.cookies["shopnet_language"] = "en"
    response = third(lambda: client.get("/api/v1/workshops/"))
    assert response.json()["detail"].startswith("Too many requests. Try again in ")


def test_uploads_are_throttled(chain, routed_job):
    job, _steps, _orders = routed_job
    client = token_client(chain.hub_owner)
    response = third(lambda: client.post("/api/v1/drawings/", {"job": str(job.uuid)}))
    assert response.status_code == 429


def test_stats_are_throttled(chain, staff, district):
    client = token_client(staff)
    response = third(lambda: client.get(f"/api/v1/districts/{district.slug}/stats/"))
    assert response.status_code == 429


def test_writes_are_throttled_whatever_they_answer(chain, routed_job):
    _job, _steps, orders = routed_job
    client = token_client(chain.stranger_owner)
    url = f"/api/v1/orders/{orders['top'].uuid}/withdraw/"
    response = third(lambda: client.post(url, {}, content_type="application/json"))
    assert response.status_code == 429


def test_the_session_and_the_token_share_one_count(chain):
    session, token = client_for(chain.hub_owner), token_client(chain.hub_owner)
    assert session.get("/api/v1/workshops/").status_code == 200
    assert token.get("/api/v1/workshops/").status_code == 200
    assert session.get("/api/v1/workshops/").status_code == 429


def test_other_reads_are_not_throttled(chain, routed_job):
    client = token_client(chain.hub_owner)
    for _ in range(5):
        assert client.get("/api/v1/jobs/").status_code == 200


def test_an_empty_rate_turns_a_scope_off(chain, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "search": None}
    client = token_client(chain.hub_owner)
    for _ in range(5):
        assert client.get("/api/v1/workshops/").status_code == 200


class UnreachableCache:
    def get(self, *args, **kwargs):
        raise ConnectionError("Redis is down")

    set = get


def test_a_cache_outage_lets_requests_through(chain, routed_job, monkeypatch):
    """Writes commit while Redis is away (tests/integration/test_two_daphnes.py); the throttle,
    which counts in Redis, must not turn them into 500s."""
    from shopnet.throttles import APIScopeThrottle

    monkeypatch.setattr(APIScopeThrottle, "cache", UnreachableCache())
    client = token_client(chain.hub_owner)
    for _ in range(4):
        assert client.get("/api/v1/workshops/").status_code == 200


needs_redis = pytest.mark.skipif(
    not __import__("django.conf").conf.settings.REDIS_URL, reason="the cache is not Redis"
)


@needs_redis
def test_in_redis_a_request_costs_one_round_trip_and_gets_retry_after(chain, monkeypatch):
    import redis

    calls = []
    real = redis.Redis.execute_command

    def counted(client, *args, **kwargs):
        calls.append(args[0])
        return real(client, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)
    client = token_client(chain.hub_owner)
    before = len(calls)
    assert client.get("/api/v1/workshops/").status_code == 200
    assert calls[before:] in (["EVALSHA"], ["EVALSHA", "EVAL"])  # EVAL: the script's first run
    assert client.get("/api/v1/workshops/").status_code == 200
    response = client.get("/api/v1/workshops/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60


@needs_redis
def test_in_redis_requests_at_once_cannot_share_the_last_place(chain):
    """DRF's own throttle reads the history, then writes it: two requests at once could both
    take the last place. The script checks and counts in one step."""
    from concurrent.futures import ThreadPoolExecutor

    from rest_framework.test import APIRequestFactory

    from shopnet.throttles import APIScopeThrottle

    request = APIRequestFactory().get("/api/v1/workshops/")
    request.user = chain.hub_owner
    request.resolver_match = type("Match", (), {"url_name": "api_workshops"})()

    def ask(_n):
        return APIScopeThrottle().allow_request(request, None)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(ask, range(40)))
    assert answers.count(True) == 2
