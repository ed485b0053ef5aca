"""The observatory's member structure numbers, computed the straightforward way, to
compare with what it reads from the derived tallies (observatory/facts.py)."""

from collections import defaultdict

from django.db import transaction

from observatory.facts import structure_counts
from poles.models import Membership, MemberTally, SharedMember, Structure
from poles.services import refresh_member_tallies


def straightforward(poles) -> dict:
    """{legal form id: (structures, IAE-approved, band known, fewer than 10)} over the
    structures with a current membership in any of `poles`, each once: read from the
    memberships and structures themselves, in Python."""
    pole_ids = set(poles.values_list("pk", flat=True))
    members = {
        structure_id
        for pole_id, structure_id, left_year in Membership.objects.values_list(
            "pole_id", "structure_id", "left_year"
        )
        if pole_id in pole_ids and left_year is None
    }
    iae = {
        structure_id
        for structure_id, is_iae in Structure.approvals.through.objects.values_list(
            "structure_id", "approval__is_iae"
        )
        if is_iae
    }
    counts = defaultdict(lambda: [0, 0, 0, 0])
    for structure in Structure.objects.select_related("headcount_band"):
        if structure.pk not in members:
            continue
        band = structure.headcount_band
        row = counts[structure.legal_form_id]
        row[0] += 1
        row[1] += structure.pk in iae
        row[2] += band is not None
        row[3] += band is not None and band.max_employees is not None and band.max_employees < 10
    return {form: tuple(row) for form, row in counts.items()}


def observed(poles) -> dict:
    """The same numbers as the observatory computes them."""
    rows = structure_counts(poles)
    counts = {form: tuple(numbers) for form, *numbers in rows}
    assert len(counts) == len(rows), "one row per legal form"
    return counts


def stored() -> tuple[set, set]:
    """The derived rows as stored."""
    return (
        set(
            MemberTally.objects.values_list(
                "pole_id", "legal_form_id", "structures", "iae", "band_known", "under_ten"
            )
        ),
        set(
            SharedMember.objects.values_list(
                "pole_id",
                "structure_id",
                "home_id",
                "legal_form_id",
                "iae",
                "band_known",
                "under_ten",
            )
        ),
    )


class _Rollback(Exception):
    pass


def rebuilt() -> tuple[set, set]:
    """The derived rows a rebuild of every pole's would store (rolled back after)."""
    try:
        with transaction.atomic():
            MemberTally.objects.all().delete()
            SharedMember.objects.all().delete()
            refresh_member_tallies()
            rows = stored()
            raise _Rollback
    except _Rollback:
        pass
    return rows
