"""A production-like stack for the tests marked `stack` (`make test-stack`).

nginx (the Debian package) runs deploy/nginx/ptce.conf, the site file the operations
guide tells operators to install, over HTTPS with a throwaway certificate, in front of
two gunicorn instances (production settings, two workers each) that share one fresh
PostgreSQL database and Redis with the page cache on. Everything listens on 127.0.0.1
on free ports, in its own temporary directory; the database is dropped at the end.

Outside CI a missing piece (nginx, PostgreSQL, Redis, openssl) skips these tests;
with PTCE_REQUIRE_STACK=1 (.ci/run) it fails them.

Environment: PTCE_STACK_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ptce_stack;
a random suffix is added to the database name), PTCE_STACK_REDIS_URL (default
redis://127.0.0.1:6379/15), PTCE_NGINX (the nginx binary).
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import pytest

from devtools.bench import nginx_site
from tests.stack.client import Endpoint

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
INSTANCES = 2
WORKERS = 2
TRUSTED_PROXY_COUNT = 1


def unavailable(reason: str):
    if os.environ.get("PTCE_REQUIRE_STACK") == "1":
        pytest.fail(f"stack tests required (PTCE_REQUIRE_STACK=1): {reason}", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, what: str, process=None, log=None, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            details = Path(log).read_text() if log else ""
            raise RuntimeError(f"{what} exited ({process.returncode}):\n{details[-3000:]}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start in {seconds} s")


# What the tests need to know about the data: created users and real slugs and codes.
SETUP_SCRIPT = """
import json
from django.contrib.auth import get_user_model
from editors.models import EditorProfile
from editors.services import sync_editor_group
from poles.models import Network, Pole, PoolingType, Sector
from territories.models import Commune

User = get_user_model()
for username in USERS:
    user = User.objects.create_user(username=username, password=PASSWORD, is_staff=True)
    EditorProfile.objects.create(user=user, role=EditorProfile.Role.NATIONAL)
    sync_editor_group(user)
pole = (
    Pole.objects.published().filter(seat_commune__isnull=False)
    .select_related("seat_commune__departement__region").first()
)
departement = pole.seat_commune.departement
print("STACKDATA " + json.dumps({
    "pole": {"pk": pole.pk, "slug": pole.slug},
    "region": {"slug": departement.region.slug, "code": departement.region.code},
    "departement": {"slug": departement.slug, "code": departement.code},
    "commune": pole.seat_commune.code,
    "postal_code": getattr(Commune.objects.exclude(postal_codes="").first(), "postal_codes", ""),
    "sectors": list(Sector.objects.values_list("slug", flat=True)),
    "pooling_types": list(PoolingType.objects.values_list("slug", flat=True)),
    "networks": list(Network.objects.values_list("slug", flat=True)),
}))
"""


@dataclass
class Stack:
    nginx: Endpoint
    instances: list[Endpoint]
    http_port: int
    env: dict
    password: str
    users: list[str]
    data: dict
    workdir: Path
    processes: dict

    def __repr__(self):  # Hypothesis prints the arguments of a failing example
        return f"Stack({self.nginx.origin})"

    def manage(self, *args, check=True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
            timeout=300,
        )

    def logs(self) -> str:
        parts = []
        for path in sorted(self.workdir.glob("*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)


def postgres_admin_url(url: str) -> tuple[str, str]:
    parsed = urllib.parse.urlparse(url)
    return parsed._replace(path="/postgres").geturl(), parsed.path.lstrip("/")


@pytest.fixture(scope="session")
def stack():
    nginx = nginx_site.nginx_binary()
    if not nginx:
        unavailable("nginx not found (apt-get install nginx)")
    if not shutil.which("openssl"):
        unavailable("openssl not found")
    import psycopg
    import redis

    base_url = os.environ.get(
        "PTCE_STACK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ptce_stack"
    )
    admin_url, base_name = postgres_admin_url(base_url)
    database = f"{base_name}_{secrets.token_hex(4)}"
    database_url = urllib.parse.urlparse(base_url)._replace(path=f"/{database}").geturl()
    redis_url = os.environ.get("PTCE_STACK_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(redis_url, socket_timeout=2).ping()
    except redis.RedisError as error:
        unavailable(f"Redis not reachable at {redis_url}: {error}")
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as connection:
            connection.execute(f'CREATE DATABASE "{database}"')
    except psycopg.Error as error:
        unavailable(f"PostgreSQL not reachable at {admin_url}: {error}")

    workdir = Path(tempfile.mkdtemp(prefix="ptce-stack-"))
    processes: dict[str, subprocess.Popen] = {}
    try:
        yield _start(nginx, workdir, processes, database_url, redis_url)
    finally:
        for process in reversed(processes.values()):
            if process.poll() is None:
                # QUIT: nginx stops gracefully, gunicorn at once (its TERM waits seconds).
                process.send_signal(signal.SIGQUIT)
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)


def _start(nginx, workdir, processes, database_url, redis_url) -> Stack:
    password = secrets.token_urlsafe(16)
    users = ["stack-editor-a", "stack-editor-b", "stack-editor-lock"]
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "SECURE_", "PUBLIC_CACHE"))
        and key not in {"DEBUG", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "TRUSTED_PROXY_COUNT"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "ptce_site.settings.prod",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "PUBLIC_CACHE_SECONDS": "600",
            "ALLOWED_HOSTS": "127.0.0.1,.stack.invalid",
            "TRUSTED_PROXY_COUNT": str(TRUSTED_PROXY_COUNT),
            "STATIC_ROOT": str(workdir / "static"),
            "MEDIA_ROOT": str(workdir / "media"),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    (workdir / "media").mkdir()

    def manage(*args):
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    # collectstatic (files only) alongside the database's migrate and bootstrap.
    collectstatic = subprocess.Popen(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    manage("migrate", "--noinput", "-v0")
    manage("bootstrap")
    _, errors = collectstatic.communicate(timeout=600)
    if collectstatic.returncode:
        raise RuntimeError(f"manage.py collectstatic:\n{errors}")
    script = f"USERS = {users!r}\nPASSWORD = {password!r}\n" + SETUP_SCRIPT
    data = json.loads(re.search(r"STACKDATA (.*)", manage("shell", "-c", script)).group(1))

    # gunicorn, as the operations guide runs it.
    instances = []
    for index in range(INSTANCES):
        port = free_port()
        log = workdir / f"gunicorn-{index}.log"
        with log.open("w") as handle:  # the child keeps its own descriptor
            process = subprocess.Popen(
                [
                    GUNICORN,
                    "ptce_site.wsgi",
                    f"--bind=127.0.0.1:{port}",
                    f"--workers={WORKERS}",
                    "--timeout=60",
                ],
                cwd=ROOT,
                # Each instance stores the feeds and exports in its own directory, as
                # on two machines: neither may serve its copy after an edit on the other.
                env={**env, "STORED_BODIES_ROOT": str(workdir / f"stored-{index}")},
                stdout=subprocess.DEVNULL,
                stderr=handle,
            )
        processes[f"gunicorn-{index}"] = process
        # As nginx would call it: the header says HTTPS, X-Forwarded-For is the caller's.
        endpoint = Endpoint("127.0.0.1", port, extra_headers={"X-Forwarded-Proto": "https"})
        instances.append((endpoint, process, log))

    # nginx with the shipped site file and a throwaway certificate for 127.0.0.1.
    processes["nginx"], https_port, http_port, certificate = nginx_site.start(
        nginx,
        workdir,
        [endpoint.port for endpoint, _p, _l in instances],
        media_root=workdir / "media",
        static_root=workdir / "static",
    )
    log = workdir / "nginx.log"

    for endpoint, process, log_path in instances:
        wait_for(
            lambda endpoint=endpoint: endpoint.request("GET", "/healthz").status == 200,
            f"gunicorn on port {endpoint.port}",
            process,
            log_path,
        )
    context = ssl.create_default_context(cafile=str(certificate))
    front = Endpoint("127.0.0.1", https_port, ssl_context=context)
    wait_for(
        lambda: front.request("GET", "/healthz").status == 200,
        "nginx",
        processes["nginx"],
        log,
    )
    return Stack(
        nginx=front,
        instances=[endpoint for endpoint, _p, _l in instances],
        http_port=http_port,
        env=env,
        password=password,
        users=users,
        data=data,
        workdir=workdir,
        processes=processes,
    )
