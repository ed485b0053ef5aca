"""The synthetic national directory (`generate_synthetic`): reproducible, shaped like the
field, always marked synthetic, and never mixed with real data."""

from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Sum
from stdnum.fr import siret

from caching import current_generation
from devtools.synthetic import (
    IAE_SHARE,
    POOLING_SHARES,
    STRUCTURE_LEGAL_FORMS,
    SYNTHETIC_LABEL,
    Sizes,
    generate,
    make_siret,
)
from members.models import College, Cooperator
from poles.models import KeyFigure, Membership, MemberTally, Pole, SharedMember, Structure
from territories.text import normalize
from tests.factories import PoleFactory
from tests.structure_counts import observed, rebuilt, stored, straightforward

pytestmark = pytest.mark.django_db

SMALL = Sizes(poles=40, structures=800, cooperators=1600, years=10, seed=7)


@pytest.fixture
def small():
    generate(sizes=SMALL)


def snapshot():
    return {
        "poles": list(Pole.objects.order_by("slug").values_list("name", "slug", "status")),
        "structures": list(
            Structure.objects.order_by("siret").values_list("name", "siret", "legal_form__slug")
        ),
        "memberships": Membership.objects.count(),
        "cooperators": list(
            Cooperator.objects.order_by("email", "name").values_list("name", "kind")[:200]
        ),
        "figures": list(
            KeyFigure.objects.order_by("pole__slug", "year").values_list("year", "etp")[:100]
        ),
    }


def test_the_same_seed_gives_the_same_dataset():
    generate(sizes=SMALL)
    first = snapshot()
    generate(sizes=SMALL, replace=True)
    assert snapshot() == first
    generate(sizes=Sizes(poles=40, structures=800, cooperators=1600, seed=8), replace=True)
    assert snapshot()["poles"] != first["poles"]


def test_counts_and_everything_marked_synthetic(small):
    assert Pole.objects.count() == Pole.objects.filter(is_synthetic=True).count() == 40
    assert Structure.objects.count() == Structure.objects.filter(is_synthetic=True).count() == 800
    assert Cooperator.objects.filter(is_synthetic=True).count() == 1600
    assert not Cooperator.objects.filter(is_synthetic=False).exists()
    assert not Pole.objects.exclude(source__contains=SYNTHETIC_LABEL).exists()
    assert not Pole.objects.exclude(description__startswith=SYNTHETIC_LABEL).exists()
    assert not Structure.objects.exclude(source__contains=SYNTHETIC_LABEL).exists()
    # Ten years of key figures per pole.
    assert set(
        KeyFigure.objects.values("pole").annotate(n=Count("pk")).values_list("n", flat=True)
    ) == {10}


def test_poles_are_seated_in_real_communes_across_france(small):
    seated = Pole.objects.select_related("seat_commune__departement")
    for pole in seated:
        assert pole.seat_commune is not None
        assert pole.latitude == pole.seat_commune.latitude
    # The first poles go to distinct départements (every one, at full scale).
    assert seated.values("seat_commune__departement").distinct().count() == 40
    assert all(pole.search_text.startswith(normalize(pole.name)) for pole in seated)
    # Bulk-created poles get the sort key save() would give them.
    assert all(pole.sort_name == normalize(pole.name) for pole in seated)


def test_search_columns_and_lexicon_are_filled_in_bulk(small):
    from django.db import connection

    from poles.models import SearchWord

    pole = Pole.objects.order_by("pk").first()
    name_words = {word for word in normalize(pole.name).split() if len(word) >= 3}
    assert name_words <= set(SearchWord.objects.values_list("word", flat=True))
    if connection.vendor == "postgresql":
        assert not Pole.objects.filter(search_vector__isnull=True).exists()
        assert Pole.objects.search(pole.name).values_list("pk", flat=True).first() == pole.pk


def test_member_tallies_are_filled_in_bulk(small):
    """The observatory's derived structure tallies, for memberships inserted without
    signals: as a rebuild would store them, and giving the straightforward numbers."""
    assert MemberTally.objects.exists()
    assert SharedMember.objects.exists()  # about 8 % of structures are shared
    assert stored() == rebuilt()
    some = list(Pole.objects.order_by("pk").values_list("pk", flat=True))[::7]
    for poles in (Pole.objects.published(), Pole.objects.filter(pk__in=some)):
        assert observed(poles) == straightforward(poles)


def test_full_scale_reaches_every_departement_including_overseas():
    generate(sizes=Sizes(poles=101, structures=101, cooperators=0, years=1))
    departements = set(Pole.objects.values_list("seat_commune__departement", flat=True))
    assert {"2A", "2B", "971", "972", "973", "974", "976"} <= departements
    assert len(departements) == 101


def test_proportions_follow_the_survey(small):
    structures = Structure.objects.count()
    forms = Counter(Structure.objects.values_list("legal_form__slug", flat=True))
    associations = forms["association"] + forms["association-intermediaire"]
    assert associations / structures == pytest.approx(0.57, abs=0.05)
    for slug in ("sarl", "scic", "collectivite-territoriale"):
        expected = STRUCTURE_LEGAL_FORMS[slug] / 100
        assert forms[slug] / structures == pytest.approx(expected, abs=0.03), slug
    iae = Structure.objects.filter(approvals__is_iae=True).distinct().count()
    assert iae / structures == pytest.approx(IAE_SHARE, abs=0.05)
    small_ones = Structure.objects.filter(headcount_band__max_employees__lt=10).count()
    assert 2 / 3 - 0.05 <= small_ones / structures <= 3 / 4 + 0.05
    poles = Pole.objects.count()
    for slug in ("connaissances-experiences", "locaux", "moyens-materiels"):
        share = Pole.objects.filter(pooling_types__slug=slug).count() / poles
        assert share == pytest.approx(POOLING_SHARES[slug], abs=0.2), slug


def test_sirets_are_valid_and_unique(small):
    sirets = list(Structure.objects.values_list("siret", flat=True))
    assert len(set(sirets)) == len(sirets)
    assert all(siret.is_valid(value) for value in sirets)
    assert all(siret.is_valid(make_siret(n)) for n in range(1, 2000, 7))


def test_memberships_colleges_and_cooperators(small):
    # One current animator per pole.
    animators = Membership.objects.filter(role="animator", left_year__isnull=True)
    assert animators.count() == Pole.objects.count()
    # Some structures are shared between poles.
    shared = Structure.objects.annotate(n=Count("memberships")).filter(n__gt=1)
    assert shared.exists()
    # SCIC poles have colleges whose weights follow the law; no other pole has any.
    scics = Pole.objects.filter(legal_form__slug="scic")
    assert scics.exists()
    for pole in scics:
        weights = list(pole.colleges.values_list("vote_weight", flat=True))
        assert 3 <= len(weights) <= 5
        assert sum(weights) == Decimal(100)
        assert all(Decimal(10) <= weight <= Decimal(50) for weight in weights)
    assert not College.objects.exclude(pole__legal_form__slug="scic").exists()
    with_college = Cooperator.objects.filter(college__isnull=False)
    assert with_college.exists()
    assert not with_college.exclude(college__pole=F("pole")).exists()
    # Mostly persons without consent, with obviously fake private data.
    persons = Cooperator.objects.filter(kind="person")
    assert persons.count() > Cooperator.objects.filter(kind="organisation").count()
    assert persons.filter(consents_to_publication=False).count() > 0.8 * persons.count()
    assert not persons.exclude(email__endswith="@example.invalid").exists()
    assert not persons.filter(consents_to_publication=True, consent_recorded_on=None).exists()
    total = KeyFigure.objects.aggregate(total=Sum("etp"))["total"]
    assert total > 0


def test_refuses_a_database_with_real_poles():
    PoleFactory(name="Pôle réel")
    with pytest.raises(CommandError, match="real poles"):
        call_command("generate_synthetic", "--poles=2", "--structures=4", stdout=StringIO())
    assert Pole.objects.count() == 1


def test_refuses_to_generate_twice_without_replace(small):
    with pytest.raises(CommandError, match="--replace"):
        call_command("generate_synthetic", "--poles=2", "--structures=4", stdout=StringIO())


def test_the_command_reports_and_invalidates_the_public_cache():
    cache.clear()
    before = current_generation()
    out = StringIO()
    call_command(
        "generate_synthetic",
        "--poles=3",
        "--structures=6",
        "--cooperators=9",
        "--years=2",
        stdout=out,
    )
    assert "Synthetic data generated" in out.getvalue()
    assert Pole.objects.count() == 3
    assert current_generation() > before
