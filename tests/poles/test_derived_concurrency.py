"""Derived data written by two transactions at once (PostgreSQL: SQLite writes one
transaction at a time).

Two editors saving key figures of the same pole at the same moment (the key figure
admin and the API do not lock the pole) both refresh its `PoleWithFigures` row,
deleting it and inserting it again. Both saves must go through, and the row must be
the one the figures call for. What makes them wait on each other is not the derived
data's code but the page cache's data stamp (caching/stamp.py): every write
transaction replaces its one row, so a second writer waits there for the first to
commit, then reads what it wrote. Without it, the second insert of the row fails
(duplicate key) and the editor's save is refused.

The threads' own connections see only committed rows: the pole is committed, then
deleted with its figures and its words (not `transaction=True`, whose flush would
empty the communes loaded once per session, see tests/browser/conftest.py).
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from poles import derived
from poles.models import KeyFigure, PoleWithFigures, SearchWord
from tests.factories import KeyFigureFactory, PoleFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs one write transaction at a time"
)

# Long enough for the second transaction to reach the database and wait on the first.
HOLD_SECONDS = 1.0


def run_at_once(first, second) -> list[BaseException]:
    """Run `first`, then `second` while the first's transaction is still open (its
    derived values refreshed, not committed), each as the admin and the API write: in
    a transaction, the derived values batched. Returns the errors raised."""
    errors: list[BaseException] = []
    first_written, release = threading.Event(), threading.Event()

    def first_thread():
        try:
            with transaction.atomic():
                with derived.batch():
                    first()
                first_written.set()
                release.wait(10)
        except BaseException as error:
            errors.append(error)
        finally:
            first_written.set()
            connections.close_all()

    def second_thread():
        first_written.wait(10)
        try:
            with transaction.atomic(), derived.batch():
                second()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first_thread), threading.Thread(target=second_thread)]
    for thread in threads:
        thread.start()
    first_written.wait(10)
    time.sleep(HOLD_SECONDS)
    release.set()
    for thread in threads:
        thread.join(20)
    return errors


@pytest.fixture
def committed_pole(django_db_setup, django_db_blocker):
    """A pole committed for the threads to see, deleted after the test."""
    with django_db_blocker.unblock():
        words = set(SearchWord.objects.values_list("pk", flat=True))
        pole = PoleFactory(name="Pôle concurrent")
        try:
            yield pole
        finally:
            pole.delete()
            SearchWord.objects.exclude(pk__in=words).delete()


def stored() -> set[int]:
    return set(PoleWithFigures.objects.values_list("pole_id", flat=True))


def with_figures() -> set[int]:
    return set(KeyFigure.objects.exclude(etp=None, turnover=None).values_list("pole_id", flat=True))


def test_a_poles_first_figures_saved_twice_at_once(committed_pole):
    pole = committed_pole
    errors = run_at_once(
        lambda: KeyFigureFactory(pole=pole, year=2022, etp=3, turnover=None),
        lambda: KeyFigureFactory(pole=pole, year=2023, etp=4, turnover=None),
    )
    assert errors == []
    assert KeyFigure.objects.filter(pole=pole).count() == 2
    assert stored() == with_figures() == {pole.pk}


def test_a_figure_added_while_the_last_one_is_taken_away(committed_pole):
    pole = committed_pole
    KeyFigureFactory(pole=pole, year=2022, etp=3, turnover=None)
    assert stored() == {pole.pk}
    errors = run_at_once(
        lambda: KeyFigureFactory(pole=pole, year=2023, etp=4, turnover=None),
        lambda: KeyFigure.objects.filter(pole=pole, year=2022).delete(),
    )
    assert errors == []
    assert stored() == with_figures() == {pole.pk}
