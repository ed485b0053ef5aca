"""Staff writes through the API: a personal token, its owner's scope, the admin's
validation, If-Match against lost updates, and the history saying "API, token …"."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from reversion.models import Version

from editors import tokens
from editors.models import EditorProfile
from poles.models import KeyFigure, Membership, Pole, Structure
from territories.models import Departement
from tests.factories import MembershipFactory, StructureFactory, editor, located_pole

pytestmark = pytest.mark.django_db

Role = EditorProfile.Role


@pytest.fixture
def world():
    oise = located_pole("60333", name="Pôle de test Oise")
    marseille = located_pole("13055", name="Pôle de test Marseille")
    oise_structure = StructureFactory(name="Structure de test Oise")
    marseille_structure = StructureFactory(name="Structure de test Marseille")
    MembershipFactory(pole=oise, structure=oise_structure)
    MembershipFactory(pole=marseille, structure=marseille_structure)
    return {
        "oise": oise,
        "marseille": marseille,
        "oise_structure": oise_structure,
        "marseille_structure": marseille_structure,
    }


class Client:
    """An API client holding a token, as a network's CRM would."""

    def __init__(self, client, user, name="CRM de test"):
        self.client = client
        self.record, self.token = tokens.issue_token(user=user, name=name)

    def headers(self, **extra):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}", **extra}

    def get(self, url, **extra):
        return self.client.get(url, **self.headers(**extra))

    def send(self, method, url, data, **extra):
        return getattr(self.client, method)(
            url, data, content_type="application/json", **self.headers(**extra)
        )


def coordinator_of(pole):
    return editor(Role.COORDINATOR, poles=[pole])


def pole_url(pole):
    return reverse("api:edit-pole", args=[pole.slug])


def test_without_a_token_writes_are_refused_and_nothing_changes(client, world):
    url = pole_url(world["oise"])
    for response in (
        client.get(url),
        client.patch(url, {"name": "X"}, content_type="application/json"),
        client.get(url, HTTP_AUTHORIZATION="Bearer ptce_unknown"),
    ):
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
        assert response["WWW-Authenticate"].startswith("Bearer")
    world["oise"].refresh_from_db()
    assert world["oise"].name == "Pôle de test Oise"


def test_a_change_needs_the_current_version(client, world):
    api = Client(client, coordinator_of(world["oise"]))
    url = pole_url(world["oise"])
    read = api.get(url)
    assert read.status_code == 200
    assert "no-store" in read["Cache-Control"]
    version = read.json()["version"]
    assert read["ETag"] == f'"{version}"'
    assert read.json()["seat_commune"] == "60333"

    missing = api.send("patch", url, {"summary": "Résumé de test"})
    assert missing.status_code == 428
    stale = api.send("patch", url, {"summary": "Résumé de test"}, HTTP_IF_MATCH='"0000"')
    assert stale.status_code == 412
    assert stale.json()["status"] == 412
    world["oise"].refresh_from_db()
    assert world["oise"].summary != "Résumé de test"

    changed = api.send("patch", url, {"summary": "Résumé de test"}, HTTP_IF_MATCH=read["ETag"])
    assert changed.status_code == 200, changed.json()
    assert changed.json()["summary"] == "Résumé de test"
    assert changed["ETag"] != read["ETag"]
    world["oise"].refresh_from_db()
    assert world["oise"].summary == "Résumé de test"
    # Fields not sent keep their stored values.
    assert world["oise"].name == "Pôle de test Oise"
    assert world["oise"].seat_commune_id == "60333"


def test_two_clients_cannot_overwrite_each_other(client, world):
    user = coordinator_of(world["oise"])
    first, second = Client(client, user, "premier"), Client(client, user, "second")
    url = pole_url(world["oise"])
    etag = first.get(url)["ETag"]
    assert second.get(url)["ETag"] == etag
    assert (
        first.send("patch", url, {"phone": "01 02 03 04 05"}, HTTP_IF_MATCH=etag).status_code == 200
    )
    late = second.send("patch", url, {"phone": "09 09 09 09 09"}, HTTP_IF_MATCH=etag)
    assert late.status_code == 412
    world["oise"].refresh_from_db()
    assert world["oise"].phone == "01 02 03 04 05"


def test_history_and_admin_log_name_the_token(client, world):
    user = coordinator_of(world["oise"])
    api = Client(client, user, "CRM de la CRESS")
    url = pole_url(world["oise"])
    etag = api.get(url)["ETag"]
    response = api.send("patch", url, {"name": "Pôle de test Oise renommé"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200

    version = Version.objects.get_for_object(world["oise"]).first()
    assert version.revision.user == user
    assert version.revision.comment == f"API, token {api.record.prefix}… (CRM de la CRESS)"
    assert version.field_dict["name"] == "Pôle de test Oise renommé"
    assert LogEntry.objects.filter(user=user, object_id=str(world["oise"].pk)).exists()
    # Derived data follow, as after an admin save: the search text has the new name.
    world["oise"].refresh_from_db()
    assert "renomme" in world["oise"].search_text.lower()


def test_out_of_scope_records_are_not_found(client, world):
    api = Client(client, coordinator_of(world["oise"]))
    marseille = world["marseille"]
    assert api.get(pole_url(marseille)).status_code == 404
    patched = api.send("patch", pole_url(marseille), {"name": "X"}, HTTP_IF_MATCH="*")
    assert patched.status_code == 404
    structure = reverse("api:edit-structure", args=[world["marseille_structure"].pk])
    assert api.get(structure).status_code == 404
    figures = reverse("api:edit-key-figure", args=[marseille.slug, 2024])
    assert api.send("put", figures, {"etp": "3"}, HTTP_IF_NONE_MATCH="*").status_code == 404
    marseille.refresh_from_db()
    assert marseille.name == "Pôle de test Marseille"
    assert not KeyFigure.objects.filter(pole=marseille).exists()


def test_the_admin_scope_rules_apply(client, world):
    """A coordinator cannot attach another pole's structure, nor move the seat out of
    the département: the admin form's own rules, as field errors."""
    api = Client(client, coordinator_of(world["oise"]))
    oise = world["oise"]
    attach = api.send(
        "post",
        reverse("api:edit-memberships", args=[oise.slug]),
        {"structure": world["marseille_structure"].pk, "role": "member"},
    )
    assert attach.status_code == 400
    assert "structure" in attach.json()["errors"]
    assert not Membership.objects.filter(pole=oise, structure=world["marseille_structure"]).exists()

    etag = api.get(pole_url(oise))["ETag"]
    move = api.send("patch", pole_url(oise), {"seat_commune": "13055"}, HTTP_IF_MATCH=etag)
    assert move.status_code == 400
    oise.refresh_from_db()
    assert oise.seat_commune_id == "60333"


def test_key_figures_of_a_year_are_created_then_changed(client, world):
    api = Client(client, coordinator_of(world["oise"]))
    url = reverse("api:edit-key-figure", args=[world["oise"].slug, 2025])
    created = api.send("put", url, {"etp": "12.75", "turnover": 480000}, HTTP_IF_NONE_MATCH="*")
    assert created.status_code == 201, created.json()["errors"]
    assert created.json()["etp"] == "12.75"
    again = api.send("put", url, {"etp": "1"}, HTTP_IF_NONE_MATCH="*")
    assert again.status_code == 412

    invalid = api.send("put", url, {"etp": "-4"}, HTTP_IF_MATCH=created["ETag"])
    assert invalid.status_code == 400
    assert "etp" in invalid.json()["errors"]
    changed = api.send("put", url, {"etp": "13.5"}, HTTP_IF_MATCH=created["ETag"])
    assert changed.status_code == 200
    figures = KeyFigure.objects.get(pole=world["oise"], year=2025)
    assert str(figures.etp) == "13.50"
    assert figures.turnover == 480000


def test_structures_are_created_and_attached(client, world):
    api = Client(client, coordinator_of(world["oise"]))
    created = api.send(
        "post",
        reverse("api:edit-structures"),
        {"name": "Structure de test créée par l’API", "commune": "60057"},
    )
    assert created.status_code == 201, created.json()["errors"]
    structure = Structure.objects.get(pk=created.json()["id"])
    assert structure.commune_id == "60057"
    attached = api.send(
        "post",
        reverse("api:edit-memberships", args=[world["oise"].slug]),
        {"structure": structure.pk, "role": "member", "joined_year": 2024},
    )
    assert attached.status_code == 201, attached.json()
    assert Membership.objects.filter(pole=world["oise"], structure=structure).exists()

    invalid = api.send("post", reverse("api:edit-structures"), {"name": "", "siret": "123"})
    assert invalid.status_code == 400
    assert {"name", "siret"} <= set(invalid.json()["errors"])


def test_a_territorial_editor_creates_a_pole_in_their_territory_only(client, world):
    api = Client(
        client, editor(Role.TERRITORIAL, departements=[Departement.objects.get(code="60")])
    )
    url = reverse("api:edit-poles")
    inside = api.send(
        "post",
        url,
        {"name": "Pôle de test créé par l’API", "status": "actif", "seat_commune": "60057"},
    )
    assert inside.status_code == 201, inside.json()["errors"]
    pole = Pole.objects.get(pk=inside.json()["id"])
    assert pole.slug == "pole-de-test-cree-par-lapi"
    assert not pole.is_published
    outside = api.send(
        "post",
        url,
        {"name": "Pôle de test hors périmètre", "status": "actif", "seat_commune": "13055"},
    )
    assert outside.status_code == 400
    assert not Pole.objects.filter(name="Pôle de test hors périmètre").exists()


@pytest.mark.parametrize(
    "body",
    [
        {"sectors": ["pas-un-secteur"]},
        {"seat_commune": "Beauvais"},
        {"founded_year": "deux mille"},
        {"latitude": "NaN"},
        # PostgreSQL refuses NUL in text: a reference holding one names nothing.
        {"seat_commune": "60\x00"},
        {"sectors": ["agriculture\x00"]},
        {"legal_form": "x\x00"},
        {"territory_epcis": ["2\x00"]},
        {"unknown_field": 1},
        {"id": 99},
        ["not", "an", "object"],
    ],
)
def test_bad_input_is_a_problem_not_a_server_error(client, world, body):
    api = Client(client, coordinator_of(world["oise"]))
    url = pole_url(world["oise"])
    etag = api.get(url)["ETag"]
    response = api.send("patch", url, body, HTTP_IF_MATCH=etag)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    world["oise"].refresh_from_db()
    assert world["oise"].name == "Pôle de test Oise"


@pytest.mark.parametrize(
    "body",
    [
        {"commune": "60\x00"},
        {"approvals": ["\x00"]},
        {"headcount_band": "\x00"},
        {"legal_form": "\x00"},
    ],
)
def test_a_structure_with_a_nul_reference_is_a_problem(client, world, body):
    api = Client(client, coordinator_of(world["oise"]))
    count = Structure.objects.count()
    response = api.send(
        "post", reverse("api:edit-structures"), {"name": "Structure de test", **body}
    )
    assert response.status_code == 400
    assert set(body) <= set(response.json()["errors"])
    assert Structure.objects.count() == count


@pytest.mark.parametrize(
    "raw",
    ["[" * 100_000 + "]" * 100_000, '{"name":' * 50_000 + "1" + "}" * 50_000],
    ids=["nested-arrays", "nested-objects"],
)
def test_a_body_nested_too_deeply_is_a_problem(client, world, raw):
    """Python's JSON decoder gives up on deep nesting with a RecursionError, which
    is not a ValueError: it was a 500."""
    api = Client(client, coordinator_of(world["oise"]))
    url = pole_url(world["oise"])
    response = client.patch(
        url, raw, content_type="application/json", **api.headers(HTTP_IF_MATCH=api.get(url)["ETag"])
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "JSON" in response.json()["detail"]
    world["oise"].refresh_from_db()
    assert world["oise"].name == "Pôle de test Oise"


def test_creating_a_year_needs_if_none_match(client, world):
    api = Client(client, coordinator_of(world["oise"]))
    url = reverse("api:edit-key-figure", args=[world["oise"].slug, 2026])
    response = api.send("put", url, {"etp": "2"})
    assert response.status_code == 428
    assert not KeyFigure.objects.filter(pole=world["oise"], year=2026).exists()


def test_a_write_racing_another_is_a_conflict_not_a_server_error(client, world):
    """Two creations of the same year at the same moment both pass the form's check; the
    database keeps one, and the other is told so (409), nothing of it stored."""
    from django.db.models.signals import pre_save

    api = Client(client, coordinator_of(world["oise"]))
    url = reverse("api:edit-key-figure", args=[world["oise"].slug, 2026])

    def the_other_write(sender, instance, **kwargs):
        # The concurrent request's row lands between the form's check and this insert.
        if instance.pk is None:
            KeyFigure.objects.bulk_create([KeyFigure(pole=instance.pole, year=instance.year)])

    pre_save.connect(the_other_write, sender=KeyFigure)
    try:
        response = api.send("put", url, {"etp": "2"}, HTTP_IF_NONE_MATCH="*")
    finally:
        pre_save.disconnect(the_other_write, sender=KeyFigure)
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert not KeyFigure.objects.filter(pole=world["oise"], year=2026, etp=2).exists()
