"""Look-ups in the SIRENE registry, and the writes they lead to.

What a look-up fills, and how the fields it filled are remembered:

- a staff member's look-up (the structure form) *proposes* values: the form asks
  before replacing what staff typed, and the fields whose saved value is the
  registry's are listed in `Structure.registry_fields` (the form checks a signed
  copy of the look-up, see `registry.forms`);
- `refresh_registry` (the command) rewrites only the fields that came from the
  registry and the empty ones: it never replaces what staff typed.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

import reversion
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.fr import siren as stdnum_siren

from poles import derived
from poles.models import HeadcountBand, LegalForm, Structure
from poles.models.structure import REGISTRY_FIELDS, RegistryState
from poles.validators import normalize_siret, validate_siret
from territories.models import Commune

from .client import RegistryClient, RegistryUnavailable, registry_client
from .legal_forms import legal_form_slug
from .records import RegistryRecord, parse_search


def clean_identifier(value: str) -> str:
    """A SIREN (9 digits) or a SIRET (14), spaces and dots removed; a clear
    ValidationError otherwise."""
    identifier = normalize_siret(value)
    if len(identifier) == 9 and identifier.isdigit():
        if not stdnum_siren.is_valid(identifier):
            raise ValidationError(
                _("This SIREN number's check key is wrong: check for a mistyped digit.")
            )
        return identifier
    if len(identifier) == 14:
        validate_siret(identifier)
        return identifier
    raise ValidationError(
        _("Type a SIRET (14 digits) or a SIREN (9 digits) to look it up in the registry.")
    )


@dataclass
class Lookup:
    """A look-up's answer: the record (None: not in the registry) and the directory's
    values for the fields it can fill (None where the directory has no match)."""

    identifier: str
    record: RegistryRecord | None
    checked_at: datetime
    values: dict = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return self.record is not None


def directory_values(record: RegistryRecord) -> dict:
    """The record's values as the structure's fields hold them (three queries)."""
    slug = legal_form_slug(record.legal_category)
    return {
        "name": record.name or None,
        "legal_form": LegalForm.objects.filter(slug=slug).first() if slug else None,
        "naf_code": record.naf_code or None,
        "commune": Commune.objects.filter(pk=record.commune_code).first()
        if record.commune_code
        else None,
        "headcount_band": HeadcountBand.objects.filter(code=record.headcount_code).first()
        if record.headcount_code
        else None,
        "is_ess": record.is_ess,
    }


def lookup(identifier: str, *, client: RegistryClient | None = None) -> Lookup:
    """Ask the registry about a SIREN or SIRET. Raises ValidationError for a number
    that cannot be one, RegistryUnavailable when the registry does not answer."""
    identifier = clean_identifier(identifier)
    payload = (client or registry_client()).search(identifier)
    record = parse_search(payload, identifier)
    return Lookup(
        identifier=identifier,
        record=record,
        checked_at=timezone.now(),
        values=directory_values(record) if record else {},
    )


def _comparable(value):
    return getattr(value, "pk", value)


def registry_updates(structure: Structure, values: dict) -> dict:
    """The fields `refresh_registry` may rewrite, with their new values: those that
    came from the registry, and the empty ones; never one that staff typed."""
    updates = {}
    for name in REGISTRY_FIELDS:
        new = values.get(name)
        if new is None:
            continue
        current = getattr(structure, name)
        typed_by_staff = current not in (None, "") and name not in structure.registry_fields
        if typed_by_staff or _comparable(current) == _comparable(new):
            continue
        updates[name] = new
    return updates


@dataclass
class Refreshed:
    structure: Structure
    state: str
    changed: list = field(default_factory=list)
    error: str = ""


def _store(structure: Structure, lookup_: Lookup, updates: dict, *, dry_run: bool) -> None:
    record = lookup_.record
    state = record.state if record else RegistryState.NOT_FOUND
    registry_fields = sorted(set(structure.registry_fields) | set(updates))
    status = {
        "registry_state": state,
        "registry_closed_on": record.closed_on if record else None,
        "registry_checked_at": lookup_.checked_at,
        "registry_fields": registry_fields,
    }
    if dry_run:
        return
    if not updates:
        # Only the registry's own columns change: no page shows them, so no derived
        # value (search text, the poles' "last updated") is concerned.
        Structure.objects.filter(pk=structure.pk).update(**status)
        return
    for name, value in {**updates, **status}.items():
        setattr(structure, name, value)
    # Only the registry's values are checked: an older flaw elsewhere in the record
    # (staff's to fix) does not stop the refresh.
    others = [f.name for f in Structure._meta.fields if f.name not in updates]
    structure.full_clean(exclude=others, validate_unique=False, validate_constraints=False)
    with transaction.atomic(), derived.batch(), reversion.create_revision():
        reversion.set_comment(_("Updated from the SIRENE registry"))
        structure.save()


def refresh_structure(
    structure: Structure, *, client: RegistryClient, dry_run: bool = False
) -> Refreshed:
    """Ask the registry about one structure's SIRET and store what it says."""
    try:
        answer = lookup(structure.siret, client=client)
    except RegistryUnavailable as error:
        return Refreshed(structure, state="", error=f"registry unavailable ({error})")
    except ValidationError as error:
        return Refreshed(structure, state="", error="; ".join(error.messages))
    updates = registry_updates(structure, answer.values) if answer.found else {}
    try:
        _store(structure, answer, updates, dry_run=dry_run)
    except ValidationError as error:
        return Refreshed(structure, state="", error="; ".join(error.messages))
    state = answer.record.state if answer.found else RegistryState.NOT_FOUND
    return Refreshed(structure, state=state, changed=sorted(updates))


def refresh_structures(
    structures: Iterable[Structure],
    *,
    client: RegistryClient | None = None,
    dry_run: bool = False,
    progress: Callable[[Refreshed], None] | None = None,
) -> list[Refreshed]:
    """Refresh each structure in turn (the client paces the requests)."""
    client = client or registry_client(max_wait=30.0)
    results = []
    for structure in structures:
        result = refresh_structure(structure, client=client, dry_run=dry_run)
        results.append(result)
        if progress:
            progress(result)
    return results
