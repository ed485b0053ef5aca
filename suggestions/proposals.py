"""What a suggestion proposes, unit by unit, beside what the directory holds now.

A unit is what a moderator accepts or not as a whole: one field of the pole, the key
figures of one year, the list of structures to add.
"""

from decimal import Decimal, InvalidOperation

from django.utils.formats import localize
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from poles.models import KeyFigure, Pole

from .models import Suggestion

POLE_FIELDS = ("summary", "description", "website", "email", "phone", "status")
FIGURE_KEYS = {
    "figure_etp": "etp",
    "figure_turnover": "turnover",
    "figure_member_structures_count": "member_structures_count",
    "figure_cooperators_count": "cooperators_count",
}
UNIT_LABELS = {
    "name": gettext_lazy("Name"),
    "location": gettext_lazy("Commune, département or région"),
    "summary": gettext_lazy("Summary"),
    "description": gettext_lazy("Description"),
    "website": gettext_lazy("Website"),
    "email": gettext_lazy("Contact e-mail of the pole"),
    "phone": gettext_lazy("Contact phone of the pole"),
    "status": gettext_lazy("Status"),
    "figures": gettext_lazy("Key figures"),
    "member_structures": gettext_lazy("Member structures to add"),
}
# Units a new pole always takes when accepted: without them there is no pole.
REQUIRED_NEW_POLE_UNITS = ("name", "location")


def units(suggestion: Suggestion) -> list[str]:
    """The units this suggestion proposes, in display order."""
    proposed = suggestion.proposed or {}
    found = list(REQUIRED_NEW_POLE_UNITS) if suggestion.kind == Suggestion.Kind.NEW_POLE else []
    found += [name for name in POLE_FIELDS if name in proposed]
    if suggestion.kind == Suggestion.Kind.CORRECTION:
        if "figure_year" in proposed:
            found.append("figures")
        if proposed.get("member_structures"):
            found.append("member_structures")
    return found


def _figures_text(values: dict) -> str:
    labels = {
        "etp": _("jobs (ETP)"),
        "turnover": _("turnover (€)"),
        "member_structures_count": _("member structures"),
        "cooperators_count": _("cooperators"),
    }
    parts = [
        f"{labels[name]}: {localize(values[name])}"
        for name in labels
        if values.get(name) not in (None, "")
    ]
    return "; ".join(parts)


def _decimal(value):
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def proposed_figures(suggestion: Suggestion) -> dict:
    proposed = suggestion.proposed
    values = {}
    for key, field in FIGURE_KEYS.items():
        if proposed.get(key) not in (None, ""):
            values[field] = _decimal(proposed[key]) if field == "etp" else int(proposed[key])
    return values


def structure_lines(suggestion: Suggestion) -> list[str]:
    return [
        line.strip()
        for line in str(suggestion.proposed.get("member_structures", "")).splitlines()
        if line.strip()
    ]


def _display_status(value) -> str:
    return str(dict(Pole.Status.choices).get(value, value)) if value else ""


def rows(suggestion: Suggestion, pole: Pole | None = None) -> list[dict]:
    """One row per unit: label, current value (corrections), proposed value."""
    pole = pole if pole is not None else suggestion.pole
    proposed = suggestion.proposed
    result = []
    for unit in units(suggestion):
        current = ""
        if unit == "name":
            shown = proposed.get("name", "")
        elif unit == "location":
            shown = f"{suggestion.location_text} → {suggestion.location or '?'}"
        elif unit == "status":
            shown = _display_status(proposed.get("status"))
            current = _display_status(pole.status) if pole else ""
        elif unit in POLE_FIELDS:
            shown = str(proposed.get(unit, ""))
            current = str(getattr(pole, unit) or "") if pole else ""
        elif unit == "figures":
            year = proposed.get("figure_year")
            shown = f"{year} — {_figures_text(proposed_figures(suggestion))}"
            figure = KeyFigure.objects.filter(pole=pole, year=year).first() if pole else None
            if figure is not None:
                current = f"{year} — " + _figures_text(
                    {name: getattr(figure, name) for name in FIGURE_KEYS.values()}
                )
        else:  # member_structures
            lines = structure_lines(suggestion)
            shown = "\n".join(lines)
            if pole is not None:
                current = "\n".join(
                    pole.memberships.filter(left_year__isnull=True)
                    .order_by("structure__name")
                    .values_list("structure__name", flat=True)
                )
        result.append(
            {
                "unit": unit,
                "label": str(UNIT_LABELS[unit]),
                "current": current,
                "proposed": shown,
                "changed": unit in ("name", "location") or current.strip() != shown.strip(),
                "required": suggestion.kind == Suggestion.Kind.NEW_POLE
                and unit in REQUIRED_NEW_POLE_UNITS,
                "applied": unit in (suggestion.applied_fields or []),
            }
        )
    return result
