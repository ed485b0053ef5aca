"""The HTTP client of the State's "API Recherche d'entreprises" (the SIRENE registry).

https://recherche-entreprises.api.gouv.fr/search?q=<SIREN or SIRET>: no key, open to
all, at most 7 requests per second per IP address (the API's published limit; beyond
it, HTTP 429 with a Retry-After header).

- **Never from a public page.** Only staff look-ups (an admin view) and the
  `refresh_registry` command call it.
- **Timeouts** on connect and read; **retries**: connection failures by httpx's own
  transport, 429 and 5xx answers here, after the Retry-After the API asks for (capped).
- **Rate limit shared by every process**: one request per slot of 1/6 s, each slot
  claimed with an atomic `cache.add` in the site's cache (Redis in production), so
  that all gunicorn workers and the command together stay under the limit: any one
  second overlaps at most seven slots.
- **Fails soft**: every failure is a `RegistryUnavailable`, which callers turn into a
  message; the form works without the registry.

Tests give the recorded answers of the API with `REGISTRY_TRANSPORT` (an httpx
transport); the test settings make every other request fail as if offline.
"""

import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.module_loading import import_string

# Slots of 1/6 s: any one-second span overlaps at most 7 of them (the API's limit).
SLOT_SECONDS = 1 / 6
RETRY_STATUSES = {429, 500, 502, 503, 504}


class RegistryUnavailable(Exception):
    """The registry could not answer (offline, timeout, rate limit, server error)."""


class OfflineTransport(httpx.BaseTransport):
    """Refuses every request, as a machine without network would (the test settings,
    and installs that must never call out: REGISTRY_API_URL empty)."""

    def handle_request(self, request):
        raise httpx.ConnectError("The registry is not reachable from here.", request=request)


def claim_slot(*, max_wait: float, sleep=time.sleep) -> None:
    """Wait for a free request slot shared through the cache, or give up."""
    deadline = time.monotonic() + max_wait
    while True:
        now = time.time()
        slot = int(now / SLOT_SECONDS)
        # add() is atomic (SET NX on Redis): one process wins each slot.
        if cache.add(f"ptce:registry:slot:{slot}", 1, timeout=5):
            return
        wait = (slot + 1) * SLOT_SECONDS - now
        if time.monotonic() + wait > deadline:
            raise RegistryUnavailable("rate limit: no free request slot")
        sleep(wait)


def retry_after(response: httpx.Response, default: float) -> float:
    """Seconds the API asks to wait (Retry-After: seconds or an HTTP date)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return default
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, (when - timezone.now()).total_seconds())


@dataclass
class RegistryClient:
    """Asks the registry; built by `registry_client()` from the settings."""

    base_url: str
    transport: httpx.BaseTransport | None = None
    timeout: float = 5.0
    attempts: int = 3
    # The longest this client waits in all (rate-limit slots, Retry-After): short for
    # a look-up that staff wait for, longer for the command.
    max_wait: float = 3.0
    user_agent: str = "ptce-directory"
    sleep: object = time.sleep

    def _http(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            # Connection errors are retried by httpx itself.
            transport=self.transport or httpx.HTTPTransport(retries=2),
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 3.0)),
            headers={"User-Agent": self.user_agent, "Accept": "application/json"},
        )

    def search(self, query: str) -> dict:
        """The API's JSON answer to `/search?q=query` (a SIREN or a SIRET)."""
        if not self.base_url:
            raise RegistryUnavailable("no registry configured")
        waited_until = time.monotonic() + self.max_wait
        with self._http() as http:
            for attempt in range(self.attempts):
                claim_slot(max_wait=max(0.0, waited_until - time.monotonic()), sleep=self.sleep)
                try:
                    response = http.get("/search", params={"q": query})
                except httpx.HTTPError as error:
                    raise RegistryUnavailable(str(error)) from error
                if response.status_code not in RETRY_STATUSES:
                    break
                pause = retry_after(response, default=0.5 * (attempt + 1))
                if attempt + 1 == self.attempts or time.monotonic() + pause > waited_until:
                    break
                self.sleep(pause)
        if response.status_code != 200:
            raise RegistryUnavailable(f"HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError as error:
            raise RegistryUnavailable("not JSON") from error
        if not isinstance(payload, dict):
            raise RegistryUnavailable("unexpected answer")
        return payload


def registry_client(*, max_wait: float | None = None) -> RegistryClient:
    """The client the settings describe (REGISTRY_* in ptce_site/settings/base.py)."""
    transport = getattr(settings, "REGISTRY_TRANSPORT", None)
    return RegistryClient(
        base_url=settings.REGISTRY_API_URL,
        transport=import_string(transport)() if transport else None,
        timeout=settings.REGISTRY_TIMEOUT,
        max_wait=settings.REGISTRY_MAX_WAIT if max_wait is None else max_wait,
        user_agent=settings.REGISTRY_USER_AGENT,
    )
