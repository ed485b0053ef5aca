"""Cache keys built from parsed, escaped, canonically ordered input.

A key must be a function of everything the view reads, and two requests a view can
tell apart must never share one. Joining raw `key=value` pairs broke that: the value
`actif&tri=-creation` (sent as `actif%26tri%3D-creation`) and the two parameters
`statut=actif` and `tri=-creation` gave the same text. Here every key and every value
is percent-encoded on its own (no `&` or `=` survives inside them), parameters are
sorted by name, and the values of one parameter keep their order (`QueryDict.get()`
returns the last one, so the order can change what a view sees).
"""

import hashlib
import json
from urllib.parse import quote

from .release import release


def _escape(text: str) -> str:
    # Nothing is safe: "&", "=", "%" and "/" are all encoded. Lone surrogates (which a
    # parsed query never holds) are encoded too, rather than failing.
    return quote(text, safe="", errors="surrogatepass")


def canonical_query(query) -> str:
    """The query string of `query` (a QueryDict, or a mapping of lists of strings) in
    canonical form: parameters sorted by name, each value in its parameter's order,
    every name and value percent-encoded.

    Injective over mappings of non-empty lists (what a parsed query string holds): two
    different mappings never give the same text, and the same mapping in any order of
    its parameters always does."""
    lists = query.lists() if hasattr(query, "lists") else query.items()
    return "&".join(
        f"{_escape(name)}={_escape(value)}"
        for name, values in sorted(lists, key=lambda item: item[0])
        for value in values
    )


def digest(*parts) -> str:
    """A short digest of `parts` (strings, numbers, lists of them), unambiguous: the
    parts are JSON-encoded as a list, so no choice of values makes two lists collide."""
    text = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def page_key(request, *, language: str, generation: int) -> tuple[str, str]:
    """(cache key, weak ETag) of a public page: the scheme, host, path and canonical
    query, the language and the `X-Requested-With` header (the directory's partial
    results), under the content generation and the running release (release.py: a page
    another release rendered names its static files and holds its markup)."""
    page = digest(
        release(),
        request.scheme,
        request.get_host(),
        request.path,
        canonical_query(request.GET),
        language,
        request.headers.get("X-Requested-With", ""),
    )
    return f"ptce:public:{generation}:{page}", f'W/"{generation:x}-{page[:16]}"'
