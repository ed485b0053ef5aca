"""A pole's `updated_at` moves whenever a record shown on its page changes.

The pole's page ("last updated"), the exports' `ETag`/`Last-Modified` and the change
form's lost-update check all read `Pole.updated_at`. Key figures, memberships, sources,
photos, colleges, cooperators and member structures are edited in their own admin
pages and imports too, not only through the pole's form, so their saves and deletes
touch the poles they belong to. Receivers rather than service calls because these
records are written from many places (admin inlines and changelists, imports, the
seed loader, reverts), and a missed call site would let an export answer `304` for
changed content.
"""

from django.db.models.signals import post_delete, post_save
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
