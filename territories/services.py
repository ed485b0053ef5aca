"""Loading the official geography into the database (idempotent upserts)."""

import csv
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from .models import EPCI, Commune, Departement, LoadedDataset, PostalCode, Region
from .signals import territories_loaded
from .text import normalize

TERRITORY_FILES = ("regions.json", "departements.json", "epci.csv", "communes.csv")
DEFAULT_TERRITORY_DIR = Path(settings.BASE_DIR) / "fixtures" / "territories"

# Municipal arrondissements belong to these communes (INSEE code prefixes).
ARRONDISSEMENT_PARENTS = {"751": "75056", "6938": "69123", "132": "13055"}


@dataclass
class TerritoryLoadReport:
    regions: int = 0
    departements: int = 0
    epcis: int = 0
    communes: int = 0
    retired_communes: int = 0
    skipped: bool = False


def _checksum(directory: Path) -> str:
    digest = hashlib.sha256()
    for name in TERRITORY_FILES:
        digest.update((directory / name).read_bytes())
    return digest.hexdigest()


def arrondissement_parent_code(code: str) -> str | None:
    for prefix, parent in ARRONDISSEMENT_PARENTS.items():
        if code.startswith(prefix) and code != parent:
            return parent
    return None


@transaction.atomic
def load_territories(*, directory: Path = DEFAULT_TERRITORY_DIR, force: bool = False):
    """Upsert régions, départements, EPCI and communes from the official files.

    Nothing is deleted: a commune that leaves the official geography (a merger) is
    marked as former, so poles and structures that point at it keep their place.
    """
    directory = Path(directory)
    checksum = _checksum(directory)
    existing = LoadedDataset.objects.filter(name="territories").first()
    if (
        existing
        and existing.checksum == checksum
        and not force
        and Commune.objects.exists()
        # A database migrated since the last load has an empty postal-code table.
        and PostalCode.objects.exists()
    ):
        return TerritoryLoadReport(skipped=True)

    report = TerritoryLoadReport()
    regions = [
        Region(
            code=row["code"],
            name=row["nom"],
            slug=slugify(row["nom"]),
            zone=row.get("zone", "metro"),
            chef_lieu_code=row.get("chef_lieu") or "",
        )
        for row in json.loads((directory / "regions.json").read_text(encoding="utf-8"))
    ]
    Region.objects.bulk_create(
        regions,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "slug", "zone", "chef_lieu_code"],
    )
    report.regions = len(regions)

    departements = [
        Departement(
            code=row["code"],
            name=row["nom"],
            slug=slugify(row["nom"]),
            region_id=row["region"],
            zone=row.get("zone", "metro"),
            chef_lieu_code=row.get("chef_lieu") or "",
        )
        for row in json.loads((directory / "departements.json").read_text(encoding="utf-8"))
    ]
    Departement.objects.bulk_create(
        departements,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "slug", "region", "zone", "chef_lieu_code"],
    )
    report.departements = len(departements)

    with (directory / "epci.csv").open(encoding="utf-8", newline="") as handle:
        epci_rows = list(csv.DictReader(handle))
    EPCI.objects.bulk_create(
        [EPCI(code=row["code"], name=row["nom"], kind=row["type"]) for row in epci_rows],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "kind"],
    )
    Through = EPCI.departements.through
    Through.objects.all().delete()
    Through.objects.bulk_create(
        [
            Through(epci_id=row["code"], departement_id=dep)
            for row in epci_rows
            for dep in row["departements"].split("|")
            if dep
        ],
        batch_size=2000,
    )
    report.epcis = len(epci_rows)

    with (directory / "communes.csv").open(encoding="utf-8", newline="") as handle:
        commune_rows = list(csv.DictReader(handle))
    communes = [
        Commune(
            code=row["code_insee"],
            name=row["nom"],
            search_name=normalize(row["nom"]),
            slug=f"{slugify(row['nom'])}-{row['code_insee'].lower()}",
            kind=row["type"],
            departement_id=row["departement"],
            epci_id=row["epci"] or None,
            postal_codes=" ".join(filter(None, row["codes_postaux"].split("|"))),
            population=int(row["population"]) if row["population"] else None,
            latitude=Decimal(row["lat"]) if row["lat"] else None,
            longitude=Decimal(row["lng"]) if row["lng"] else None,
            is_current=True,
        )
        for row in commune_rows
    ]
    # Parents first: an arrondissement points at its commune.
    Commune.objects.bulk_create(
        communes,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=[
            "name",
            "search_name",
            "slug",
            "kind",
            "departement",
            "epci",
            "postal_codes",
            "population",
            "latitude",
            "longitude",
            "is_current",
        ],
        batch_size=2000,
    )
    for prefix, parent in ARRONDISSEMENT_PARENTS.items():
        Commune.objects.filter(kind=Commune.Kind.ARRONDISSEMENT, code__startswith=prefix).update(
            parent_id=parent
        )
    report.retired_communes = _retire_missing({row["code_insee"] for row in commune_rows})
    _rebuild_postal_codes(communes)
    report.communes = len(communes)

    LoadedDataset.objects.update_or_create(name="territories", defaults={"checksum": checksum})
    territories_loaded.send(sender=LoadedDataset)
    return report


def _rebuild_postal_codes(communes: list[Commune]) -> None:
    """The postal-code table, rebuilt whole from the file: derived from
    `Commune.postal_codes`, it holds nothing of its own (a retired commune keeps its
    rows from before, so a former commune is still found by its postal code)."""
    PostalCode.objects.filter(commune__is_current=True).delete()
    PostalCode.objects.bulk_create(
        [
            PostalCode(code=code, commune_id=commune.code)
            for commune in communes
            for code in dict.fromkeys(commune.postal_codes.split())
        ],
        batch_size=2000,
    )


def _retire_missing(current_codes: set[str]) -> int:
    """Mark as former the stored communes absent from the file (in small batches:
    SQLite caps the number of bound parameters of one query)."""
    stored = set(Commune.objects.filter(is_current=True).values_list("code", flat=True))
    missing = sorted(stored - current_codes)
    retired = 0
    for start in range(0, len(missing), 500):
        retired += Commune.objects.filter(code__in=missing[start : start + 500]).update(
            is_current=False
        )
    return retired
