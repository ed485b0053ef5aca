"""Escaping for the markup that hot paths write in Python (poles/cards.py,
poles/form_html.py, poles/templatetags/pole_page.py).

`format_html()` and `conditional_escape()` cost a few microseconds per value (a lazy
check over every argument, then the template string's parse); a directory page or a
pole page escapes a thousand values. `esc()` is the same escaping at a third of the
cost for plain strings, and leaves safe strings as they are."""

from html import escape as _escape_str

from django.utils.html import conditional_escape


def esc(value) -> str:
    """`conditional_escape(value)`: a plain string through `html.escape()` (what Django's
    `escape()` calls), anything else (safe strings, numbers, lazy text) as Django does."""
    if type(value) is str:
        return _escape_str(value)
    return conditional_escape(value)
