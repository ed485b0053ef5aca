"""Writes about editors: their permission groups, and staff-only edits of poles."""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from editors.models import EditorProfile

NATIONAL_GROUP = "Administrateurs nationaux"
TERRITORIAL_GROUP = "Éditeurs territoriaux"
COORDINATOR_GROUP = "Coordinateurs de pôle"

GROUP_FOR_ROLE = {
    EditorProfile.Role.NATIONAL: NATIONAL_GROUP,
    EditorProfile.Role.TERRITORIAL: TERRITORIAL_GROUP,
    EditorProfile.Role.COORDINATOR: COORDINATOR_GROUP,
}

# Records that hang off a pole: editable by every editor within their scope.
POLE_RECORDS = [
    "poles.structure",
    "poles.membership",
    "poles.keyfigure",
    "poles.polesource",
    "poles.polephoto",  # photos, when that model is installed
    "members.college",
    "members.cooperator",
]
# Reference lists and the official geography: national administrators edit them,
# everyone else reads them (to pick a sector or a commune).
REFERENCE_RECORDS = [
    "poles.sector",
    "poles.legalform",
    "poles.approval",
    "poles.poolingtype",
    "poles.network",
    "poles.recognition",
    "poles.headcountband",
    "territories.region",
    "territories.departement",
    "territories.epci",
    "territories.commune",
]
ALL_ACTIONS = ("add", "change", "delete", "view")


def _codenames(labels, actions):
    wanted = []
    for label in labels:
        app_label, model = label.split(".")
        wanted.extend((app_label, f"{action}_{model}") for action in actions)
    return wanted


def _permissions(pairs) -> list[Permission]:
    found = []
    for app_label, codename in pairs:
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        # A model that is not installed (yet) is skipped rather than failing the setup.
        if permission is not None:
            found.append(permission)
    return found


def group_permissions() -> dict[str, list[tuple[str, str]]]:
    readonly = _codenames(REFERENCE_RECORDS, ("view",))
    return {
        NATIONAL_GROUP: [
            *_codenames(["poles.pole", *POLE_RECORDS, *REFERENCE_RECORDS], ALL_ACTIONS),
            *_codenames(["editors.editorprofile"], ALL_ACTIONS),
            # National administrators create editors' accounts.
            *_codenames(["auth.user"], ("add", "change", "view")),
            *_codenames(["auth.group"], ("view",)),
            # …and unlock an account locked out after failed logins (django-axes).
            *_codenames(["axes.accessattempt", "axes.accessfailurelog"], ("view", "delete")),
            *_codenames(["axes.accesslog"], ("view",)),
        ],
        TERRITORIAL_GROUP: [
            *_codenames(["poles.pole", *POLE_RECORDS], ALL_ACTIONS),
            *readonly,
        ],
        # A coordinator edits their own poles; creating or deleting a pole is for
        # territorial and national editors.
        COORDINATOR_GROUP: [
            *_codenames(["poles.pole"], ("change", "view")),
            *_codenames(POLE_RECORDS, ALL_ACTIONS),
            *readonly,
        ],
    }


@transaction.atomic
def setup_editor_groups() -> dict[str, int]:
    """Create or update the three editor groups with exactly their permissions."""
    # Permissions are created after migrations; make sure they exist for every model.
    ContentType.objects.clear_cache()
    counts = {}
    for name, pairs in group_permissions().items():
        group, _created = Group.objects.get_or_create(name=name)
        permissions = _permissions(pairs)
        group.permissions.set(permissions)
        counts[name] = len(permissions)
    return counts


@transaction.atomic
def sync_editor_group(user) -> None:
    """Put a staff user in the group of their editor role, and only that one."""
    profile = getattr(user, "editor_profile", None)
    editor_groups = Group.objects.filter(name__in=GROUP_FOR_ROLE.values())
    user.groups.remove(*editor_groups)
    if profile is None:
        return
    group = Group.objects.filter(name=GROUP_FOR_ROLE[profile.role]).first()
    if group is None:
        # The groups are missing (`setup_editor_groups` never ran on this database):
        # create them rather than leave the editor without any permission.
        setup_editor_groups()
        group = Group.objects.get(name=GROUP_FOR_ROLE[profile.role])
    user.groups.add(group)


@transaction.atomic
def set_publication(*, poles, published: bool) -> list:
    """Publish or unpublish poles; returns the poles actually changed.

    Each pole is saved (not bulk-updated) so that its history records the change
    and its `updated_at` moves: a form opened before will not silently undo it.
    """
    changed = []
    for pole in poles:
        if pole.is_published == published:
            continue
        pole.is_published = published
        pole.save(update_fields=["is_published", "updated_at"])
        changed.append(pole)
    return changed
