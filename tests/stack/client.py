"""A small HTTP client for the stack tests: raw request targets, no redirects followed,
gzip decoded (and noted), cookies kept per session, forms read from the HTML.

The standard library's http.client, not a higher-level client: the hostile-input tests
need to send exactly the request line and headers they generate.
"""

import gzip
import http.client
import re
import ssl
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    gzipped: bool

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def is_html(self) -> bool:
        return self.header("Content-Type").startswith("text/html")


@dataclass
class Endpoint:
    """Where to send requests: nginx over HTTPS, or one gunicorn instance directly."""

    host: str
    port: int
    ssl_context: ssl.SSLContext | None = None
    # Headers nginx would add: needed when talking to gunicorn directly.
    extra_headers: dict = field(default_factory=dict)

    @property
    def origin(self) -> str:
        scheme = "https" if self.ssl_context or self.extra_headers else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def request(
        self,
        method: str,
        target: str,
        *,
        headers: dict | None = None,
        body: bytes | None = None,
        source: str | None = None,
        timeout: float = 60,
    ) -> Response:
        """One request on a fresh connection (from `source`, a local address)."""
        source_address = (source, 0) if source else None
        if self.ssl_context is not None:
            connection = http.client.HTTPSConnection(
                self.host,
                self.port,
                timeout=timeout,
                context=self.ssl_context,
                source_address=source_address,
            )
        else:
            connection = http.client.HTTPConnection(
                self.host, self.port, timeout=timeout, source_address=source_address
            )
        try:
            connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            all_headers = {"Host": f"{self.host}:{self.port}", **self.extra_headers}
            all_headers.update(headers or {})
            if body is not None:
                all_headers["Content-Length"] = str(len(body))
            for name, value in all_headers.items():
                if value is not None:
                    connection.putheader(name, value)
            connection.endheaders(body)
            raw = connection.getresponse()
            data = raw.read()
        finally:
            connection.close()
        gzipped = raw.headers.get("Content-Encoding", "") == "gzip"
        if gzipped:
            data = gzip.decompress(data)
        return Response(raw.status, raw.headers, data, gzipped)


class Session:
    """A browser's cookies against one endpoint."""

    def __init__(self, endpoint: Endpoint, *, source: str | None = None, headers=None):
        self.endpoint = endpoint
        self.source = source
        self.cookies: dict[str, str] = {}
        self.headers = {"Accept-Language": "en", **(headers or {})}

    def request(self, method, target, *, headers=None, form=None) -> Response:
        all_headers = dict(self.headers)
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
            # Django checks the Referer of secure POSTs against the host.
            all_headers["Referer"] = self.endpoint.origin + target
            all_headers["Origin"] = self.endpoint.origin
        all_headers.update(headers or {})
        response = self.endpoint.request(
            method, target, headers=all_headers, body=body, source=self.source
        )
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, target, **kwargs) -> Response:
        return self.request("GET", target, **kwargs)

    def post(self, target, form, **kwargs) -> Response:
        return self.request("POST", target, form=form, **kwargs)

    def login(self, username: str, password: str) -> Response:
        page = self.get("/admin/login/")
        token = csrf_token(page.text)
        return self.post(
            "/admin/login/",
            {
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": password,
                "next": "/admin/",
            },
        )


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class _FormParser(HTMLParser):
    """The fields a browser would submit from the form with a given id, as loaded."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = (attrs.get("type") or "text").lower()
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append((self._select, attrs.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # A browser drops the newline right after <textarea>.
            text = "".join(self._text).removeprefix("\n")
            self.fields.append((self._textarea, text))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


def form_fields(html: str, form_id: str) -> list[tuple[str, str]]:
    """The (name, value) pairs the form `form_id` submits unchanged; the inlines' empty
    templates (`__prefix__`) left out, as the admin's JavaScript does."""
    parser = _FormParser(form_id)
    parser.feed(html)
    return [(name, value) for name, value in parser.fields if "__prefix__" not in name]
