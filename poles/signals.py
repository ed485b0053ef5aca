"""Derived data kept in step with the records it derives from.

A pole's `updated_at` moves whenever a record shown on its page changes.

The pole's page ("last updated"), the exports' `ETag`/`Last-Modified` and the change
form's lost-update check all read `Pole.updated_at`. Key figures, memberships, sources,
photos, colleges, cooperators and member structures are edited in their own admin
pages and imports too, not only through the pole's form, so their saves and deletes
touch the poles they belong to. Receivers rather than service calls because these
records are written from many places (admin inlines and changelists, imports, the
seed loader, reverts), and a missed call site would let an export answer `304` for
changed content.

The départements a pole covers (`PoleCoverage`) are rebuilt when its seat or its
territory of action changes, and after the territories are reloaded (an EPCI's
départements change with the official geography).
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

# Models with a `pole` foreign key, by label.
POLE_CHILDREN = (
    "poles.KeyFigure",
    "poles.Membership",
    "poles.PoleSource",
    "poles.PolePhoto",
    "members.College",
    "members.Cooperator",
)


def touch_poles(pole_ids) -> None:
    from poles.models import Pole

    ids = {pk for pk in pole_ids if pk is not None}
    if ids:
        Pole.objects.filter(pk__in=ids).update(updated_at=timezone.now())


def _touch_parent_pole(sender, instance, raw=False, **kwargs):
    if raw:  # loaddata: the fixture holds the pole's own timestamps
        return
    touch_poles([instance.pole_id])


def _touch_poles_of_structure(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    from poles.models import Membership

    memberships = Membership.objects.filter(structure_id=instance.pk)
    touch_poles(memberships.values_list("pole_id", flat=True))


# The pole's fields its coverage derives from.
TERRITORY_FIELDS = (
    "territory_communes",
    "territory_epcis",
    "territory_departements",
    "territory_regions",
)


def _refresh_pole_coverage(sender, instance, created=False, update_fields=None, **kwargs):
    # Raw saves too: loaddata and history reverts write the seat that way.
    if update_fields is not None and "seat_commune" not in update_fields:
        return
    if not instance.seat_changed:
        return
    from poles.services import refresh_coverage

    refresh_coverage([instance.pk])
    instance.stored_seat_commune_id = instance.seat_commune_id


def _refresh_coverage_of_links(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    from poles.services import refresh_coverage

    if not reverse:
        refresh_coverage([instance.pk])
    elif pk_set is not None:  # e.g. region.poles.add(...): the poles added or removed
        refresh_coverage(pk_set)
    else:  # region.poles.clear(): which poles it unlinked is gone; rare, rebuild all
        refresh_coverage()


def _refresh_all_coverage(sender, **kwargs):
    from poles.services import refresh_coverage

    refresh_coverage()


def connect_signals() -> None:
    from django.apps import apps

    for label in POLE_CHILDREN:
        model = apps.get_model(label)
        uid = f"ptce-touch-pole-{model._meta.label_lower}"
        post_save.connect(_touch_parent_pole, sender=model, dispatch_uid=uid)
        post_delete.connect(_touch_parent_pole, sender=model, dispatch_uid=f"{uid}-delete")
    structure = apps.get_model("poles.Structure")
    post_save.connect(
        _touch_poles_of_structure, sender=structure, dispatch_uid="ptce-touch-pole-structure"
    )

    pole = apps.get_model("poles.Pole")
    post_save.connect(_refresh_pole_coverage, sender=pole, dispatch_uid="ptce-pole-coverage")
    for name in TERRITORY_FIELDS:
        m2m_changed.connect(
            _refresh_coverage_of_links,
            sender=pole._meta.get_field(name).remote_field.through,
            dispatch_uid=f"ptce-pole-coverage-{name}",
        )
    from territories.signals import territories_loaded

    territories_loaded.connect(_refresh_all_coverage, dispatch_uid="ptce-pole-coverage-all")
