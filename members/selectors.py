"""Reads of the members app for public pages."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from poles.models import Pole
from poles.numbers import orm_decimal

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


# A pole's current cooperators counted by kind, college and the name a public page may
# show: an organisation's, or a person's who consented; any other person's name is
# NULL in the database's answer, so it never leaves the database. Then the pole's
# colleges (kind NULL), in the same round trip. Written by hand: built by the ORM (a
# CASE, a GROUP BY), it cost five times the same SQL (~0.9 ms of every visit of a
# pole's page and of its API detail). `current()` is `left_on IS NULL`; the colleges
# are ordered as `College.Meta.ordering` says, in Python.
COOPERATOR_COUNTS_SQL = """
SELECT kind, college_id,
       CASE WHEN kind = %s OR consents_to_publication THEN name END AS shown_name,
       COUNT(*), NULL, NULL
  FROM members_cooperator
 WHERE pole_id = %s AND left_on IS NULL
 GROUP BY kind, college_id, shown_name
UNION ALL
SELECT NULL, id, name, NULL, vote_weight, position
  FROM members_college
 WHERE pole_id = %s
"""
_VOTE_WEIGHT_QUANTUM = Decimal(1).scaleb(-College._meta.get_field("vote_weight").decimal_places)


def _college_order(college) -> tuple:
    position, name, pk, _vote_weight = college
    return (position, name, pk)


def cooperator_summary(pole: Pole) -> CooperatorSummary:
    """In one query whatever their number: the current cooperators counted by kind and
    college, with the names a public page may show (organisations, and persons who
    consented); a person's name without consent never leaves the database. The
    pole's colleges (name and vote weight) in the same query, shown when there is any
    cooperator to count in them."""
    with connection.cursor() as cursor:
        cursor.execute(
            COOPERATOR_COUNTS_SQL, [Cooperator.Kind.ORGANISATION.value, pole.pk, pole.pk]
        )
        rows = cursor.fetchall()
    summary = CooperatorSummary()
    by_college: dict[int, int] = defaultdict(int)
    colleges = []
    for kind, college_id, shown_name, count, vote_weight, position in rows:
        if kind is None:
            vote_weight = orm_decimal(vote_weight, _VOTE_WEIGHT_QUANTUM)
            colleges.append((position, shown_name, college_id, vote_weight))
            continue
        if kind == Cooperator.Kind.PERSON:
            summary.person_count += count
            if shown_name:
                summary.named_persons += [shown_name] * count
        else:
            summary.organisations += [shown_name] * count
        if college_id:
            by_college[college_id] += count
        else:
            summary.without_college += count
    summary.organisations.sort(key=str.casefold)
    summary.named_persons.sort(key=str.casefold)
    if summary.total:
        summary.colleges = [
            {
                "college": {"pk": pk, "name": name, "vote_weight": vote_weight},
                "count": by_college.get(pk, 0),
            }
            for _position, name, pk, vote_weight in sorted(colleges, key=_college_order)
        ]
    return summary
