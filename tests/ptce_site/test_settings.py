"""Production refuses to start without a secret; configuration comes from the environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_settings(env_overrides, code="from django.conf import settings; print(settings.DEBUG)"):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    env.update(env_overrides)
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_settings({"DJANGO_SETTINGS_MODULE": "ptce_site.settings.prod"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_starts_with_a_secret_and_reads_the_environment():
    result = run_settings(
        {
            "DJANGO_SETTINGS_MODULE": "ptce_site.settings.prod",
            "SECRET_KEY": "a-long-random-test-value-0123456789-abcdefghijklmnop",
            "DATABASE_URL": "postgres://user:pw@db.example:5432/ptce",
            "ALLOWED_HOSTS": "annuaire.example.org,www.example.org",
        },
        code=(
            "from django.conf import settings; "
            "database = settings.DATABASES['default']; "
            "print(settings.DEBUG, settings.ALLOWED_HOSTS, database['HOST'], "
            "database['CONN_MAX_AGE'], database['CONN_HEALTH_CHECKS'])"
        ),
    )
    assert result.returncode == 0, result.stderr
    # Persistent connections, checked before reuse, unless CONN_MAX_AGE says otherwise.
    assert "False ['annuaire.example.org', 'www.example.org'] db.example 60 True" in result.stdout


@pytest.mark.parametrize("module", ["dev", "test"])
def test_other_settings_start_without_environment(module):
    result = run_settings({"DJANGO_SETTINGS_MODULE": f"ptce_site.settings.{module}"})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, "-c random_page_cost=1.1 -c jit=off"),
        (
            {"DATABASE_JIT": "true", "DATABASE_RANDOM_PAGE_COST": "2"},
            "-c random_page_cost=2",
        ),
    ],
)
def test_postgresql_session_settings_come_from_the_environment(overrides, expected):
    result = run_settings(
        {
            "DJANGO_SETTINGS_MODULE": "ptce_site.settings.dev",
            "DATABASE_URL": "postgres://user:pw@db.example:5432/ptce",
            **overrides,
        },
        code="from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])",
    )
    assert result.returncode == 0, result.stderr
    assert f"'options': '{expected}'" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, "'server_side_binding': True, 'prepare_threshold': 2"),
        ({"DATABASE_PREPARED_STATEMENTS": "false"}, None),
    ],
)
def test_prepared_statements_unless_turned_off(overrides, expected):
    result = run_settings(
        {
            "DJANGO_SETTINGS_MODULE": "ptce_site.settings.prod",
            "SECRET_KEY": "a-long-random-test-value-0123456789-abcdefghijklmnop",
            "DATABASE_URL": "postgres://user:pw@db.example:5432/ptce",
            **overrides,
        },
        code="from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])",
    )
    assert result.returncode == 0, result.stderr
    if expected:
        assert expected in result.stdout
    else:
        assert "server_side_binding" not in result.stdout
        assert "prepare_threshold" not in result.stdout


@pytest.mark.django_db
@pytest.mark.postgres
def test_the_site_s_postgresql_connections_use_those_settings():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
    # A statement run twice on the connection is prepared on the server.
    sql = "SELECT id FROM poles_pole WHERE id = %s"
    for pole_id in (1, 2, 3):
        with connection.cursor() as cursor:
            cursor.execute(sql, [pole_id])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%poles_pole WHERE id = $1%"],
        )
        assert cursor.fetchone()[0] == 1
