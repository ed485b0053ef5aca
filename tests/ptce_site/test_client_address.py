"""The login lockout keys on the client's address as the trusted proxies saw it.

Behind nginx every request comes from nginx's address: keyed on REMOTE_ADDR, five wrong
passwords from anywhere would lock a staff account for everyone.
"""

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse

from editors.models import EditorProfile
from ptce_site.client_address import client_ip
from tests.factories import editor

PROXY = "127.0.0.1"


def request_from(remote_addr, forwarded=None):
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


@pytest.mark.parametrize(
    ("count", "remote", "forwarded", "expected"),
    [
        # No trusted proxy (development, gunicorn reached directly): the header is ignored.
        (0, "198.51.100.4", "203.0.113.7", "198.51.100.4"),
        (0, "198.51.100.4", None, "198.51.100.4"),
        # One proxy (nginx appends the address it saw).
        (1, PROXY, "203.0.113.7", "203.0.113.7"),
        (1, PROXY, "203.0.113.7, 198.51.100.4", "198.51.100.4"),
        # What the client forged lies left of what nginx appended: ignored.
        (1, PROXY, "10.0.0.1, 192.0.2.1, 203.0.113.7", "203.0.113.7"),
        (1, PROXY, "not-an-address, 203.0.113.7", "203.0.113.7"),
        (1, PROXY, "<script>, 2001:db8::7", "2001:db8::7"),
        # Repeated headers arrive joined by commas.
        (1, PROXY, "192.0.2.1,203.0.113.7", "203.0.113.7"),
        # Two proxies (a load balancer, then nginx).
        (2, PROXY, "192.0.2.66, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        # A request that bypassed the proxy: nothing trustworthy but REMOTE_ADDR.
        (1, "198.51.100.4", None, "198.51.100.4"),
        (1, "198.51.100.4", "", "198.51.100.4"),
        (1, "198.51.100.4", " , ,", "198.51.100.4"),
        # Not an address where the proxy should have written one: the proxy's address.
        (1, PROXY, "garbage", PROXY),
        (1, PROXY, "203.0.113.7:4711", PROXY),
    ],
)
def test_client_address_through_trusted_proxies(count, remote, forwarded, expected):
    with override_settings(TRUSTED_PROXY_COUNT=count):
        assert client_ip(request_from(remote, forwarded)) == expected


def login(client, username, password, forwarded):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        HTTP_ACCEPT_LANGUAGE="en",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_the_lockout_is_per_user_and_client_address(client):
    user = editor(EditorProfile.Role.TERRITORIAL, username="editeur-test-proxy")
    for attempt in range(5):
        # A different forged entry each time does not escape the count.
        response = login(client, user.username, "mauvais", f"192.0.2.{attempt}, 203.0.113.7")
        assert response.status_code == (429 if attempt == 4 else 200)
    # Locked from that address, even with the right password and another forged entry.
    response = login(client, user.username, "pw-test-123", "198.51.100.200, 203.0.113.7")
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session

    # The same user from another address (through the same proxy) signs in.
    response = login(client, user.username, "pw-test-123", "198.51.100.9")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_a_trusted_proxy_the_header_cannot_escape_the_lockout(client):
    user = editor(EditorProfile.Role.TERRITORIAL, username="editeur-test-direct")
    for attempt in range(5):
        login(client, user.username, "mauvais", f"203.0.113.{attempt}")
    # A client reaching the application directly cannot pick another address.
    response = login(client, user.username, "pw-test-123", "198.51.100.9")
    assert response.status_code == 429
