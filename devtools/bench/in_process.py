"""The environment of the benchmark's in-process tools (instructions.py, uncached.py):
production settings, `DEBUG` off, no Redis, page cache off, no rate limit, for Django's
test client (host `testserver`, no HTTPS redirect). One definition, so that both tools
measure the same configuration."""

import os
from pathlib import Path


def production_env(workdir: Path, name: str) -> dict[str, str]:
    """`os.environ` with production settings for a tool called `name`, its stored feeds
    under `workdir`; the caller adds `STATIC_ROOT` (collected per checkout)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ptce_site.settings.prod",
        "SECRET_KEY": f"{name}-" + "x" * 50,
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "STORED_BODIES_ROOT": str(workdir / "stored"),
        "PUBLIC_CACHE_SECONDS": "0",
        "API_RATE_LIMIT": "0",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    return env
