"""Personal API tokens: shown once, hashed at rest, revocable, expiring, each staff
member's own; the API's authentication class accepts only a live token of active staff."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.test import APIRequestFactory

from editors import tokens
from editors.api_authentication import APITokenAuthentication
from editors.models import APIToken, EditorProfile
from tests.factories import editor

pytestmark = pytest.mark.django_db

Role = EditorProfile.Role


def create_in_admin(client, name="CRM de la CRESS", days=90):
    return client.post(
        reverse("admin:editors_apitoken_add"), {"name": name, "lifetime_days": str(days)}
    )


def test_a_token_is_shown_once_and_stored_as_a_digest(client):
    user = editor(Role.COORDINATOR)
    client.force_login(user)
    response = create_in_admin(client)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = response.context["token"]
    assert token.startswith("ptce_")
    assert token in response.content.decode()

    record = APIToken.objects.get()
    assert record.user == user
    assert record.name == "CRM de la CRESS"
    assert record.key_digest == tokens.digest(token)
    # Nothing stored holds the token itself.
    stored = " ".join(str(value) for value in APIToken.objects.values().get().values())
    assert token not in stored
    assert token[len("ptce_") :] not in stored
    assert record.expires_at - record.created_at >= timedelta(days=89)

    # Afterwards, the token's page and the list show only its prefix.
    detail = client.get(reverse("admin:editors_apitoken_change", args=[record.pk]))
    listing = client.get(reverse("admin:editors_apitoken_changelist"))
    for page in (detail, listing):
        assert page.status_code == 200
        body = page.content.decode()
        assert token not in body
        assert f"ptce_{record.prefix}…" in body


def test_a_lifetime_outside_the_choices_is_refused(client):
    client.force_login(editor(Role.COORDINATOR))
    response = create_in_admin(client, days=10_000)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["lifetime_days"]
    assert not APIToken.objects.exists()


def test_staff_see_only_their_own_tokens_national_administrators_all(client):
    mine, theirs = editor(Role.COORDINATOR), editor(Role.TERRITORIAL)
    own, _ = tokens.issue_token(user=mine, name="mine")
    other, _ = tokens.issue_token(user=theirs, name="theirs")

    client.force_login(mine)
    listing = client.get(reverse("admin:editors_apitoken_changelist"))
    assert list(listing.context["cl"].result_list) == [own]
    assert client.get(reverse("admin:editors_apitoken_change", args=[other.pk])).status_code in (
        302,
        403,
        404,
    )
    # Revoking another's token through the action is not possible either.
    client.post(
        reverse("admin:editors_apitoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [other.pk]},
    )
    other.refresh_from_db()
    assert other.revoked_at is None

    client.force_login(editor(Role.NATIONAL))
    listing = client.get(reverse("admin:editors_apitoken_changelist"))
    assert set(listing.context["cl"].result_list) == {own, other}


def authenticate(header: str):
    request = APIRequestFactory().get("/api/v1/poles/", HTTP_AUTHORIZATION=header)
    return APITokenAuthentication().authenticate(request)


def test_a_live_token_authenticates_as_its_user():
    user = editor(Role.COORDINATOR)
    record, token = tokens.issue_token(user=user, name="sync")
    authenticated, used = authenticate(f"Bearer {token}")
    assert authenticated == user
    assert used == record
    record.refresh_from_db()
    assert record.last_used_at is not None


def test_without_a_header_the_request_stays_anonymous():
    request = APIRequestFactory().get("/api/v1/poles/")
    assert APITokenAuthentication().authenticate(request) is None


@pytest.mark.parametrize(
    "header",
    [
        "Bearer ptce_not-a-token",
        "Bearer",
        "Bearer a b",
        "Bearer " + "x" * 5000,
        "Bearer ptce_" + "é",
    ],
)
def test_malformed_or_unknown_tokens_are_refused(header):
    with pytest.raises(exceptions.AuthenticationFailed):
        authenticate(header)


def test_revoked_expired_or_former_staff_tokens_stop_working(client):
    user = editor(Role.COORDINATOR)
    revoked, revoked_token = tokens.issue_token(user=user, name="revoked")
    expired, expired_token = tokens.issue_token(user=user, name="expired")
    _live, live_token = tokens.issue_token(user=user, name="live")

    client.force_login(user)
    response = client.post(
        reverse("admin:editors_apitoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [revoked.pk]},
        follow=True,
    )
    assert "1 " in response.content.decode()
    now = timezone.now()
    APIToken.objects.filter(pk=expired.pk).update(
        created_at=now - timedelta(days=91), expires_at=now - timedelta(seconds=1)
    )

    for token in (revoked_token, expired_token):
        with pytest.raises(exceptions.AuthenticationFailed):
            authenticate(f"Bearer {token}")
    assert authenticate(f"Bearer {live_token}")[0] == user

    user.is_staff = False
    user.save()
    with pytest.raises(exceptions.AuthenticationFailed):
        authenticate(f"Bearer {live_token}")


def test_the_revision_comment_names_the_token_not_its_secret():
    record, token = tokens.issue_token(user=editor(Role.NATIONAL), name="CRM")
    comment = tokens.revision_comment(record)
    assert comment.startswith("API, token ")
    assert record.prefix in comment
    assert token not in comment
