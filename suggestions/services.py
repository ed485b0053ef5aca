"""Writes about suggestions: receiving one, accepting or rejecting it, purging the
contributors' addresses."""

from datetime import timedelta

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from poles import derived
from poles.models import KeyFigure, Membership, Pole, Structure
from territories.text import normalize

from . import proposals
from .models import Suggestion

# The field of the moderation form that carries the pole's version the moderator saw.
POLE_VERSION_FIELD = "_pole_version"


def pole_version(pole) -> str:
    """The pole's version as a moderator loaded it: its last change. Accepting a
    suggestion against an older version is refused (somebody edited the pole since)."""
    return pole.updated_at.isoformat() if pole.updated_at else ""


@transaction.atomic
def submit_suggestion(  # noqa: PLR0913 - keyword-only: the fields of a suggestion as received
    *,
    kind: str,
    proposed: dict,
    contributor_email: str,
    source: str,
    comment: str = "",
    pole: Pole | None = None,
    location=None,
    location_text: str = "",
    language: str = "",
) -> Suggestion:
    """Store a suggestion as received. Nothing else: the directory is not touched."""
    suggestion = Suggestion(
        kind=kind,
        pole=pole,
        proposed=proposed,
        location_text=location_text,
        commune=getattr(location, "commune", None),
        departement=getattr(location, "departement", None),
        region=getattr(location, "region", None),
        comment=comment,
        source=source,
        contributor_email=contributor_email,
        language=language,
    )
    suggestion.full_clean()
    suggestion.save()
    return suggestion


def _unique_slug(name: str) -> str:
    base = slugify(name)[:190] or "pole"
    slug, number = base, 2
    while Pole.objects.filter(slug=slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return slug


def _apply_figures(pole: Pole, suggestion: Suggestion) -> None:
    year = int(suggestion.proposed["figure_year"])
    figure = KeyFigure.objects.filter(pole=pole, year=year).first() or KeyFigure(
        pole=pole, year=year
    )
    for name, value in proposals.proposed_figures(suggestion).items():
        setattr(figure, name, value)
    figure.full_clean()
    figure.save()


def _apply_structures(pole: Pole, suggestion: Suggestion) -> None:
    """Add, as members, the listed structures the pole does not have yet (by name).
    Never removes one: a missing line is not a departure."""
    present = {
        normalize(name)
        for name in pole.memberships.filter(left_year__isnull=True).values_list(
            "structure__name", flat=True
        )
    }
    for name in proposals.structure_lines(suggestion):
        if normalize(name) in present:
            continue
        structure = Structure(name=name)
        structure.full_clean()
        structure.save()
        membership = Membership(pole=pole, structure=structure, role=Membership.Role.MEMBER)
        membership.full_clean()
        membership.save()
        present.add(normalize(name))


def _check_pending(suggestion: Suggestion) -> Suggestion:
    locked = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if not locked.is_pending:
        raise ValidationError(_("This suggestion has already been decided."))
    return locked


@transaction.atomic
def accept_suggestion(
    *,
    suggestion: Suggestion,
    user,
    units: list[str],
    loaded_token: str | None = None,
    publish: bool = False,
) -> Suggestion:
    """Apply the chosen units of a suggestion, as one revision of the pole's history
    commented "suggestion #n", with the model validation of a staff edit.

    `loaded_token` is the pole's version the moderator compared against: if the pole
    was saved since, nothing is applied (the same lost-update check as the change
    form). A new pole is created unpublished unless `publish` is given.
    """
    suggestion = _check_pending(suggestion)
    chosen = _chosen_units(suggestion, units)
    proposed = suggestion.proposed
    # One revision, and the pole's derived data (search text…) refreshed once at the
    # end of it (poles/derived.py).
    with reversion.create_revision(), derived.batch():
        reversion.set_user(user)
        reversion.set_comment(f"suggestion #{suggestion.pk}")
        pole = _pole_to_write(suggestion, loaded_token=loaded_token, publish=publish)
        for unit in chosen:
            if unit in proposals.POLE_FIELDS:
                setattr(pole, unit, proposed.get(unit, ""))
        pole.full_clean()
        pole.save()
        if suggestion.kind == Suggestion.Kind.NEW_POLE:
            if suggestion.departement_id:
                pole.territory_departements.add(suggestion.departement)
            if suggestion.region_id:
                pole.territory_regions.add(suggestion.region)
        if "figures" in chosen:
            _apply_figures(pole, suggestion)
        if "member_structures" in chosen:
            _apply_structures(pole, suggestion)
        reversion.add_to_revision(pole)
    suggestion.state = Suggestion.State.ACCEPTED
    suggestion.decided_at = timezone.now()
    suggestion.decided_by = user
    suggestion.applied_fields = chosen
    if suggestion.kind == Suggestion.Kind.NEW_POLE:
        suggestion.created_pole = pole
    suggestion.full_clean()
    suggestion.save()
    return suggestion


def _chosen_units(suggestion, units) -> list[str]:
    """The units to apply: those chosen among the suggestion's, with the ones a new
    pole cannot do without."""
    chosen = [unit for unit in proposals.units(suggestion) if unit in units]
    if suggestion.kind == Suggestion.Kind.NEW_POLE:
        chosen = list(dict.fromkeys([*proposals.REQUIRED_NEW_POLE_UNITS, *chosen]))
    if not chosen:
        raise ValidationError(_("Choose at least one field to apply."))
    return chosen


def _pole_to_write(suggestion, *, loaded_token, publish) -> Pole:
    """The pole a suggestion changes (locked, and refused if it was saved since the
    moderator loaded it), or the new pole it proposes."""
    if suggestion.kind != Suggestion.Kind.CORRECTION:
        name = suggestion.proposed.get("name", "")
        return Pole(
            name=name,
            slug=_unique_slug(name),
            seat_commune=suggestion.commune,
            is_published=publish,
        )
    if suggestion.pole_id is None:
        raise ValidationError(_("The pole of this suggestion no longer exists."))
    pole = Pole.objects.select_for_update().get(pk=suggestion.pole_id)
    if loaded_token is not None and loaded_token != pole_version(pole):
        raise ValidationError(
            _(
                "This pole was changed since you opened this page: nothing was "
                "applied. Compare the values again."
            )
        )
    return pole


@transaction.atomic
def reject_suggestion(*, suggestion: Suggestion, user, reason: str) -> Suggestion:
    suggestion = _check_pending(suggestion)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for the rejection."))
    suggestion.state = Suggestion.State.REJECTED
    suggestion.rejection_reason = reason
    suggestion.decided_at = timezone.now()
    suggestion.decided_by = user
    suggestion.full_clean()
    suggestion.save()
    return suggestion


def retention_days() -> int:
    return int(getattr(settings, "SUGGESTIONS_RETENTION_DAYS", 365))


@transaction.atomic
def purge_contributor_emails(*, now=None, days: int | None = None) -> int:
    """Erase the contributors' addresses of the suggestions decided more than `days`
    (the retention period) ago; return how many were erased."""
    now = now or timezone.now()
    days = retention_days() if days is None else days
    expired = (
        Suggestion.objects.decided()
        .filter(decided_at__lt=now - timedelta(days=days))
        .exclude(contributor_email="")
    )
    return expired.update(contributor_email="", email_purged_at=now)
