"""The one place that answers "which records may this user edit?".

Admin querysets, permissions, autocomplete, exports and history all ask here, so
a scope rule changes in one place. A scope combines régions, départements,
networks and poles: the user may edit the union.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from poles.models import Membership, Pole, Structure


def is_national(user) -> bool:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    profile = getattr(user, "editor_profile", None)
    return profile is not None and profile.is_national


def editable_poles(user) -> QuerySet[Pole]:
    """Poles the user may see and edit in the admin."""
    if is_national(user):
        return Pole.objects.all()
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return Pole.objects.none()
    profile = getattr(user, "editor_profile", None)
    if profile is None:
        return Pole.objects.none()
    in_scope = (
        Q(seat_commune__departement__region__in=profile.regions.all())
        | Q(seat_commune__departement__in=profile.departements.all())
        | Q(networks__in=profile.networks.all())
        | Q(pk__in=profile.poles.all())
    )
    # A subquery rather than a join: no duplicates, and it composes with any filter.
    return Pole.objects.filter(pk__in=Pole.objects.filter(in_scope).values("pk"))


def can_edit_pole(user, pole) -> bool:
    if pole is None or pole.pk is None:
        return False
    return editable_poles(user).filter(pk=pole.pk).exists()


def editable_structures(user) -> QuerySet[Structure]:
    """Structures with a membership in one of the user's poles.

    A structure shared by two poles is editable by either pole's editors.
    """
    if is_national(user):
        return Structure.objects.all()
    memberships = Membership.objects.filter(structure=OuterRef("pk"), pole__in=editable_poles(user))
    return Structure.objects.filter(Exists(memberships))


def can_see_private_contacts(user, pole) -> bool:
    """Natural persons' contact fields are shown only to editors whose scope covers them."""
    return can_edit_pole(user, pole)
