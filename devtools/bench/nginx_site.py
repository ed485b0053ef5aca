# ruff: noqa: S603, S607 - runs nginx and openssl on the loopback, with our own arguments.
"""nginx in front of gunicorn, from the shipped site file (deploy/nginx/ptce.conf).

One implementation for both users of it:

- tests/stack/conftest.py (`make test-stack`) runs it in front of two gunicorn instances;
- the benchmark (devtools/bench/run.py) puts it in front of its gunicorn for the browser
  timing and Lighthouse, which then load the pages as a visitor does in production:
  HTTPS, text compressed by nginx, keep-alive connections from the browser.

The site file is used as shipped, HTTPS included (a throwaway certificate for
127.0.0.1): only its placeholders are replaced.
"""

import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE_FILE = ROOT / "deploy" / "nginx" / "ptce.conf"


def nginx_binary() -> str | None:
    """The nginx to run (PTCE_NGINX, else the one on PATH or Debian's), or None."""
    for candidate in (os.environ.get("PTCE_NGINX"), shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def render_site_file(**values) -> str:
    """The shipped site file with its placeholders replaced (outside its comments)."""
    lines = []
    for line in SITE_FILE.read_text().splitlines():
        if not line.lstrip().startswith("#"):
            for name, value in values.items():
                line = line.replace(f"@{name}@", value)
            left = re.findall(r"@[A-Z_]+@", line)
            if left:
                raise ValueError(f"placeholders left in {SITE_FILE}: {left}")
        lines.append(line)
    return "\n".join(lines) + "\n"


def nginx_main_config(workdir: Path, site: Path) -> str:
    """The `nginx.conf` around the site file: what Debian's /etc/nginx/nginx.conf does,
    with every path in the temporary directory."""
    user = "user root;" if os.geteuid() == 0 else ""
    mime_types = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    temp = "\n".join(
        f"    {kind}_temp_path {workdir / ('nginx-' + kind)};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""
{user}
worker_processes 1;
daemon off;
pid {workdir / "nginx.pid"};
error_log {workdir / "nginx-error.log"} warn;
events {{ worker_connections 256; }}
http {{
    {mime_types}
    default_type application/octet-stream;
    # With each request's time, and its upstream's (run.py's browser row reads them).
    log_format timed
        '$msec $request_method $request_uri $status $request_time $upstream_response_time';
    access_log {workdir / "nginx-access.log"} timed;
{temp}
    include {site};
}}
"""


def throwaway_certificate(workdir: Path) -> tuple[Path, Path]:
    """A self-signed certificate (and its key) for 127.0.0.1, valid two days."""
    certificate, key = workdir / "cert.pem", workdir / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(certificate),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return certificate, key


def start(nginx: str, workdir: Path, upstream_ports, *, media_root: Path, static_root: Path):
    """nginx with the shipped site file in front of gunicorn on `upstream_ports`, in
    `workdir`: (the process, the HTTPS port, the plain HTTP port, the certificate).
    The caller waits for it to answer and stops it (SIGQUIT)."""
    certificate, key = throwaway_certificate(workdir)
    https_port, http_port = free_port(), free_port()
    site = workdir / "ptce.conf"
    site.write_text(
        render_site_file(
            SERVER_NAME="127.0.0.1",
            HTTP_LISTEN=f"127.0.0.1:{http_port}",
            HTTPS_LISTEN=f"127.0.0.1:{https_port}",
            CERTIFICATE=str(certificate),
            CERTIFICATE_KEY=str(key),
            UPSTREAM_SERVERS="\n    ".join(f"server 127.0.0.1:{port};" for port in upstream_ports),
            MEDIA_ROOT=str(media_root),
            STATIC_ROOT=str(static_root),
        )
    )
    main_config = workdir / "nginx.conf"
    main_config.write_text(nginx_main_config(workdir, site))
    test = subprocess.run(
        [nginx, "-t", "-p", str(workdir), "-c", str(main_config)],
        capture_output=True,
        text=True,
        check=False,
    )
    if test.returncode:
        raise RuntimeError(f"nginx -t refused the configuration:\n{test.stderr}")
    with (workdir / "nginx.log").open("w") as handle:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [nginx, "-p", str(workdir), "-c", str(main_config)],
            stdout=subprocess.DEVNULL,
            stderr=handle,
        )
    return process, https_port, http_port, certificate


def request_times(access_log: Path, path: str, *, start: int = 0) -> list[tuple[float, float]]:
    """(request, upstream) seconds of each request for `path` (query string ignored) in
    nginx's `access_log` (the `timed` format above), from byte `start` on; a request
    nginx answered itself has no upstream time (0)."""
    times = []
    with access_log.open("rb") as handle:
        handle.seek(start)
        for line in handle.read().decode("utf-8", "replace").splitlines():
            fields = line.split()
            if len(fields) < 6 or fields[2].split("?")[0] != path:
                continue
            try:
                upstream = float(fields[5]) if fields[5] != "-" else 0.0
                times.append((float(fields[4]), upstream))
            except ValueError:
                continue
    return times
