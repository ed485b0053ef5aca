import pytest
from django.core.cache import cache

from .recorded import TRANSPORT


@pytest.fixture
def recorded_registry(settings):
    """The registry answers with its recorded answers (tests/registry/recordings/)."""
    settings.REGISTRY_TRANSPORT = TRANSPORT
    cache.clear()  # free request slots and per-user counters
    yield
    cache.clear()
