"""Suggestions from the public: the forms, their protections, the moderation queue
scoped to each editor, applying a suggestion as a revision, and the purge."""

import time
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from editors.models import EditorProfile
from poles.models import KeyFigure, Pole
from suggestions.forms import started_token
from suggestions.models import Suggestion
from suggestions.services import POLE_VERSION_FIELD as LOCK_FIELD
from suggestions.services import pole_version as lock_token
from territories.models import Departement, Region
from tests.factories import MembershipFactory, StructureFactory, editor, located_pole

# The rate limit's counters live in the cache.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

Role = EditorProfile.Role


@pytest.fixture
def pole():
    return located_pole(
        "60333", name="Pôle de test Oise", slug="pole-de-test-oise", summary="Ancien résumé."
    )


@pytest.fixture
def marseille_pole():
    return located_pole("13055", name="Pôle de test Marseille", slug="pole-de-test-marseille")


@pytest.fixture
def oise_editor():
    user = editor(Role.TERRITORIAL, departements=[Departement.objects.get(code="60")])
    user.email = "editeur-oise@example.org"
    user.save()
    return user


@pytest.fixture
def paca_editor():
    user = editor(Role.TERRITORIAL, regions=[Region.objects.get(code="93")])
    user.email = "editeur-paca@example.org"
    user.save()
    return user


def contributor(**values):
    data = {
        "source": "Site du pôle, page « qui sommes-nous »",
        "contributor_email": "contributrice-test@example.org",
        "privacy": "on",
        "started": started_token(time.time() - 60),
    }
    data.update(values)
    return data


def correction_url(pole):
    return reverse("suggestions:correction", args=[pole.slug])


NEW_POLE_URL = "/contribuer/"


# -- the public forms ---------------------------------------------------------------


def test_pages_link_to_the_forms(client, pole):
    page = client.get(pole.get_absolute_url()).content.decode()
    assert f'href="/poles/{pole.slug}/suggestion/"' in page
    assert "Signaler une erreur / compléter cette fiche" in page
    for url in ("/", "/poles/"):
        assert 'href="/contribuer/"' in client.get(url).content.decode()


def test_correction_form_is_labelled_and_in_french(client, pole):
    response = client.get(correction_url(pole))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Signaler une erreur ou compléter cette fiche" in page
    assert '<label for="id_summary">' in page
    assert '<label for="id_contributor_email">' in page
    assert "Ancien résumé." in page  # the current value, beside the field
    assert 'name="started"' in page
    assert 'href="/confidentialite/"' in page


def test_correction_form_in_english(client, pole):
    client.cookies["django_language"] = "en"
    page = client.get(correction_url(pole)).content.decode()
    assert "Report an error or complete this record" in page


def test_correction_form_of_an_unpublished_or_unknown_pole_is_404(client, pole):
    assert client.get("/poles/nope/suggestion/").status_code == 404
    Pole.objects.filter(pk=pole.pk).update(is_published=False)
    assert client.get(correction_url(pole)).status_code == 404


def test_a_correction_is_stored_acknowledged_and_notified_in_scope(
    client, pole, oise_editor, paca_editor
):
    response = client.post(
        correction_url(pole),
        contributor(
            summary="Nouveau résumé du pôle.",
            status="ferme",
            website="https://pole-test.example.org/",
            figure_year="2023",
            figure_etp="12,5",
            member_structures="Structure A\n\nStructure B",
            comment="Le pôle a cessé son activité fin 2023.",
        ),
    )
    assert response.status_code == 302, response.content.decode()[-6000:]
    suggestion = Suggestion.objects.get()
    assert response["Location"] == f"/suggestion/{suggestion.token}/?envoyee=1"
    assert suggestion.kind == Suggestion.Kind.CORRECTION
    assert suggestion.pole == pole
    assert suggestion.state == Suggestion.State.RECEIVED
    assert suggestion.proposed == {
        "summary": "Nouveau résumé du pôle.",
        "status": "ferme",
        "website": "https://pole-test.example.org/",
        "figure_year": 2023,
        "figure_etp": "12.5",
        "member_structures": "Structure A\nStructure B",
    }
    assert suggestion.contributor_email == "contributrice-test@example.org"
    assert len(suggestion.token) >= 32
    pole.refresh_from_db()
    assert pole.summary == "Ancien résumé."  # nothing applied before moderation
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == ["contributrice-test@example.org", "editeur-oise@example.org"]
    acknowledgement = next(m for m in mail.outbox if m.to == ["contributrice-test@example.org"])
    assert f"/suggestion/{suggestion.token}/" in acknowledgement.body
    notice = next(m for m in mail.outbox if m.to == ["editeur-oise@example.org"])
    assert f"/admin/suggestions/suggestion/{suggestion.pk}/change/" in notice.body
    assert "contributrice-test" not in notice.body

    follow = client.get(response["Location"])
    assert follow.status_code == 200
    page = follow.content.decode()
    assert "Reçue" in page
    assert "contributrice-test" not in page
    assert follow["X-Robots-Tag"] == "noindex, nofollow"


def test_without_an_editor_in_scope_national_administrators_are_notified(client, pole):
    national = editor(Role.NATIONAL)
    national.email = "national-test@example.org"
    national.save()
    client.post(correction_url(pole), contributor(summary="Autre résumé."))
    assert sorted(m.to[0] for m in mail.outbox) == [
        "contributrice-test@example.org",
        "national-test@example.org",
    ]


def test_a_correction_must_propose_something(client, pole):
    response = client.post(correction_url(pole), contributor())
    assert response.status_code == 200
    assert "Proposez au moins une modification" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_figures_need_their_year_and_the_source_and_consent_are_required(client, pole):
    response = client.post(
        correction_url(pole),
        contributor(figure_etp="3", source="", privacy="", contributor_email="pas-une-adresse"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="error-summary"' in page
    for field in ("figure_year", "source", "privacy", "contributor_email"):
        assert f'href="#id_{field}"' in page  # the summary links to each field
        assert f'id="id_{field}_error"' in page
    assert 'aria-invalid="true"' in page
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("Montpellier", ("commune", "34172")),
        ("Saint-Paul (97415)", ("commune", "97415")),
        ("34172", ("commune", "34172")),
        ("Hérault", ("departement", "34")),
        ("34", ("departement", "34")),
        ("occitanie", ("region", "76")),
    ],
)
def test_a_new_pole_is_located(client, location, expected):
    response = client.post(
        NEW_POLE_URL, contributor(name="Pôle proposé de test", location=location)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    suggestion = Suggestion.objects.get()
    assert suggestion.kind == Suggestion.Kind.NEW_POLE
    assert suggestion.proposed == {"name": "Pôle proposé de test"}
    assert suggestion.location_text == location
    field, code = expected
    assert getattr(suggestion, f"{field}_id") == code


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("Saint-Paul", "Plusieurs communes"),
        ("Nulle-Part-sur-Test", "Aucune commune"),
        ("", "Ce champ est obligatoire"),
    ],
)
def test_a_new_pole_needs_a_place_found_without_ambiguity(client, location, message):
    response = client.post(NEW_POLE_URL, contributor(name="Pôle de test", location=location))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Suggestion.objects.exists()


# -- abuse --------------------------------------------------------------------------


def test_the_honeypot_refuses_with_a_message(client, pole):
    response = client.post(correction_url(pole), contributor(summary="Résumé.", fax="spam"))
    assert response.status_code == 200
    assert "laissez vide le champ" in response.content.decode()
    assert not Suggestion.objects.exists()
    assert not mail.outbox


@pytest.mark.parametrize(
    "started",
    [lambda: started_token(), lambda: "", lambda: "forged-value", lambda: started_token(1)],
    ids=["too-fast", "missing", "forged", "expired"],
)
def test_the_fill_time_is_checked(client, pole, started):
    started = started()
    response = client.post(correction_url(pole), contributor(summary="Résumé.", started=started))
    assert response.status_code == 200
    page = response.content.decode()
    assert "envoyé trop vite" in page or "a expiré" in page
    assert not Suggestion.objects.exists()


def test_one_connection_is_rate_limited(client, pole, settings):
    settings.SUGGESTIONS_POSTS_PER_ADDRESS_PER_HOUR = 3
    for _ in range(3):
        assert client.post(correction_url(pole), contributor()).status_code == 200  # invalid
    response = client.post(correction_url(pole), contributor(summary="Résumé."))
    assert response.status_code == 429
    assert "Trop de suggestions" in response.content.decode()
    assert not Suggestion.objects.exists()
    # Another connection is not affected.
    other = client.post(
        correction_url(pole), contributor(summary="Résumé."), REMOTE_ADDR="192.0.2.7"
    )
    assert other.status_code == 302


def test_one_email_address_is_rate_limited(client, pole, settings):
    settings.SUGGESTIONS_PER_EMAIL_PER_HOUR = 2
    for number in range(2):
        response = client.post(
            correction_url(pole),
            contributor(summary=f"Résumé {number}."),
            REMOTE_ADDR=f"192.0.2.{number + 1}",
        )
        assert response.status_code == 302
    response = client.post(
        correction_url(pole),
        contributor(summary="Résumé 3.", contributor_email="CONTRIBUTRICE-test@example.org"),
        REMOTE_ADDR="192.0.2.9",
    )
    assert response.status_code == 429
    assert Suggestion.objects.count() == 2


def test_an_oversized_submission_is_refused_before_reading(client, pole):
    response = client.post(correction_url(pole), contributor(description="x" * 300_000))
    assert response.status_code == 413
    assert "trop long" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_an_overlong_field_is_refused(client, pole):
    response = client.post(correction_url(pole), contributor(comment="x" * 2001))
    assert response.status_code == 200
    assert 'id="id_comment_error"' in response.content.decode()
    assert not Suggestion.objects.exists()


CORRECTION_TEXT_FIELDS = [
    "summary",
    "description",
    "pole_phone",
    "member_structures",
    "comment",
    "source",
]
NEW_POLE_TEXT_FIELDS = ["name", "location", "summary", "description", "comment", "source"]
MARKUP = '<script>alert("x")</script>'


@pytest.mark.parametrize("field", CORRECTION_TEXT_FIELDS)
def test_html_is_refused_in_every_correction_field(client, pole, field):
    data = contributor(summary="Résumé sans balise.")
    data[field] = f"Texte {MARKUP}"
    response = client.post(correction_url(pole), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert MARKUP not in page  # echoed escaped, never as markup
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize("field", NEW_POLE_TEXT_FIELDS)
def test_html_is_refused_in_every_new_pole_field(client, field):
    data = contributor(name="Pôle de test", location="Montpellier")
    data[field] = f"<b>Texte</b> {field}"
    response = client.post(NEW_POLE_URL, data)
    assert response.status_code == 200
    assert "HTML" in response.content.decode()
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("website", "javascript:alert(1)"),
        ("website", "ftp://pole-test.example.org/"),
        ("website", '"><script>alert(1)</script>'),
        ("pole_email", "<b>@example.org"),
        ("contributor_email", "a<script>@example.org"),
        ("figure_year", "<b>2020</b>"),
        ("status", "<b>actif</b>"),
    ],
)
def test_addresses_and_choices_are_validated(client, pole, field, value):
    response = client.post(correction_url(pole), contributor(summary="Résumé.", **{field: value}))
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Suggestion.objects.exists()


def test_null_characters_never_give_a_500(client, pole):
    response = client.post(correction_url(pole), contributor(summary="Résumé\x00."))
    assert response.status_code == 200
    assert not Suggestion.objects.exists()


def test_a_plain_less_than_sign_is_accepted(client, pole):
    response = client.post(correction_url(pole), contributor(comment="moins de 10 ETP (< 10)"))
    assert response.status_code == 302


# -- moderation ---------------------------------------------------------------------


def make_correction(pole, **proposed):
    return Suggestion.objects.create(
        kind=Suggestion.Kind.CORRECTION,
        pole=pole,
        proposed=proposed or {"summary": "Résumé proposé."},
        source="Source de test",
        contributor_email="contributrice-test@example.org",
        language="fr",
    )


def make_new_pole(**located):
    return Suggestion.objects.create(
        kind=Suggestion.Kind.NEW_POLE,
        proposed={"name": "Pôle proposé de test", "summary": "Un pôle proposé."},
        location_text="test",
        source="Source de test",
        contributor_email="contributrice-test@example.org",
        language="fr",
        **located,
    )


def change_url(suggestion):
    return reverse("admin:suggestions_suggestion_change", args=[suggestion.pk])


CHANGELIST = "/admin/suggestions/suggestion/"


def test_each_editor_sees_only_the_suggestions_of_their_scope(
    client, pole, marseille_pole, oise_editor, paca_editor
):
    from territories.models import Commune

    oise = make_correction(pole)
    marseille = make_correction(marseille_pole)
    new_in_oise = make_new_pole(commune=Commune.objects.get(code="60057"))
    new_in_paca = make_new_pole(region=Region.objects.get(code="93"))
    new_in_bouches = make_new_pole(departement=Departement.objects.get(code="13"))

    client.force_login(oise_editor)
    page = client.get(CHANGELIST).content.decode()
    assert f"#{oise.pk}<" in page and f"#{new_in_oise.pk}<" in page
    assert f"#{marseille.pk}<" not in page and f"#{new_in_paca.pk}<" not in page
    for hidden in (marseille, new_in_paca, new_in_bouches):
        assert client.get(change_url(hidden)).status_code == 404
        response = client.post(change_url(hidden), {"decision": "reject", "reason": "Non."})
        assert response.status_code == 404
        hidden.refresh_from_db()
        assert hidden.state == Suggestion.State.RECEIVED
    assert client.get(change_url(oise)).status_code == 200

    client.force_login(paca_editor)
    page = client.get(CHANGELIST).content.decode()
    for shown in (marseille, new_in_paca, new_in_bouches):
        assert f"#{shown.pk}<" in page
    assert f"#{oise.pk}<" not in page
    assert client.get(change_url(oise)).status_code == 404
    assert client.get("/admin/suggestions/suggestion/nope/change/").status_code == 404

    client.force_login(editor(Role.NATIONAL))
    page = client.get(CHANGELIST).content.decode()
    for shown in (oise, marseille, new_in_oise, new_in_paca, new_in_bouches):
        assert f"#{shown.pk}<" in page


def test_staff_without_a_profile_and_the_public_see_no_queue(client, pole, django_user_model):
    suggestion = make_correction(pole)
    assert client.get(change_url(suggestion)).status_code == 302  # to the login page
    staff = django_user_model.objects.create_user("staff-test", password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(change_url(suggestion)).status_code == 403


def test_the_moderation_page_compares_current_and_proposed_values(client, pole, oise_editor):
    KeyFigure.objects.create(pole=pole, year=2022, etp=4)
    suggestion = make_correction(
        pole,
        summary="Résumé proposé.",
        website="https://pole-test.example.org/",
        figure_year=2022,
        figure_etp="5.0",
    )
    client.force_login(oise_editor)
    page = client.get(change_url(suggestion)).content.decode()
    pole.refresh_from_db()
    assert "Ancien résumé." in page and "Résumé proposé." in page
    assert "https://pole-test.example.org/" in page
    assert 'value="summary"' in page and 'value="figures"' in page
    assert f'name="{LOCK_FIELD}" value="{lock_token(pole)}"' in page
    assert "contributrice-test@example.org" in page


def test_accepting_some_fields_applies_them_as_a_revision(client, pole, oise_editor):
    MembershipFactory(pole=pole, structure=StructureFactory(name="Structure déjà là"))
    pole.refresh_from_db()
    suggestion = make_correction(
        pole,
        summary="Résumé proposé.",
        description="Description proposée.",
        status="ferme",
        figure_year=2023,
        figure_etp="12.5",
        figure_member_structures_count=8,
        member_structures="Structure déjà là\nStructure nouvelle de test",
    )
    client.force_login(oise_editor)
    response = client.post(
        change_url(suggestion),
        {
            "decision": "accept",
            "units": ["summary", "status", "figures", "member_structures"],
            LOCK_FIELD: lock_token(pole),
        },
    )
    assert response.status_code == 302
    pole.refresh_from_db()
    assert pole.summary == "Résumé proposé."
    assert pole.status == Pole.Status.CLOSED
    assert pole.description == ""  # not chosen
    figure = KeyFigure.objects.get(pole=pole, year=2023)
    assert figure.etp == Decimal("12.5") and figure.member_structures_count == 8
    names = sorted(pole.memberships.values_list("structure__name", flat=True))
    assert names == ["Structure déjà là", "Structure nouvelle de test"]
    version = Version.objects.get_for_object(pole).select_related("revision").first()
    assert version.revision.comment == f"suggestion #{suggestion.pk}"
    assert version.revision.user == oise_editor
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.ACCEPTED
    assert suggestion.decided_by == oise_editor
    assert suggestion.applied_fields == ["summary", "status", "figures", "member_structures"]
    assert [m.to for m in mail.outbox] == [["contributrice-test@example.org"]]
    assert f"/suggestion/{suggestion.token}/" in mail.outbox[0].body
    # The public page shows it.
    assert "Résumé proposé." in client.get(pole.get_absolute_url()).content.decode()
    follow = client.get(suggestion.get_follow_url()).content.decode()
    assert "Acceptée" in follow


def test_a_pole_changed_since_the_page_was_opened_is_not_overwritten(client, pole, oise_editor):
    suggestion = make_correction(pole)
    loaded = lock_token(pole)
    Pole.objects.filter(pk=pole.pk).update(
        summary="Modifié entre-temps.", updated_at=timezone.now() + timedelta(seconds=5)
    )
    client.force_login(oise_editor)
    response = client.post(
        change_url(suggestion), {"decision": "accept", "units": ["summary"], LOCK_FIELD: loaded}
    )
    assert response.status_code == 200
    assert "a été modifié depuis" in response.content.decode()
    pole.refresh_from_db()
    assert pole.summary == "Modifié entre-temps."
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.RECEIVED


def test_an_invalid_proposal_is_refused_by_the_model_validation(client, pole, oise_editor):
    Pole.objects.filter(pk=pole.pk).update(closed_year=2020, status=Pole.Status.CLOSED)
    pole.refresh_from_db()
    suggestion = make_correction(pole, status="actif")
    client.force_login(oise_editor)
    response = client.post(
        change_url(suggestion),
        {"decision": "accept", "units": ["status"], LOCK_FIELD: lock_token(pole)},
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    pole.refresh_from_db()
    assert pole.status == Pole.Status.CLOSED
    assert Suggestion.objects.get().state == Suggestion.State.RECEIVED


def test_accepting_a_new_pole_creates_it_unpublished(client):
    from territories.models import Commune

    suggestion = make_new_pole(commune=Commune.objects.get(code="34172"))
    national = editor(Role.NATIONAL)
    client.force_login(national)
    response = client.post(change_url(suggestion), {"decision": "accept", "units": ["summary"]})
    assert response.status_code == 302
    suggestion.refresh_from_db()
    created = suggestion.created_pole
    assert created.name == "Pôle proposé de test"
    assert created.summary == "Un pôle proposé."
    assert created.seat_commune_id == "34172"
    assert created.latitude is not None  # placed at its commune
    assert not created.is_published
    assert created.source == ""  # the contributor's source is never published as such
    assert Version.objects.get_for_object(created).count() == 1


def test_rejecting_needs_a_reason_and_shows_it_to_the_contributor(client, pole, oise_editor):
    suggestion = make_correction(pole)
    client.force_login(oise_editor)
    response = client.post(change_url(suggestion), {"decision": "reject", "reason": "  "})
    assert response.status_code == 200
    assert Suggestion.objects.get().state == Suggestion.State.RECEIVED
    response = client.post(
        change_url(suggestion), {"decision": "reject", "reason": "Source introuvable."}
    )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.state == Suggestion.State.REJECTED
    assert "Source introuvable." in mail.outbox[-1].body
    page = client.get(suggestion.get_follow_url()).content.decode()
    assert "Refusée" in page and "Source introuvable." in page
    # Decided once: a second decision is refused.
    response = client.post(change_url(suggestion), {"decision": "accept", "units": ["summary"]})
    assert response.status_code == 200
    pole.refresh_from_db()
    assert pole.summary == "Ancien résumé."


def test_the_admin_index_counts_the_suggestions(client, pole, oise_editor):
    make_correction(pole)
    decided = make_correction(pole)
    Suggestion.objects.filter(pk=decided.pk).update(
        state=Suggestion.State.REJECTED,
        rejection_reason="Non.",
        decided_at=decided.created_at + timedelta(days=3),
    )
    client.force_login(oise_editor)
    page = client.get("/admin/").content.decode()
    assert 'id="suggestion-figures"' in page
    assert "3,0 jours" in page or "3.0 jours" in page


def test_the_unknown_follow_token_is_404(client):
    assert client.get("/suggestion/not-a-real-token/").status_code == 404


# -- personal data ------------------------------------------------------------------


def test_purge_erases_the_addresses_after_the_retention_period(pole):
    old = make_correction(pole)
    recent = make_correction(pole)
    pending = make_correction(pole)
    now = timezone.now()
    Suggestion.objects.filter(pk=old.pk).update(
        state=Suggestion.State.ACCEPTED, decided_at=now - timedelta(days=400)
    )
    Suggestion.objects.filter(pk=recent.pk).update(
        state=Suggestion.State.ACCEPTED, decided_at=now - timedelta(days=30)
    )
    Suggestion.objects.filter(pk=pending.pk).update(created_at=now - timedelta(days=800))
    out = StringIO()
    call_command("purge_suggestions", stdout=out)
    assert out.getvalue().startswith("1 ")
    old.refresh_from_db()
    recent.refresh_from_db()
    pending.refresh_from_db()
    assert old.contributor_email == "" and old.email_purged_at is not None
    assert recent.contributor_email == "contributrice-test@example.org"
    assert pending.contributor_email == "contributrice-test@example.org"
    call_command("purge_suggestions", "--days", "10", stdout=StringIO())
    recent.refresh_from_db()
    assert recent.contributor_email == ""
