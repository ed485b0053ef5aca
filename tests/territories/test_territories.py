"""Loading the official geography: counts, special codes, idempotency, former communes."""

import csv
import shutil
from io import StringIO

import pytest
from django.core.management import call_command

from territories.models import EPCI, Commune, Departement, Region
from territories.services import DEFAULT_TERRITORY_DIR, load_territories

pytestmark = pytest.mark.django_db


def test_counts_match_the_official_geography():
    assert Region.objects.count() == 18
    assert Departement.objects.count() == 101
    assert EPCI.objects.count() == 1255
    assert Commune.objects.count() == 34920
    assert Commune.objects.filter(kind=Commune.Kind.ARRONDISSEMENT).count() == 45


def test_corsica_and_overseas_codes():
    assert Departement.objects.get(code="2A").name == "Corse-du-Sud"
    assert Departement.objects.get(code="2B").region.name == "Corse"
    reunion = Departement.objects.get(code="974")
    assert reunion.region.code == "04"
    assert reunion.zone == "drom"
    ajaccio = Commune.objects.get(code="2A004")
    assert ajaccio.name == "Ajaccio"
    assert ajaccio.departement_id == "2A"
    saint_denis = Commune.objects.get(code="97411")
    assert saint_denis.departement_id == "974"
    assert float(saint_denis.latitude) < 0  # southern hemisphere


def test_arrondissements_point_to_their_commune():
    marseille_1 = Commune.objects.get(code="13201")
    assert marseille_1.parent_id == "13055"
    assert Commune.objects.get(code="75056").arrondissements.count() == 20
    assert Commune.objects.get(code="69123").arrondissements.count() == 9


def test_commune_fields_and_epci():
    lachapelle = Commune.objects.select_related("departement__region", "epci").get(code="60333")
    assert lachapelle.name == "Lachapelle-aux-Pots"
    assert lachapelle.departement.region.name == "Hauts-de-France"
    assert lachapelle.epci is not None
    assert lachapelle.latitude is not None
    assert lachapelle.search_name == "lachapelle aux pots"
    multi = Commune.objects.get(code="01050")
    assert multi.postal_codes == "01190 01380"


def test_epci_spanning_several_departements():
    spanning = EPCI.objects.filter(departements__isnull=False).distinct()
    from django.db.models import Count

    assert spanning.annotate(n=Count("departements")).filter(n__gt=1).count() == 89


def test_reloading_unchanged_files_is_skipped_and_forced_reload_changes_nothing():
    assert load_territories().skipped
    report = load_territories(force=True)
    assert not report.skipped
    assert report.retired_communes == 0
    assert Commune.objects.count() == 34920


def test_command_output():
    out = StringIO()
    call_command("load_territories", stdout=out)
    assert "already up to date" in out.getvalue()


def test_a_commune_that_disappears_is_kept_as_former(tmp_path):
    from tests.factories import PoleFactory

    directory = tmp_path / "territories"
    shutil.copytree(DEFAULT_TERRITORY_DIR, directory)
    pole = PoleFactory(seat_commune=Commune.objects.get(code="60333"))
    with (directory / "communes.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    fieldnames = list(rows[0])
    with (directory / "communes.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(row for row in rows if row["code_insee"] != "60333")

    report = load_territories(directory=directory)

    assert report.retired_communes == 1
    former = Commune.objects.get(code="60333")
    assert not former.is_current
    assert "former commune" in str(former) or "ancienne commune" in str(former)
    pole.refresh_from_db()
    assert pole.seat_commune_id == "60333"
    assert Commune.objects.current().filter(code="60333").count() == 0


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("lachapelle-aux", "60333"),
        ("LACHAPELLE AUX POTS", "60333"),
        ("60333", "60333"),
        ("2A004", "2A004"),
        ("ile saint denis", "93039"),
        ("île-saint-denis", "93039"),
    ],
)
def test_commune_search(term, expected):
    assert expected in set(Commune.objects.search(term).values_list("code", flat=True))


def test_commune_search_by_postal_code():
    assert "13201" in set(Commune.objects.search("13001").values_list("code", flat=True))
