"""The OpenAPI document: valid OpenAPI 3, and true of the application (schemathesis
sends generated requests to every operation, in-process, on the database the tests
run on: no 5xx, every response as documented).

Schemathesis' "schema-valid request rejected" check is left out: the document cannot
say everything a parameter must be (a search text without control characters, a
commune code that exists), and such a request gets a documented 400 problem."""

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

# Examples per operation: about twenty operations, so the whole run stays near a minute.
EXAMPLES = 12


def test_the_document_is_valid_openapi_3(client, db):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    validate_schema(document)
    assert document["openapi"].startswith("3.")
    assert "/api/v1/poles/" in document["paths"]
    generated = SchemaGenerator().get_schema(request=None, public=True)
    assert set(generated["paths"]) == set(document["paths"])


@pytest.fixture
def wsgi_app(settings):
    """The site's WSGI application, in this test's transaction: Django closes the
    database connection at the start and end of each request, which would end it (the
    test client disconnects the same receivers)."""
    settings.API_RATE_LIMIT = "0"
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    cache.clear()
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
        cache.clear()


def test_every_operation_answers_as_documented(seeded, wsgi_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case):
            response = case.call()
            case.validate_response(response, excluded_checks=[positive_data_acceptance])

        try:
            check()
        except Exception as error:
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")

    assert not failures, "\n\n".join(failures)
