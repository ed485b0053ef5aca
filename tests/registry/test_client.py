"""The registry's HTTP client: retries, Retry-After, rate slots and failing soft.

The API is replayed by httpx transports (the recorded answers, or a handler that
answers as the API does when it is overloaded): no network."""

import time

import httpx
import pytest
from django.core.cache import cache

from registry.client import (
    SLOT_SECONDS,
    OfflineTransport,
    RegistryClient,
    RegistryUnavailable,
    claim_slot,
    registry_client,
)

from .recorded import answer

# The rate slots live in the cache.
pytestmark = pytest.mark.usefixtures("empty_cache")


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def client(handler, **kwargs) -> RegistryClient:
    return RegistryClient(
        base_url="https://recherche-entreprises.api.gouv.fr",
        transport=httpx.MockTransport(handler),
        **kwargs,
    )


def test_search_returns_the_recorded_answer_and_says_who_asks():
    seen = []

    def handler(request):
        seen.append(request)
        return answer(request)

    payload = client(handler, user_agent="annuaire-ptce test").search("12345678200010")

    assert payload["results"][0]["siren"] == "123456782"
    assert seen[0].url.params["q"] == "12345678200010"
    assert seen[0].headers["User-Agent"] == "annuaire-ptce test"


def test_a_429_is_retried_after_the_delay_the_api_asks_for():
    answers = iter([httpx.Response(429, headers={"Retry-After": "1"}), None])
    sleeps = Sleeps()

    def handler(request):
        return next(answers) or answer(request)

    payload = client(handler, sleep=sleeps, max_wait=5).search("123456782")

    assert payload["results"][0]["siren"] == "123456782"
    assert 1 in sleeps


def test_server_errors_that_last_fail_soft():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(503)

    with pytest.raises(RegistryUnavailable):
        client(handler, sleep=Sleeps(), max_wait=5).search("123456782")
    assert len(calls) == 3  # the first try and two retries


def test_a_retry_after_longer_than_the_caller_waits_is_not_waited_for():
    sleeps = Sleeps()

    def handler(request):
        return httpx.Response(429, headers={"Retry-After": "60"})

    with pytest.raises(RegistryUnavailable):
        client(handler, sleep=sleeps, max_wait=3).search("123456782")
    assert 60 not in sleeps


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("no route to host"),
        httpx.ReadTimeout("the registry is slow"),
    ],
)
def test_network_failures_fail_soft(failure):
    def handler(request):
        raise failure

    with pytest.raises(RegistryUnavailable):
        client(handler).search("123456782")


def test_an_answer_that_is_not_json_fails_soft():
    with pytest.raises(RegistryUnavailable):
        client(lambda request: httpx.Response(200, text="<html>maintenance</html>")).search(
            "123456782"
        )


def test_the_test_settings_are_offline():
    with pytest.raises(RegistryUnavailable):
        registry_client().search("123456782")
    assert isinstance(registry_client().transport, OfflineTransport)


def test_no_url_means_no_registry(settings):
    settings.REGISTRY_API_URL = ""
    with pytest.raises(RegistryUnavailable):
        registry_client().search("123456782")


class RealSleeps(Sleeps):
    def __call__(self, seconds):
        super().__call__(seconds)
        time.sleep(seconds)


def test_request_slots_are_shared_one_per_sixth_of_a_second():
    """Claims in a row: each one after the first waits for the next slot (the slots are
    in the site's cache, shared by every process in production)."""
    sleeps = RealSleeps()
    start = time.monotonic()
    for _ in range(4):
        claim_slot(max_wait=2, sleep=sleeps)
    assert len(sleeps) >= 3
    assert all(0 < wait <= SLOT_SECONDS + 0.01 for wait in sleeps)
    # Four claims span at least three slot boundaries: two whole slots.
    assert time.monotonic() - start >= 2 * SLOT_SECONDS


def test_no_free_slot_within_the_wait_fails_soft():
    now = int(time.time() / SLOT_SECONDS)
    for slot in range(now, now + 4):
        cache.add(f"ptce:registry:slot:{slot}", 1, timeout=5)
    with pytest.raises(RegistryUnavailable):
        claim_slot(max_wait=0.2)
