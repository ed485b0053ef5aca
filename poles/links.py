"""Web and e-mail addresses from the database, made into valid, safe `href` values.

Escaping an address for HTML keeps the page's markup whole, but not the link: an
address holding a space, `<` or `"` is still an invalid URL once the browser has
decoded the attribute (and the Nu HTML Checker says so). Addresses are validated
when saved (`poles.validators.validate_web_address`), but a row saved before that
validation, or written without it, must not make an invalid page either. So every
`href` built from stored data goes through `web_href()` or `mailto_href()`:

- only http(s) addresses with a plausible host become links (never `javascript:`);
- every character that the URL Standard does not allow as such is percent-encoded,
  as a browser would encode it when following the link (so the link goes where it
  always went); letters beyond ASCII are allowed and kept.
"""

import re
import string
from urllib.parse import quote, urlsplit

WEB_SCHEMES = ("http", "https")

# The URL Standard's "URL code points" within ASCII (https://url.spec.whatwg.org/#url-code-points).
_URL_ASCII = frozenset(string.ascii_letters + string.digits + "!$&'()*+,-./:;=?@_~")
_HEX = frozenset(string.hexdigits)
_HOST_PORT = re.compile(r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^:]+)(?::[0-9]{1,5})?")
# Browsers drop tabs and newlines anywhere in a URL (the URL Standard does too).
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")


def _is_url_code_point(char: str) -> bool:
    if char in _URL_ASCII:
        return True
    code = ord(char)
    if code < 0xA0 or 0xD800 <= code <= 0xDFFF:  # ASCII others, C1 controls, surrogates
        return False
    return not (0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE)  # noncharacters


def _stray_percent(text: str, index: int) -> bool:
    """A `%` that does not start a percent-escape (two hexadecimal digits)."""
    escape = text[index + 1 : index + 3]
    return len(escape) < 2 or not set(escape) <= _HEX


def unsafe_characters(text: str) -> list[str]:
    """The characters of `text` (a URL's path, query and fragment, without its first
    `#`) that a URL cannot hold as such, each once, in order of appearance."""
    found = []
    for index, char in enumerate(text):
        unsafe = _stray_percent(text, index) if char == "%" else not _is_url_code_point(char)
        if unsafe and char not in found:
            found.append(char)
    return found


def percent_encode(text: str) -> str:
    """`text` with every character that a URL cannot hold percent-encoded (as UTF-8);
    a `%` that starts an escape is kept, so an address already encoded is unchanged."""
    return "".join(
        quote(char, safe="", errors="replace")
        if (_stray_percent(text, index) if char == "%" else not _is_url_code_point(char))
        else char
        for index, char in enumerate(text)
    )


def _plausible_netloc(netloc: str) -> bool:
    """A host (name or bracketed IPv6), maybe a port and user information, none of
    which holds a character that a browser would read another way (`\\`, `<`…)."""
    userinfo, _at, host_port = netloc.rpartition("@")
    if unsafe_characters(userinfo):
        return False
    match = _HOST_PORT.fullmatch(host_port)
    if match is None:
        return False
    host = match["host"]
    return host.startswith("[") or not (unsafe_characters(host) or "%" in host)


def _split(value: str) -> tuple[str, str] | None:
    """(scheme and authority, the rest) of an http(s) address, or None."""
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. unbalanced IPv6 brackets
        return None
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.netloc:
        return None
    if value[len(parts.scheme) : len(parts.scheme) + 3] != "://":
        return None
    if not _plausible_netloc(parts.netloc):
        return None
    head_length = len(parts.scheme) + len("://") + len(parts.netloc)
    return value[:head_length], value[head_length:]


def _normalised(value) -> str:
    return _TAB_OR_NEWLINE.sub("", str(value or "").strip())


def web_address_parts(value) -> tuple[str, str] | None:
    """(scheme and host, path-query-fragment) of an http(s) address, as stored; None
    when it cannot become a link."""
    return _split(_normalised(value))


def _encode_rest(rest: str) -> str:
    path_and_query, hash_sign, fragment = rest.partition("#")
    # The first `#` starts the fragment; any later one is a character of it.
    return percent_encode(path_and_query) + hash_sign + percent_encode(fragment)


def web_href(value) -> str:
    """A valid `href` for a stored web address, or "" when it must not be a link
    (another scheme than http(s), no plausible host). The caller still escapes it for
    HTML (`&` becomes `&amp;`), as for any attribute value."""
    parts = web_address_parts(value)
    if parts is None:
        return ""
    head, rest = parts
    return head + _encode_rest(rest)


def rest_unsafe_characters(rest: str) -> list[str]:
    """`unsafe_characters()` of a URL's path-query-fragment, its first `#` allowed."""
    path_and_query, _hash, fragment = rest.partition("#")
    found = unsafe_characters(path_and_query)
    return found + [char for char in unsafe_characters(fragment) if char not in found]


def mailto_href(email) -> str:
    """A valid `mailto:` href for a stored e-mail address ("" for none). Django's
    e-mail validation accepts quoted local parts ("a b"@example.org): their spaces,
    quotes, `?`, `#` and `,` (which separates addresses in a mailto: URL) are
    percent-encoded (RFC 6068), as is any letter beyond ASCII."""
    email = str(email or "").strip()
    if not email:
        return ""
    return "mailto:" + quote(email, safe="@!$'()*+;=", errors="replace")
