"""The data version, read once per request.

A page asks for the data version several times: the filter form's lists, the map's
first screen, the observatory's numbers, the API's ETag. Each read costs a query (the
data stamp) or a round trip to the shared cache (the content generation), and under
load every round trip of a page waits for its turn on the CPU. So a request reads the
version once and remembers it until it ends, or until it writes the directory's data
itself: every bump forgets it (stamp.py, generation.py), and the next read asks again.

Outside a request (management commands, the shell, a worker between requests) nothing
is remembered: another process may write at any time.

A context variable: each thread serving requests has its own.
"""

import contextvars

# None: not inside a request. "": inside one, not read yet (or forgotten by a bump).
_remembered: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "ptce_request_data_version", default=None
)


def begin_request(**kwargs):
    """`request_started`: a new request remembers nothing yet."""
    _remembered.set("")


def end_request(**kwargs):
    """`request_finished`: nothing is kept past the request."""
    _remembered.set(None)


def forget_version():
    """A bump: the request's next read asks again."""
    if _remembered.get() is not None:
        _remembered.set("")


def remembered_version(read) -> str:
    """`read()`, once per request."""
    version = _remembered.get()
    if version is None:
        return read()
    if not version:
        version = read()
        _remembered.set(version)
    return version
