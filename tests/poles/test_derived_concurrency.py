"""Derived data written by two transactions at once (PostgreSQL: SQLite writes one
transaction at a time).

Two editors saving records of the same pole at the same moment (key figures,
memberships, territories of action: the admin and the API lock the record they save,
not the pole) both refresh the pole's derived rows, deleting them and inserting them
again from what their transaction reads. Both saves must go through, and the rows must
be those the records call for. What makes the second refresh wait for the first to
commit, then read what it wrote, is the derived data's own lock (poles/derived.py,
`_lock`): the rows of the poles refreshed, and a lock that a rebuild of every pole takes
alone. Without it, the second insert fails (duplicate key) and the editor's save is
refused, or the second's search text, computed without the first's change, wins.

Each test runs twice: with the page cache's data stamp (caching/stamp.py), whose one
row every write transaction replaces, so that writers also queue up there, as in
production; and without it, where the derived data's lock alone must order them.

The threads' own connections see only committed rows: the pole is committed, then
deleted with its figures and its words (not `transaction=True`, whose flush would
empty the communes loaded once per session, see tests/browser/conftest.py). No test
here asks for the `db` fixture, so pytest-django creates the test database only when
another module's tests run too: run this file with tests/poles. Alone, it stops at once
(tests/conftest.py refuses any database but a test one).
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from caching import generation
from poles import derived
from poles.models import (
    KeyFigure,
    LegalForm,
    Membership,
    MemberTally,
    Pole,
    PoleCoverage,
    PoleWithFigures,
    SearchWord,
    Structure,
)
from poles.services import build_search_text
from tests.factories import KeyFigureFactory, MembershipFactory, StructureFactory, located_pole

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs one write transaction at a time"
)

# Long enough for the second transaction to reach the database and wait on the first.
HOLD_SECONDS = 1.0


def run_at_once(first, second, *, first_refreshed=True) -> list[BaseException]:
    """Run `first`, then `second` while the first's transaction is still open (its
    derived values refreshed, not committed; with `first_refreshed=False`, not refreshed
    yet either), each as the admin and the API write: in a transaction, the derived
    values batched. Returns the errors raised."""
    errors: list[BaseException] = []
    first_written, release = threading.Event(), threading.Event()

    def hold():
        first_written.set()
        release.wait(10)

    def first_thread():
        try:
            with transaction.atomic():
                with derived.batch():
                    first()
                    if not first_refreshed:
                        hold()
                if first_refreshed:
                    hold()
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


@pytest.fixture(params=["with the stamp", "without the stamp"])
def stamp(request, monkeypatch):
    """With the page cache's data stamp, as in production, and without it: every write
    transaction replaces the stamp's one row, which makes writers queue up whatever
    they write; without it, the derived data's own lock alone must order them."""
    if request.param == "without the stamp":
        monkeypatch.setattr(generation, "bump_stamp", lambda: "")
    return request.param


@pytest.fixture
def committed_pole(stamp, django_db_setup, django_db_blocker):
    """A pole seated in Beauvais (Oise), committed for the threads to see, deleted after
    the test with the structures made for it."""
    with django_db_blocker.unblock():
        words = set(SearchWord.objects.values_list("pk", flat=True))
        structures = set(Structure.objects.values_list("pk", flat=True))
        pole = located_pole("60057", name="Pôle concurrent")
        try:
            yield pole
        finally:
            pole.delete()
            Structure.objects.exclude(pk__in=structures).delete()
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


def tallies(pole) -> set[tuple]:
    return set(MemberTally.objects.filter(pole=pole).values_list("legal_form__slug", "structures"))


def search_text(pole) -> str:
    return Pole.objects.get(pk=pole.pk).search_text


def rebuilt_search_text(pole) -> str:
    return build_search_text(Pole.objects.get(pk=pole.pk))


def test_two_members_added_at_once(committed_pole):
    pole = committed_pole
    alpha = StructureFactory(name="Atelier Alpha")
    beta = StructureFactory(name="Atelier Beta")
    errors = run_at_once(
        lambda: MembershipFactory(pole=pole, structure=alpha),
        lambda: MembershipFactory(pole=pole, structure=beta),
    )
    assert errors == []
    assert Membership.objects.filter(pole=pole).count() == 2
    assert tallies(pole) == {(None, 2)}
    # Found by both members' names, as a rebuild would index it.
    assert "atelier alpha" in search_text(pole)
    assert "atelier beta" in search_text(pole)
    assert search_text(pole) == rebuilt_search_text(pole)


def test_two_members_legal_forms_changed_at_once(committed_pole):
    pole = committed_pole
    association = LegalForm.objects.get(slug="association")
    alpha = StructureFactory(name="Atelier Alpha", legal_form=association)
    beta = StructureFactory(name="Atelier Beta", legal_form=association)
    MembershipFactory(pole=pole, structure=alpha)
    MembershipFactory(pole=pole, structure=beta)
    assert tallies(pole) == {("association", 2)}

    def change(structure, slug):
        structure = Structure.objects.get(pk=structure.pk)
        structure.legal_form = LegalForm.objects.get(slug=slug)
        structure.save()

    errors = run_at_once(lambda: change(alpha, "sarl"), lambda: change(beta, "scop"))
    assert errors == []
    assert tallies(pole) == {("sarl", 1), ("scop", 1)}


def test_two_territories_added_at_once(committed_pole):
    pole = committed_pole

    def add(code):
        Pole.objects.get(pk=pole.pk).territory_departements.add(code)

    errors = run_at_once(lambda: add("76"), lambda: add("69"))
    assert errors == []
    assert set(pole.territory_departements.values_list("code", flat=True)) == {"76", "69"}
    covered = PoleCoverage.objects.filter(pole=pole).values_list("departement_id", flat=True)
    assert sorted(covered) == ["60", "69", "76"]


def test_a_pole_renamed_while_its_first_figure_is_saved(committed_pole):
    pole = committed_pole

    def rename():
        renamed = Pole.objects.get(pk=pole.pk)
        renamed.name = "Pôle concurrent renommé"
        renamed.save()

    # The rename holds the pole's row (its UPDATE) until it commits, and the figure's
    # refresh waits for it; the rename's own refresh then locks the row it already holds.
    errors = run_at_once(
        rename,
        lambda: KeyFigureFactory(pole=pole, year=2023, etp=4, turnover=None),
        first_refreshed=False,
    )
    assert errors == []
    assert search_text(pole).startswith("pole concurrent renomme")
    assert search_text(pole) == rebuilt_search_text(pole)
    assert stored() == with_figures() == {pole.pk}


def test_every_pole_rebuilt_while_a_first_figure_is_saved(committed_pole):
    pole = committed_pole
    errors = run_at_once(
        lambda: KeyFigureFactory(pole=pole, year=2023, etp=4, turnover=None),
        derived.refresh_all,
    )
    assert errors == []
    assert stored() == with_figures() == {pole.pk}
    errors = run_at_once(
        derived.refresh_all,
        lambda: KeyFigureFactory(pole=pole, year=2024, etp=5, turnover=None),
    )
    assert errors == []
    assert stored() == with_figures() == {pole.pk}
