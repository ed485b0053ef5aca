"""Reads about suggestions: who moderates which, and the moderation's figures.

The scope follows editors.scopes: a correction is moderated by the editors of its
pole; a new pole by the editors of the territory it was located in (its commune's
département or région, the département, or the région given). National
administrators moderate everything, including the new poles that could not be
located more precisely than a région nobody edits.
"""

from statistics import median

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from editors import scopes
from editors.models import EditorProfile
from territories.models import Departement

from .models import Suggestion


def can_moderate(user) -> bool:
    return scopes.is_national(user) or scopes.editor_profile(user) is not None


def visible_suggestions(user, queryset: QuerySet | None = None) -> QuerySet[Suggestion]:
    queryset = Suggestion.objects.all() if queryset is None else queryset
    if scopes.is_national(user):
        return queryset
    profile = scopes.editor_profile(user)
    if profile is None:
        return queryset.none()
    departements = Departement.objects.filter(
        Q(region__in=profile.regions.all()) | Q(pk__in=profile.departements.all())
    ).values("pk")
    located_here = (
        Q(commune__departement__in=departements)
        | Q(departement__in=departements)
        | Q(region__in=profile.regions.all())
    )
    return queryset.filter(
        Q(kind=Suggestion.Kind.CORRECTION, pole__in=scopes.editable_poles(user).values("pk"))
        | (Q(kind=Suggestion.Kind.NEW_POLE) & located_here)
    )


def _scope_of(suggestion: Suggestion) -> Q | None:
    """The editor profiles whose scope covers the suggestion (one query's condition)."""
    departement_id = region_id = None
    condition = Q(pk__in=[])
    if suggestion.kind == Suggestion.Kind.CORRECTION:
        pole = suggestion.pole
        if pole is None:
            return None
        condition |= Q(poles=pole) | Q(networks__in=pole.networks.values("pk"))
        if pole.seat_commune_id:
            departement_id = pole.seat_commune.departement_id
    elif suggestion.commune_id:
        departement_id = suggestion.commune.departement_id
    elif suggestion.departement_id:
        departement_id = suggestion.departement_id
    else:
        region_id = suggestion.region_id
    if departement_id:
        condition |= Q(departements=departement_id) | Q(regions__departements=departement_id)
    if region_id:
        condition |= Q(regions=region_id)
    return condition


def editors_to_notify(suggestion: Suggestion) -> list:
    """Active staff with an e-mail address whose scope covers the suggestion; the
    national administrators when no such editor exists, so that none goes unseen."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True).exclude(email="")
    condition = _scope_of(suggestion)
    scoped = []
    if condition is not None:
        profiles = EditorProfile.objects.exclude(role=EditorProfile.Role.NATIONAL).filter(condition)
        scoped = list(users.filter(editor_profile__in=profiles.values("pk")).order_by("pk"))
    if scoped:
        return scoped
    return list(
        users.filter(
            Q(is_superuser=True) | Q(editor_profile__role=EditorProfile.Role.NATIONAL)
        ).order_by("pk")
    )


def moderation_figures(user) -> dict | None:
    """Counts of the suggestions this user moderates, and the median time to decision."""
    if not can_moderate(user):
        return None
    suggestions = visible_suggestions(user)
    counts = dict.fromkeys(Suggestion.State.values, 0)
    for row in suggestions.order_by().values("state").annotate(number=Count("pk")):
        counts[row["state"]] = row["number"]
    delays = [
        (decided - created).total_seconds()
        for created, decided in suggestions.decided().values_list("created_at", "decided_at")
    ]
    return {
        "received": sum(counts.values()),
        "pending": counts[Suggestion.State.RECEIVED],
        "accepted": counts[Suggestion.State.ACCEPTED],
        "rejected": counts[Suggestion.State.REJECTED],
        "median_days": round(median(delays) / 86400, 1) if delays else None,
    }
