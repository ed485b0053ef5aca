"""What the seed files say, read independently of the code under test: the expected
answers of tests that run on the real seed poles (so that counts follow the data)."""

import json
from functools import cache

from poles.services import SEED_FILES


@cache
def seed_rows() -> tuple[dict, ...]:
    return tuple(
        row for path in SEED_FILES for row in json.loads(path.read_text(encoding="utf-8"))["poles"]
    )


def seed_departements(row) -> set[str]:
    """The départements a seed pole is present in, from its seat and territory of action
    as the seed file gives them (geography read from the database)."""
    from territories.models import EPCI, Commune, Departement

    territory = row.get("territory", {})
    codes = set(territory.get("departements", []))
    communes = [*territory.get("communes", []), *filter(None, [row.get("seat_commune")])]
    codes |= set(Commune.objects.filter(code__in=communes).values_list("departement_id", flat=True))
    codes |= set(
        Departement.objects.filter(region_id__in=territory.get("regions", [])).values_list(
            "code", flat=True
        )
    )
    codes |= set(
        EPCI.objects.filter(code__in=territory.get("epcis", [])).values_list(
            "departements__code", flat=True
        )
    )
    return codes


def seed_names(*, region=None, departement=None, **fields) -> set[str]:
    """Names of the seed poles present in `region`/`departement` whose rows have the
    given values (`status="actif"`) or list them (`recognitions="ami-2021"`)."""
    from territories.models import Departement

    region_departements = (
        set(Departement.objects.filter(region_id=region).values_list("code", flat=True))
        if region
        else None
    )
    names = set()
    for row in seed_rows():
        present = seed_departements(row)
        if departement and departement not in present:
            continue
        if region_departements is not None and not present & region_departements:
            continue
        if any(
            value not in row.get(name, [])
            if isinstance(row.get(name), list)
            else row.get(name) != value
            for name, value in fields.items()
        ):
            continue
        names.add(row["name"])
    return names
