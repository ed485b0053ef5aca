"""The page number of a list, read from the query string the one same way on every page
(the directory, territory and sector pages, a pole's members, canonical URLs)."""

from django.utils.translation import gettext as _

# More digits than any real page count, and beyond what int() should ever be asked to
# read from a query string.
MAX_DIGITS = 9


def page_number(value) -> int | None:
    """A positive page number written in ASCII digits ("٣" or "³" are not), or None."""
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_DIGITS:
        return None
    number = int(text)
    return number if number >= 1 else None


def requested_page(value, num_pages: int) -> tuple[int, str]:
    """The page to show for the query string's `page`, and, when it is not the one asked
    for, the message that says why: a shared or hand-edited link with a wrong page
    number still shows results, never an error page."""
    text = (value or "").strip()
    if not text:
        return 1, ""
    if text.isascii() and text.isdigit() and len(text) > MAX_DIGITS:
        return num_pages, _("There are fewer pages of results: here is the last one.")
    number = page_number(text)
    if number is None:
        return 1, _("This page number is not valid: here is the first page.")
    if number > num_pages:
        return num_pages, _("There are fewer pages of results: here is the last one.")
    return number, ""
