"""Reads of the members app for public pages."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, F, Q, Value, When

from poles.models import Pole

from .models import College, Cooperator


@dataclass
class CooperatorSummary:
    """What a pole's page may show of its cooperators (persons are named only
    with their recorded consent; their contact details are never shown)."""

    organisations: list[str] = field(default_factory=list)
    named_persons: list[str] = field(default_factory=list)
    person_count: int = 0
    colleges: list[dict] = field(default_factory=list)
    without_college: int = 0

    @property
    def total(self) -> int:
        return len(self.organisations) + self.person_count

    @property
    def unnamed_person_count(self) -> int:
        return self.person_count - len(self.named_persons)


def cooperator_summary(pole: Pole) -> CooperatorSummary:
    """In one query whatever their number: the current cooperators counted by kind and
    college, with the names a public page may show (organisations, and persons who
    consented); a person's name without consent never leaves the database. The
    pole's colleges (name and vote weight) in a second query, when there is any
    cooperator to count in them (the page shows the colleges only then)."""
    shown_name = Case(
        When(
            Q(kind=Cooperator.Kind.ORGANISATION) | Q(consents_to_publication=True),
            then=F("name"),
        ),
        default=Value(None),
        output_field=CharField(),
    )
    rows = (
        Cooperator.objects.current()
        .filter(pole=pole)
        .annotate(shown_name=shown_name)
        .order_by()
        .values("kind", "college_id", "shown_name")
        .annotate(count=Count("pk"))
    )
    summary = CooperatorSummary()
    by_college: dict[int, int] = defaultdict(int)
    for row in rows:
        count = row["count"]
        if row["kind"] == Cooperator.Kind.PERSON:
            summary.person_count += count
            if row["shown_name"]:
                summary.named_persons += [row["shown_name"]] * count
        else:
            summary.organisations += [row["shown_name"]] * count
        if row["college_id"]:
            by_college[row["college_id"]] += count
        else:
            summary.without_college += count
    summary.organisations.sort(key=str.casefold)
    summary.named_persons.sort(key=str.casefold)
    if summary.total:
        colleges = College.objects.filter(pole=pole).order_by("position", "name")
        summary.colleges = [
            {"college": college, "count": by_college.get(college["pk"], 0)}
            for college in colleges.values("pk", "name", "vote_weight")
        ]
    return summary
