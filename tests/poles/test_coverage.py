"""The départements each pole covers (PoleCoverage): what the région and département
filters and pages read. Derived data, so every way a seat or a territory of action is
written must leave it right: model saves, many-to-many changes from either side, the
admin form, history reverts and recoveries, imports, bulk generation and reloads of
the geography."""

from io import StringIO

import pytest
import reversion
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from reversion.models import Version

from devtools.synthetic import Sizes, generate
from editors.models import EditorProfile
from poles.models import Pole, PoleCoverage
from poles.services import refresh_coverage
from territories.models import EPCI, Commune, Departement, Region
from tests.admin_forms import change_form_data
from tests.factories import PoleFactory, editor, located_pole

pytestmark = pytest.mark.django_db


def covered(pole) -> set[str]:
    return set(PoleCoverage.objects.filter(pole=pole).values_list("departement_id", flat=True))


def departements_of(region_code: str) -> set[str]:
    return set(Departement.objects.filter(region_id=region_code).values_list("code", flat=True))


def test_a_seat_covers_its_departement():
    pole = located_pole("60057")  # Beauvais, Oise
    assert covered(pole) == {"60"}
    assert PoleCoverage.objects.get(pole=pole).region_id == "32"


def test_a_pole_without_seat_or_territory_covers_nothing():
    assert covered(PoleFactory()) == set()


def test_changing_the_seat_moves_the_coverage():
    pole = located_pole("60057")
    pole.seat_commune = Commune.objects.get(code="76540")  # Rouen
    pole.save()
    assert covered(pole) == {"76"}
    pole.seat_commune = None
    pole.save(update_fields=["seat_commune"])
    assert covered(pole) == set()


def test_a_save_that_keeps_the_seat_leaves_the_coverage_alone():
    pole = Pole.objects.get(pk=located_pole("60057").pk)
    pole.name = "Pôle de test renommé"
    with CaptureQueriesContext(connection) as queries:
        pole.save()
    assert not [query for query in queries if "poles_polecoverage" in query["sql"]]
    assert covered(pole) == {"60"}
    pole.seat_commune_id = "2A004"  # Ajaccio
    pole.save()
    assert covered(pole) == {"2A"}


def test_each_level_of_the_territory_of_action():
    pole = located_pole("60057")
    pole.territory_communes.set(["27229"])  # Évreux, Eure
    assert covered(pole) == {"60", "27"}
    pole.territory_departements.set(["2A"])
    assert covered(pole) == {"60", "27", "2A"}
    # A région covers each of its départements.
    pole.territory_regions.add("94")
    assert covered(pole) == {"60", "27"} | departements_of("94")
    pole.territory_regions.clear()
    pole.territory_departements.remove("2A")
    pole.territory_communes.clear()
    assert covered(pole) == {"60"}


def test_an_epci_covers_every_departement_it_spans():
    epci = EPCI.objects.annotate(spanned=Count("departements")).filter(spanned__gt=1).first()
    spans = set(epci.departements.values_list("code", flat=True))
    pole = PoleFactory()
    pole.territory_epcis.add(epci)
    assert covered(pole) == spans
    assert len(spans) > 1


def test_links_written_from_the_territory_side():
    region = Region.objects.get(code="84")
    first, second = PoleFactory(), PoleFactory()
    region.poles.add(first, second)
    assert covered(first) == covered(second) == departements_of("84")
    region.poles.remove(first)
    assert covered(first) == set()
    region.poles.clear()
    assert covered(second) == set()


def test_the_filters_read_it(client):
    pole = located_pole("60057", name="Pôle de test de la Corse")
    pole.territory_departements.set(["2B"])
    names = lambda **params: [p.name for p in Pole.objects.published().in_region(**params)]  # noqa: E731
    assert names(code="94") == ["Pôle de test de la Corse"]
    assert names(code="32") == ["Pôle de test de la Corse"]
    assert names(code="28") == []
    assert "Pôle de test de la Corse" in client.get("/poles/?departement=2B").content.decode()
    assert "Pôle de test de la Corse" not in client.get("/poles/?departement=2A").content.decode()


def old_region_match(code: str) -> Q:
    """The région filter as it was before PoleCoverage, computed from the territory
    itself: the definition the derived table must agree with."""
    return (
        Q(seat_commune__departement__region_id=code)
        | Q(territory_regions__code=code)
        | Q(territory_departements__region_id=code)
        | Q(territory_communes__departement__region_id=code)
        | Q(territory_epcis__departements__region_id=code)
    )


def old_departement_match(departement: Departement) -> Q:
    return (
        Q(seat_commune__departement_id=departement.code)
        | Q(territory_departements__code=departement.code)
        | Q(territory_communes__departement_id=departement.code)
        | Q(territory_epcis__departements__code=departement.code)
        | Q(territory_regions__code=departement.region_id)
    )


def test_it_agrees_with_the_territories_on_a_generated_directory():
    # Synthetic: 60 poles acting on communes, EPCI, départements and régions.
    generate(sizes=Sizes(poles=60, structures=60, cooperators=0, years=1, seed=3))
    poles = Pole.objects.all()
    assert PoleCoverage.objects.exists()
    for region in Region.objects.all():
        expected = set(poles.filter(old_region_match(region.code)).values_list("pk", flat=True))
        assert set(poles.in_region(region.code).values_list("pk", flat=True)) == expected
    for departement in Departement.objects.all():
        expected = set(
            poles.filter(old_departement_match(departement)).values_list("pk", flat=True)
        )
        assert set(poles.in_departement(departement.code).values_list("pk", flat=True)) == expected
    # Rebuilding from scratch gives the same rows.
    before = set(PoleCoverage.objects.values_list("pole_id", "departement_id", "region_id"))
    assert refresh_coverage() == len(before)
    assert set(PoleCoverage.objects.values_list("pole_id", "departement_id", "region_id")) == before


def test_reloading_the_territories_rebuilds_it():
    pole = located_pole("60057")
    pole.territory_regions.add("11")
    PoleCoverage.objects.all().delete()  # as if the geography had changed under it
    call_command("load_territories", "--force", stdout=StringIO())
    assert covered(pole) == {"60"} | departements_of("11")


@pytest.fixture
def national(client):
    client.force_login(editor(EditorProfile.Role.NATIONAL, username="coverage-national"))


def test_admin_edits_reverts_and_recoveries_keep_it(client, national):
    with reversion.create_revision():
        pole = located_pole("60057", name="Pôle de test couverture")
        pole.territory_departements.set(["27"])
        reversion.add_to_revision(pole)
    first = Version.objects.get_for_object(pole).get()
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    data = change_form_data(client.get(url))
    data.update(territory_departements=["2A", "2B"], seat_commune="76540")
    assert client.post(url, data).status_code == 302
    assert covered(pole) == {"76", "2A", "2B"}

    revision_url = reverse("admin:poles_pole_revision", args=[pole.pk, first.pk])
    assert client.post(revision_url, change_form_data(client.get(revision_url))).status_code == 302
    assert covered(pole) == {"60", "27"}

    pk = pole.pk
    client.post(reverse("admin:poles_pole_delete", args=[pk]), {"post": "yes"})
    assert not PoleCoverage.objects.filter(pole_id=pk).exists()
    deleted = Version.objects.get_deleted(Pole).get(object_id=str(pk))
    recover_url = reverse("admin:poles_pole_recover", args=[deleted.pk])
    assert client.post(recover_url, change_form_data(client.get(recover_url))).status_code == 302
    assert covered(Pole.objects.get(pk=pk)) == {"60", "27"}
