"""Which of a structure's fields came from the registry, as a form saves it.

A look-up gives the page a signed copy of what the registry said (`sign`); the form
sends it back in a hidden input. On save, each field whose submitted value equals the
signed one is marked as the registry's, and a field changed by hand loses its mark.
Signed, so that a crafted form cannot claim the registry for a value it never gave.
"""

from datetime import date, datetime

from django.core import signing

from poles.models.structure import REGISTRY_FIELDS, RegistryState

SALT = "registry.lookup"
# A look-up is trusted for the time a form stays open, not longer.
MAX_AGE = 12 * 3600


def canonical(value):
    """A field's value in the form both the look-up and the saved form give it."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    return str(getattr(value, "pk", value))


def sign(lookup) -> str:
    record = lookup.record
    return signing.dumps(
        {
            "siret": record.siret,
            "state": record.state,
            "closed_on": record.closed_on.isoformat() if record.closed_on else None,
            "checked_at": lookup.checked_at.isoformat(),
            "values": {name: canonical(value) for name, value in lookup.values.items()},
        },
        salt=SALT,
        compress=True,
    )


def unsign(token: str) -> dict | None:
    if not token:
        return None
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) else None


def apply(structure, *, submitted, changed_data, token: str) -> None:
    """Set the structure's registry columns from the form's submission (not saved).

    `structure` holds the submitted values, cleaned by the model (a SIRET typed with
    spaces is compared as its 14 digits); `submitted` names the fields the form has."""
    data = unsign(token)
    registry = set(structure.registry_fields or []) - set(changed_data)
    if data is not None and data.get("siret") != structure.siret:
        data = None  # a look-up of another number than the one saved
    if data is None:
        if "siret" in changed_data:
            # Another SIRET, not looked up: what the registry said no longer applies.
            structure.registry_state = ""
            structure.registry_closed_on = None
            structure.registry_checked_at = None
            registry = set()
        structure.registry_fields = sorted(registry)
        return
    for name, value in (data.get("values") or {}).items():
        known = name in REGISTRY_FIELDS and name in submitted and value is not None
        if known and canonical(getattr(structure, name)) == value:
            registry.add(name)
    structure.registry_fields = sorted(registry)
    if data.get("state") in RegistryState.values:
        structure.registry_state = data["state"]
    closed_on = data.get("closed_on")
    structure.registry_closed_on = date.fromisoformat(closed_on) if closed_on else None
    structure.registry_checked_at = datetime.fromisoformat(data["checked_at"])
