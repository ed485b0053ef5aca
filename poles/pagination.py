"""The page number of a list, read from the query string the one same way on every page
(the directory, territory and sector pages, a pole's members, canonical URLs)."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Func, Subquery, Window
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


def page_of(queryset, value, per_page: int) -> tuple[Page, str]:
    """The requested page of `queryset` (a list, or a lazy queryset of ids), or the
    nearest one with a message (`requested_page`): `Paginator` counts (`COUNT(*)`),
    then reads the page (`LIMIT`/`OFFSET`)."""
    paginator = Paginator(queryset, per_page)
    number, message = requested_page(value, paginator.num_pages)
    return paginator.page(number), message


def counted_page_of(ids, value, per_page: int, *, ranked: bool = False) -> tuple[Page, str]:
    """`page_of` for a lazy queryset of ids (`values_list("pk", flat=True)`): the page
    and the number of rows in one query, not a count and then the page (each round
    trip of a page waits for its turn on the CPU under load).

    - Ordered by an index (`ranked=False`): the count is a subquery of its own, which
      the database runs once beside the page (an uncorrelated scalar subquery).
    - Ranked by search relevance (`ranked=True`), which the database has to read whole
      to order anyway: the count is a window over the matches (`COUNT(*) OVER ()`), so
      the search is planned once. Not for an order an index serves: there the window
      makes the planner read the whole index to fill a page.

    A page past the end (a stale or hand-edited link) has no row to carry the count:
    then counted apart, as `page_of` does, to show the last page."""
    text = (value or "").strip()
    number = page_number(text) if text else 1
    if number is not None:
        offset = (number - 1) * per_page
        if ranked:
            rows_in_all = Window(Count("*"))
        else:
            # COUNT as a plain function: no GROUP BY, one row, whatever the filters.
            counted = ids.order_by().annotate(rows=Func(F("pk"), function="COUNT"))
            rows_in_all = Subquery(counted.values("rows"))
        rows = list(
            ids.annotate(rows_in_all=rows_in_all).values_list("pk", "rows_in_all")[
                offset : offset + per_page
            ]
        )
        if rows or number == 1:
            paginator = Paginator([], per_page)
            paginator.count = rows[0][1] if rows else 0  # the cached property, known
            return Page([pk for pk, _count in rows], number, paginator), ""
    return page_of(ids, value, per_page)
