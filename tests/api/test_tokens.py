"""Personal API tokens: created and revoked by their owner in the admin, shown once,
stored as a digest; a request with an invalid one is refused, not read as anonymous."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api import services
from api.models import ApiToken
from tests.factories import located_pole

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("editrice", password="pw-test-123", is_staff=True)


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_token_authenticates_its_owner_and_only_its_digest_is_stored(client, editor):
    located_pole("60333", slug="bray")
    _token, raw = services.create_token(user=editor, name="script")

    response = client.get("/api/v1/poles/bray/", **bearer(raw))

    assert response.status_code == 200
    stored = ApiToken.objects.get()
    assert raw not in (stored.prefix, stored.digest)
    assert raw.startswith(f"ptce_{stored.prefix}_")
    assert stored.last_used_at is not None


@pytest.mark.parametrize("state", ["unknown", "revoked", "expired", "owner-left", "malformed"])
def test_an_invalid_token_is_refused_with_a_401_problem(client, editor, state):
    token, raw = services.create_token(user=editor, name="script")
    if state == "unknown":
        raw = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
    elif state == "revoked":
        services.revoke_token(token=token)
    elif state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(1))
    elif state == "owner-left":
        editor.is_active = False
        editor.save()
    else:
        raw = "ptce_not_a_token"

    response = client.get("/api/v1/poles/", **bearer(raw))

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_only_staff_hold_tokens(django_user_model):
    visitor = django_user_model.objects.create_user("visiteur", password="pw-test-123")

    with pytest.raises(Exception, match="staff"):
        services.create_token(user=visitor, name="script")

    assert not ApiToken.objects.exists()


def test_a_staff_member_creates_a_token_in_the_admin_and_sees_it_once(client, editor):
    client.force_login(editor)

    response = client.post(
        "/admin/api/apitoken/add/",
        {"name": "import", "expires_at_0": "", "expires_at_1": ""},
        follow=True,
    )

    token = ApiToken.objects.get()
    assert token.user == editor
    page = response.content.decode()
    assert f"ptce_{token.prefix}_" in page
    listing = client.get("/admin/api/apitoken/").content.decode()
    assert "import" in listing
    assert token.digest not in listing


def test_a_staff_member_sees_and_revokes_only_their_own_tokens(client, editor, django_user_model):
    other = django_user_model.objects.create_user("autre", password="pw-test-123", is_staff=True)
    mine, _raw = services.create_token(user=editor, name="le mien")
    theirs, _raw = services.create_token(user=other, name="le sien")
    client.force_login(editor)

    listing = client.get("/admin/api/apitoken/").content.decode()
    foreign = client.get(f"/admin/api/apitoken/{theirs.pk}/change/")
    client.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [mine.pk, theirs.pk]},
    )

    assert "le mien" in listing and "le sien" not in listing
    assert foreign.status_code == 302  # not found for this user: back to the list
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None
    assert theirs.revoked_at is None
