"""The directory's active filters as a visitor sees them above the results: one chip per
chosen value, each a link to the same list without that value.

Everything here is read from the query string and the filter set's cached choices: no
query. Links are built from the filter parameters in the form's order, not in the URL's,
so that two URLs the page cache stores as one (the same parameters in another order)
give the same page.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.utils.text import capfirst
from django.utils.translation import gettext as _

# Parameters that order the list rather than filter it: kept in every link, never a chip.
NOT_FILTERS = frozenset({"tri"})


@dataclass(frozen=True)
class ActiveFilter:
    name: str  # the query parameter
    value: str  # its value in the query string
    label: str  # what the chip says: "Oise", "Agriculture", "« ferme »"
    field_label: str  # which filter: "Département"
    remove_query: str  # the query string without this value ("" when nothing is left)


def filter_params(filterset) -> list[tuple[str, str]]:
    """The query's filter parameters as the form reads them, in the form's order: the
    value of a single-choice filter (the last one, as Django reads it) and each distinct
    non-empty value of a repeatable one. Other parameters (`page`, `partial`, unknown
    ones) are left out."""
    data = filterset.data
    if not data:
        return []
    params = []
    for name, filter_ in filterset.filters.items():
        if getattr(filter_.field.widget, "allow_multiple_selected", False):
            given = data.getlist(name) if hasattr(data, "getlist") else data.get(name) or []
            values = list(
                dict.fromkeys(value for value in given if isinstance(value, str) and value)
            )
        else:
            value = data.get(name)
            values = [value] if isinstance(value, str) and value else []
        params.extend((name, value) for value in values)
    return params


def query_without(params, *, name: str, value: str | None = None) -> str:
    """The query string of `params` without the parameter `name` (only its `value`
    when given)."""
    return urlencode(
        [
            (key, item)
            for key, item in params
            if key != name or (value is not None and item != value)
        ]
    )


def active_filters(filterset) -> list[ActiveFilter]:
    """One chip per value that filters the list, valid values only (an invalid one is
    named by the form's errors instead)."""
    params = filter_params(filterset)
    if not params:
        return []
    filterset.is_valid()
    cleaned = filterset.form.cleaned_data
    chips = []
    for name, raw in params:
        value = cleaned.get(name)
        if name in NOT_FILTERS or value in (None, "", [], ()):
            continue
        if isinstance(value, list | tuple) and raw not in value:
            continue
        chips.append(
            ActiveFilter(
                name=name,
                value=raw,
                label=_chip_label(filterset, name, raw, value),
                field_label=field_label(filterset, name),
                remove_query=query_without(params, name=name, value=raw),
            )
        )
    return chips


def field_label(filterset, name: str) -> str:
    """Which filter a chip is, in "Remove the filter Département: Oise"."""
    # The search field's label is a verb ("Rechercher"): a noun reads better here.
    return _("Search text") if name == "q" else str(filterset.filters[name].label)


def _chip_label(filterset, name: str, raw: str, value) -> str:
    if name == "q":
        return _("“%(text)s”") % {"text": value}
    if name == "departement":
        return filterset.departement_names.get(raw, raw)
    choices = getattr(filterset.filters[name].field, "choices", None)
    if choices is not None:
        for choice, label in choices:
            if str(choice) == raw:
                return capfirst(str(label))
    # A place (the `lieu` and `commune` filters read as a PlaceMatch) says itself as the
    # place field shows it, "Beauvais (60)"; another value: its name, else its text.
    place = getattr(value, "place", None)
    if place is not None:
        return place.value
    return str(getattr(value, "name", value))
