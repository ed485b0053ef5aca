"""Writes of the members app."""

import json
from pathlib import Path

from poles.models import Pole
from poles.services import SEED_FILES

from .models import Cooperator


def load_seed_cooperators(*, slugs, paths=SEED_FILES) -> int:
    """Create the seed's cooperators of the poles `slugs` (the poles the seed loader
    has just created: a pole already present keeps the cooperators staff gave it).
    Call it inside the seed's transaction and revision. Returns how many were created."""
    rows = [
        row for path in paths for row in json.loads(Path(path).read_text(encoding="utf-8"))["poles"]
    ]
    poles = Pole.objects.in_bulk(slugs, field_name="slug")
    created = 0
    for row in rows:
        pole = poles.get(row["slug"])
        if pole is None:
            continue
        for cooperator in row.get("cooperators", []):
            record = Cooperator(
                pole=pole,
                kind=cooperator["kind"],
                name=cooperator["name"],
                source=cooperator["source"],
            )
            record.full_clean()
            record.save()
            created += 1
    return created
