"""Shared fixtures.

The official geography (35,000 communes) and the reference lists are loaded once
per test database, in `django_db_setup`, so each test starts with real territories
without paying for the load again (tests run in transactions rolled back after).

The real seed poles (`seeded`) are loaded once per session and their rows recorded
(tests/seed_snapshot.py); each test module writes those rows again in a transaction
around its seeded tests, rolled back after them: each of those tests runs
in a savepoint inside it, so it sees the seed as loaded whatever the others did. The
seeded tests of a module run after its other tests, which never see the seed.
"""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections, transaction


def pytest_collection_modifyitems(config, items):
    """Leave out the tests marked `stack` unless asked for (`-m stack`, `make test-stack`):
    they start nginx, gunicorn and Redis (tests/stack/conftest.py). Skip the tests marked
    `postgres` unless the database is PostgreSQL."""
    modules = {}
    items.sort(
        key=lambda item: (
            modules.setdefault(item.module.__name__, len(modules)),
            "seeded" in item.fixturenames,
        )
    )
    if "stack" not in (config.getoption("markexpr") or ""):
        stack = [item for item in items if item.get_closest_marker("stack")]
        if stack:
            items[:] = [item for item in items if not item.get_closest_marker("stack")]
            config.hook.pytest_deselected(items=stack)

    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://…")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def refuse_unless_test_database():
    """pytest-django sets up the test database only when a collected test asks for it
    (marked `django_db`, or using `db`, `transactional_db` or `live_server`). A module
    whose tests use only committed fixtures (tests/poles/test_derived_concurrency.py),
    run alone, would otherwise write to the database DATABASE_URL names."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    if not (in_memory or Path(name).name.startswith("test_")):
        pytest.fail(
            f"not a test database: {name}. Run these tests with a test that uses the "
            "database (e.g. the whole folder), or mark one django_db."
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    refuse_unless_test_database()
    with django_db_blocker.unblock():
        call_command("load_territories", stdout=StringIO())
        call_command("load_reference", stdout=StringIO())


@pytest.fixture(scope="session")
def _seed_snapshot(django_db_setup, django_db_blocker):
    """The rows the seed loader writes, recorded once (tests/seed_snapshot.py)."""
    from .seed_snapshot import SeedSnapshot

    with django_db_blocker.unblock():
        return SeedSnapshot.record(lambda: call_command("load_seed", stdout=StringIO()))


@pytest.fixture(scope="module")
def _seed_for_module(_seed_snapshot, django_db_blocker):
    from caching.generation import bump_generation

    with django_db_blocker.unblock():
        atomics = [transaction.atomic(using=alias) for alias in connections]
        for atomic in atomics:
            atomic.__enter__()
        try:
            _seed_snapshot.replay()
            # A token of its own for each module's seed: values cached under another
            # module's would describe that module's data.
            bump_generation()
            yield
        finally:
            for alias in connections:
                transaction.set_rollback(True, using=alias)
            for atomic in reversed(atomics):
                atomic.__exit__(None, None, None)


@pytest.fixture
def seeded(_seed_for_module, db):
    """The real seed poles of fixtures/seed/ (loaded once per module, see above)."""


@pytest.fixture
def empty_cache():
    """The shared cache emptied before and after the test: rate counters, remembered
    validators and cached values of another test never reach it. A module that needs it
    for every test says `pytestmark = pytest.mark.usefixtures("empty_cache")`."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_client(client, django_user_model):
    """A client signed in as a superuser (every admin page, no scope)."""
    user = django_user_model.objects.create_superuser("admin", "admin@example.org", "pw-test-123")
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _stored_bodies_per_test(settings, tmp_path_factory):
    """A directory of stored feeds and exports (caching/stored.py) per test: the files
    outlive the transaction each test rolls back, and the data stamp a test starts
    from is the same in every test."""
    settings.STORED_BODIES_ROOT = tmp_path_factory.mktemp("stored")
