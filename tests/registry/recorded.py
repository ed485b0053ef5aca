"""The registry's recorded answers (recordings/), served as the API would serve them.

`transport()` is an httpx transport factory, as settings.REGISTRY_TRANSPORT takes it:
the outside API is replayed, none of our code is replaced.
"""

import json
from pathlib import Path

import httpx

RECORDINGS = Path(__file__).parent / "recordings"
TRANSPORT = "tests.registry.recorded.transport"


def answer(request: httpx.Request) -> httpx.Response:
    if request.url.path != "/search":
        return httpx.Response(404, json={"erreur": "not found"})
    number = request.url.params.get("q", "")
    recording = RECORDINGS / f"{number}.json"
    if not number.isdigit() or not recording.exists():
        recording = RECORDINGS / "not-found.json"
    return httpx.Response(200, json=json.loads(recording.read_text(encoding="utf-8")))


def transport() -> httpx.BaseTransport:
    return httpx.MockTransport(answer)


# The requests `counting_transport()` saw (reset by the test that reads it).
SEEN: list[httpx.Request] = []
COUNTING_TRANSPORT = "tests.registry.recorded.counting_transport"


def counting_transport() -> httpx.BaseTransport:
    def handler(request):
        SEEN.append(request)
        return answer(request)

    return httpx.MockTransport(handler)
