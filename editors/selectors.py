"""Reads of the staff admin: the dashboard of the admin's home page.

Each panel is scoped (editors.scopes) and costs two queries whatever the size of the
directory: a count, and the first rows."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from editors import scopes
from poles.models import KeyFigure, Membership
from poles.models.structure import RegistryState

# Figures are "old" when the latest year recorded is more than this many years ago.
FIGURES_MAX_AGE = 2
# Rows listed under each count (the count links to the whole filtered list).
DASHBOARD_ROWS = 8


def recent_figures():
    """A pole has key figures of the last FIGURES_MAX_AGE years."""
    cutoff = timezone.now().year - FIGURES_MAX_AGE
    return Exists(KeyFigure.objects.filter(pole=OuterRef("pk"), year__gte=cutoff))


def thin_record() -> Q:
    """A pole record with little in it: marked "to complete", or with neither summary
    nor description, or without any current member structure."""
    current_members = Exists(Membership.objects.filter(pole=OuterRef("pk"), left_year__isnull=True))
    return Q(to_complete=True) | Q(summary="", description="") | ~current_members


@dataclass
class Panel:
    count: int
    rows: list

    @property
    def more(self) -> int:
        return self.count - len(self.rows)


def _panel(queryset, *fields) -> Panel:
    count = queryset.count()
    rows = list(queryset.only(*fields)[:DASHBOARD_ROWS]) if count else []
    return Panel(count=count, rows=rows)


def staff_dashboard(user) -> dict[str, Panel] | None:
    """What needs attention in the user's scope (None for a user without a scope)."""
    if not scopes.is_staff_member(user):
        return None
    poles = scopes.editable_poles(user).order_by("sort_name", "pk")
    structures = scopes.editable_structures(user).order_by("name", "pk")
    return {
        "outdated_figures": _panel(poles.filter(~recent_figures()), "name"),
        "thin_records": _panel(poles.filter(thin_record()), "name"),
        "closed_structures": _panel(
            structures.filter(registry_state=RegistryState.CLOSED),
            "name",
            "siret",
            "registry_closed_on",
        ),
    }
