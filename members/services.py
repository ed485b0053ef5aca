"""Writes of the members app."""

import json
from pathlib import Path

import reversion
from django.db import transaction

from poles import derived
from poles.models import Pole
from poles.services import SEED_FILES, SeedReport, load_seed_poles, mark_seed_synced

from .models import Cooperator


@transaction.atomic
def load_seed(*, paths=SEED_FILES) -> SeedReport:
    """The real seed: its poles (poles.services.load_seed_poles) and their cooperators,
    in one transaction and one revision, their derived data refreshed once, then the
    poles written stamped as the loader left them (a later edit tells staff work apart).
    """
    with reversion.create_revision():
        with derived.batch():
            report = load_seed_poles(paths=paths)
            load_seed_cooperators(slugs=report.created, paths=paths)
        mark_seed_synced([*report.created, *report.completed])
    return report


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
