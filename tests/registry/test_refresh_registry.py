"""`manage.py refresh_registry`: the registry's fields refreshed, staff's kept, closed
establishments reported, a dry run storing nothing, the registry's absence survived."""

from io import StringIO

import pytest
from django.core.management import call_command

from poles.models import LegalForm, Structure
from tests.factories import MembershipFactory, StructureFactory

pytestmark = pytest.mark.django_db


def refresh(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("refresh_registry", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def structures():
    association = StructureFactory(
        name="Association d'essai",
        siret="12345678200010",
        legal_form=LegalForm.objects.get(slug="scic"),  # typed by staff
        naf_code="88.99A",
        registry_fields=["naf_code"],  # came from an earlier look-up
    )
    closed = StructureFactory(name="SARL d'essai", siret="98765432400027")
    unknown = StructureFactory(name="Inconnue d'essai", siret="98765432400019")
    no_siret = StructureFactory(name="Sans SIRET", siret="")
    return association, closed, unknown, no_siret


def test_the_registrys_fields_and_the_empty_ones_are_refreshed_staffs_kept(
    structures, recorded_registry
):
    association, *_ = structures
    MembershipFactory(structure=association)

    out, err = refresh()

    association.refresh_from_db()
    assert association.naf_code == "88.99B"  # the registry's, refreshed
    assert association.legal_form.slug == "scic"  # typed by staff: kept
    assert association.name == "Association d'essai"  # typed by staff: kept
    assert association.commune_id == "60333"  # was empty: filled
    assert association.headcount_band.code == "11"
    assert association.is_ess is True
    assert association.registry_fields == [
        "commune",
        "headcount_band",
        "is_ess",
        "naf_code",
    ]
    assert association.registry_state == "active"
    assert "3 structure(s) checked, 2 updated, 1 closed establishment(s), 0 not checked." in out
    assert err == ""


def test_closed_establishments_are_reported_and_stored(structures, recorded_registry):
    _, closed, unknown, no_siret = structures

    out, _ = refresh()

    closed.refresh_from_db()
    assert closed.registry_state == "closed"
    assert str(closed.registry_closed_on) == "2024-06-30"
    assert (
        "Closed establishment (établissement fermé): SARL d'essai (SIRET 98765432400027) "
        f"/admin/poles/structure/{closed.pk}/change/" in out
    )
    unknown.refresh_from_db()
    assert unknown.registry_state == "not_found"
    assert "Not in the public registry: Inconnue d'essai (SIRET 98765432400019)" in out
    no_siret.refresh_from_db()
    assert no_siret.registry_checked_at is None


def test_a_dry_run_stores_nothing(structures, recorded_registry):
    out, _ = refresh("--dry-run")

    assert not Structure.objects.exclude(registry_state="").exists()
    assert "(dry run: nothing stored)." in out
    assert "Would update from the registry: Association d'essai (SIRET 12345678200010)" in out
    assert "Closed establishment (établissement fermé): SARL d'essai" in out


def test_one_siret_only(structures, recorded_registry):
    out, _ = refresh("--siret", "98765432400027")

    assert "1 structure(s) checked" in out
    assert list(Structure.objects.exclude(registry_state="").values_list("siret", flat=True)) == [
        "98765432400027"
    ]


def test_without_the_registry_nothing_changes_and_the_command_says_so(structures):
    out, err = refresh()

    assert "0 updated" in out and "3 not checked" in out
    assert "Not checked: SARL d'essai (SIRET 98765432400027): registry unavailable" in err
    assert not Structure.objects.exclude(registry_state="").exists()


def test_a_refresh_that_changes_nothing_visible_leaves_the_poles_alone(
    structures, recorded_registry
):
    _, closed, *_ = structures
    membership = MembershipFactory(structure=closed)
    refresh("--siret", "98765432400027")
    membership.pole.refresh_from_db()
    stamped = membership.pole.updated_at

    refresh("--siret", "98765432400027")

    membership.pole.refresh_from_db()
    assert membership.pole.updated_at == stamped
