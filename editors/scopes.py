"""The one place that answers "which records may this user edit?".

Admin querysets, permissions, autocomplete, exports and history all ask here, so
a scope rule changes in one place. A scope combines régions, départements,
networks and poles: the user may edit the union.

- National administrators (superusers, or the "national" role) see everything.
- Territorial editors: the poles whose seat lies in their régions or départements,
  or that belong to their networks.
- Pole coordinators: the poles listed on their profile.

Everything hanging off a pole (memberships, key figures, sources, colleges,
cooperators) follows the pole's scope. Structures follow their memberships; a
structure of no pole is seen only by its creator (and national administrators).
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from members.models import College, Cooperator
from poles.models import KeyFigure, Membership, Pole, PoleSource, Structure
from territories.models import Commune, Departement


def is_staff_member(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def is_national(user) -> bool:
    if not is_staff_member(user):
        return False
    if user.is_superuser:
        return True
    profile = getattr(user, "editor_profile", None)
    return profile is not None and profile.is_national


def editor_profile(user):
    """The user's EditorProfile, or None (a staff user without one edits nothing)."""
    if not is_staff_member(user):
        return None
    return getattr(user, "editor_profile", None)


def _scope_q(profile) -> Q:
    """The poles of a profile's scope, without a join that could repeat a pole.

    Four `IN (subquery)` tests, each set computed once and hashed by PostgreSQL: the
    seat communes of the profile's régions, those of its départements (read through the
    communes' département index), the poles of its networks, its listed poles. A join on
    the networks would repeat a pole once per network and need a DISTINCT. A join on
    each pole's seat commune (the territory tested on the commune's département) made
    PostgreSQL read all 35,000 communes for each scoped count, where the territory's
    communes are a few thousand (a count of a territorial editor's poles at 2,000 poles:
    6 ms before, 1.6 ms; a page that stops at its 50th row pays about 1 ms to hash them).
    The régions and the départements are two tests, not one on "the départements of the
    régions or the départements": PostgreSQL cannot estimate that OR (it guessed 76 of
    the 101 départements) and read every commune again. So the scope composes with any
    filter, ordering or count of the admin's lists."""

    region_communes = Commune.objects.filter(
        departement__region__in=profile.regions.values("pk")
    ).values("pk")
    departement_communes = Commune.objects.filter(
        departement__in=profile.departements.values("pk")
    ).values("pk")
    network_poles = Pole.networks.through.objects.filter(
        network_id__in=profile.networks.values("pk")
    ).values("pole_id")
    return (
        Q(seat_commune__in=region_communes)
        | Q(seat_commune__in=departement_communes)
        | Q(pk__in=network_poles)
        | Q(pk__in=profile.poles.values("pk"))
    )


def editable_poles(user) -> QuerySet[Pole]:
    """Poles the user may see and edit in the admin."""
    if is_national(user):
        return Pole.objects.all()
    profile = editor_profile(user)
    if profile is None:
        return Pole.objects.none()
    return Pole.objects.filter(_scope_q(profile))


def can_edit_pole(user, pole) -> bool:
    if pole is None or pole.pk is None:
        return False
    return editable_poles(user).filter(pk=pole.pk).exists()


def pole_would_be_in_scope(user, *, seat_commune, network_ids, pole_pk=None) -> bool:
    """Would a pole with this seat and these networks lie in the user's scope?

    Asked before saving a form, so that a crafted POST cannot move a pole out of
    the editor's reach (a seat in another région, a network removed).
    """
    if is_national(user):
        return True
    profile = editor_profile(user)
    if profile is None:
        return False
    if pole_pk is not None and profile.poles.filter(pk=pole_pk).exists():
        return True
    if network_ids and profile.networks.filter(pk__in=list(network_ids)).exists():
        return True
    if seat_commune is not None:
        departement = seat_commune.departement_id
        if profile.departements.filter(pk=departement).exists():
            return True
        if profile.regions.filter(departements=departement).exists():
            return True
    return False


def _territory_departements(profile):
    """The départements of a profile's régions and départements (not its networks or
    poles, which are not territories)."""

    return Departement.objects.filter(
        Q(region__in=profile.regions.all()) | Q(pk__in=profile.departements.all())
    )


def seat_communes(user):
    """The communes an editor may choose as a pole's seat (the seat list offers only
    these): those of their own territory, and those of the départements where the
    seats of their poles lie (a pole's seat moves within its département)."""

    if is_national(user):
        return Commune.objects.all()
    profile = editor_profile(user)
    if profile is None:
        return Commune.objects.none()
    return Commune.objects.filter(
        Q(departement__in=_territory_departements(profile).values("pk"))
        | Q(departement__in=editable_poles(user).values("seat_commune__departement"))
    )


def seat_move_allowed(user, *, pole, seat_commune) -> bool:
    """May this editor give this existing pole this seat?

    Within the département of its current seat, or within the editor's own territory.
    A coordinator (or a network's editor) cannot take a pole elsewhere, out of the scope
    of the territorial editors who follow it; a national administrator can.
    """
    if is_national(user) or seat_commune is None or pole is None or pole.pk is None:
        return True
    current = (
        Pole.objects.filter(pk=pole.pk)
        .values_list("seat_commune__departement_id", flat=True)
        .first()
    )
    if current is not None and current == seat_commune.departement_id:
        return True
    profile = editor_profile(user)
    return (
        profile is not None
        and _territory_departements(profile).filter(pk=seat_commune.departement_id).exists()
    )


def editable_structures(user) -> QuerySet[Structure]:
    """Structures with a membership in one of the user's poles.

    A structure shared by two poles is editable by either pole's editors.
    """
    if is_national(user):
        return Structure.objects.all()
    memberships = Membership.objects.filter(structure=OuterRef("pk"), pole__in=editable_poles(user))
    return Structure.objects.filter(Exists(memberships))


def attachable_structures(user) -> QuerySet[Structure]:
    """Structures the user may see and attach to one of their poles.

    Their own poles' structures, and the structures of no pole that they created
    themselves (just created in a pop-up or a pole form, or left by every pole since).
    A structure of no pole is nobody's pole's data yet, but it is its creator's work:
    other editors do not see it (national administrators see every structure), so
    structures created and then abandoned do not pile up in everyone's lists. One of
    no pole without a known creator (imported or recorded before creators were kept)
    is left to national administrators.

    Two `IN (subquery)` tests rather than correlated EXISTS under the OR: each set
    is computed once (the creator's structures of no pole, a short list) and hashed,
    instead of being searched for each of the 100,000 structures.
    """
    if is_national(user):
        return Structure.objects.all()
    if not is_staff_member(user):
        return Structure.objects.none()
    in_scope = Membership.objects.filter(pole__in=editable_poles(user).values("pk"))
    of_no_pole = Structure.objects.filter(
        ~Exists(Membership.objects.filter(structure=OuterRef("pk"))), created_by=user
    ).values("pk")
    return Structure.objects.filter(
        Q(pk__in=in_scope.values("structure_id")) | Q(pk__in=of_no_pole)
    )


def structure_fully_in_scope(user, structure) -> bool:
    """True when every pole the structure belongs to is in the user's scope.

    Deleting a shared structure would remove it from the other pole too.
    """
    if is_national(user):
        return True
    return (
        not structure.memberships.exclude(pole__in=editable_poles(user)).exists()
        and editable_structures(user).filter(pk=structure.pk).exists()
    )


def editable_memberships(user) -> QuerySet[Membership]:
    if is_national(user):
        return Membership.objects.all()
    return Membership.objects.filter(pole__in=editable_poles(user))


def editable_key_figures(user) -> QuerySet[KeyFigure]:
    if is_national(user):
        return KeyFigure.objects.all()
    return KeyFigure.objects.filter(pole__in=editable_poles(user))


def editable_pole_sources(user) -> QuerySet[PoleSource]:
    if is_national(user):
        return PoleSource.objects.all()
    return PoleSource.objects.filter(pole__in=editable_poles(user))


def editable_colleges(user):

    if is_national(user):
        return College.objects.all()
    return College.objects.filter(pole__in=editable_poles(user))


def editable_cooperators(user):

    if is_national(user):
        return Cooperator.objects.all()
    return Cooperator.objects.filter(pole__in=editable_poles(user))


def scope_by_pole(user, queryset, pole_field: str = "pole"):
    """Any queryset of records hanging off a pole, limited to the user's poles."""
    if is_national(user):
        return queryset
    return queryset.filter(**{f"{pole_field}__in": editable_poles(user)})


def can_see_private_contacts(user, pole) -> bool:
    """Natural persons' contact fields are shown only to editors whose scope covers them."""
    return can_edit_pole(user, pole)
