"""The site as production runs it: nginx (deploy/nginx/ptce.conf) over HTTPS in front of
two gunicorn instances sharing PostgreSQL and Redis (tests/stack/conftest.py)."""

import json
import re
import secrets

import pytest

from tests.stack.client import Session, form_fields

pytestmark = pytest.mark.stack


def test_nginx_compresses_text_and_forwards_https(stack):
    feed = stack.nginx.request("GET", "/poles.geojson", headers={"Accept-Encoding": "gzip"})
    assert feed.status == 200
    assert feed.gzipped
    assert "Accept-Encoding" in ", ".join(feed.headers.get_all("Vary"))
    assert json.loads(feed.body)["type"] == "FeatureCollection"

    home = stack.nginx.request("GET", "/", headers={"Accept-Encoding": "gzip"})
    assert home.status == 200
    assert home.gzipped
    # Django saw HTTPS (X-Forwarded-Proto): HSTS is only sent over it.
    assert home.header("Strict-Transport-Security").startswith("max-age=")

    plain = stack.nginx.request("GET", "/", headers={"Accept-Encoding": "identity"})
    assert not plain.gzipped
    assert plain.body == home.body


def test_nginx_serves_the_static_files_itself(stack):
    """Static files come from STATIC_ROOT through nginx, not through a gunicorn worker
    (deploy/nginx/ptce.conf): precompressed, hashed names cached for good."""
    home = stack.nginx.request("GET", "/").text
    script = re.search(r'src="(/static/poles/js/map\.[0-9a-f]{12}\.js)"', home).group(1)
    response = stack.nginx.request("GET", script, headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.gzipped
    assert "immutable" in response.header("Cache-Control")
    assert response.header("X-Content-Type-Options") == "nosniff"
    # A file written after gunicorn started: WhiteNoise (which indexes STATIC_ROOT at
    # start) would answer 404; nginx reads the directory.
    (stack.workdir / "static" / "stack-probe.txt").write_text("served by nginx\n")
    probe = stack.nginx.request("GET", "/static/stack-probe.txt")
    assert probe.status == 200 and probe.text == "served by nginx\n"
    assert stack.instances[0].request("GET", "/static/stack-probe.txt").status == 404
    # Outside STATIC_ROOT: nothing.
    assert stack.nginx.request("GET", "/static/../ptce.conf").status in (400, 404)


def test_the_maps_feed_is_compressed_and_stored(stack):
    feed = stack.nginx.request("GET", "/poles/carte.json", headers={"Accept-Encoding": "gzip"})
    assert feed.status == 200
    assert feed.gzipped and feed.header("ETag")
    assert json.loads(feed.body)["format"] == "ptce-map-1"


def test_plain_http_is_redirected_to_https(stack):
    from tests.stack.client import Endpoint

    plain = Endpoint("127.0.0.1", stack.http_port)
    response = plain.request("GET", "/poles/?region=32")
    assert response.status == 301
    assert response.header("Location") == "https://127.0.0.1/poles/?region=32"


def test_check_deploy_passes_with_the_stack_settings(stack):
    result = stack.manage("check", "--deploy", "--fail-level", "WARNING", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def failed_login(session, username):
    return session.login(username, "not-the-password")


def test_lockout_keys_on_the_client_address_nginx_forwards(stack):
    """Five failures from one client lock that client out for that user, whatever it
    puts in X-Forwarded-For; another client still signs in as the same user."""
    username = stack.users[2]
    # Two clients, told apart by their source address (all of 127/8 is loopback).
    guesser = Session(stack.nginx, source="127.0.0.7")
    for attempt in range(5):
        # A forged header, different each time: nginx appends the real address after it.
        guesser.headers["X-Forwarded-For"] = f"198.51.100.{attempt}"
        response = failed_login(guesser, username)
        assert response.status == (429 if attempt == 4 else 200), response.text[:500]
    guesser.headers["X-Forwarded-For"] = "203.0.113.99"
    response = guesser.login(username, stack.password)
    assert response.status == 429
    assert "Too many failed login attempts" in response.text

    colleague = Session(stack.nginx, source="127.0.0.8")
    response = colleague.login(username, stack.password)
    assert response.status == 302, response.text[:500]
    assert colleague.get("/admin/").status == 200

    attempts = stack.manage("axes_list_attempts").stdout
    assert "127.0.0.7" in attempts
    assert "198.51.100." not in attempts  # forged entries never recorded
    assert "127.0.0.1" not in attempts  # nor the proxy's own address


def test_lockout_holds_across_instances_for_the_forwarded_address(stack):
    """As nginx reports it (X-Forwarded-For: 203.0.113.7, gunicorn reached from the
    proxy's address): locked on both instances for that address, not for another."""
    username = stack.users[2]
    first, second = stack.instances
    client = Session(first, headers={"X-Forwarded-For": "203.0.113.7"})
    for attempt in range(5):
        response = failed_login(client, username)
        assert response.status == (429 if attempt == 4 else 200)
    elsewhere = Session(second, headers={"X-Forwarded-For": "203.0.113.7"})
    assert elsewhere.login(username, stack.password).status == 429

    other = Session(second, headers={"X-Forwarded-For": "198.51.100.9"})
    assert other.login(username, stack.password).status == 302


def test_two_editors_on_two_instances_cannot_overwrite_each_other(stack):
    """The no-lost-update lock holds across gunicorn instances."""
    pole = stack.data["pole"]
    url = f"/admin/poles/pole/{pole['pk']}/change/"
    editors = []
    for endpoint, username in zip(stack.instances, stack.users[:2], strict=True):
        session = Session(endpoint)
        assert session.login(username, stack.password).status == 302
        page = session.get(url)
        assert page.status == 200
        editors.append((session, form_fields(page.text, "pole_form")))

    first_text = f"Résumé du premier éditeur {secrets.token_hex(4)}"
    second_text = f"Résumé du second éditeur {secrets.token_hex(4)}"
    (first, first_form), (second, second_form) = editors

    def submitted(form, summary):
        return [(k, summary if k == "summary" else v) for k, v in form] + [("_save", "1")]

    saved = first.post(url, submitted(first_form, first_text))
    assert saved.status == 302, re.sub(r"\s+", " ", saved.text)[:3000]

    refused = second.post(url, submitted(second_form, second_text))
    assert refused.status == 200
    assert "errornote" in refused.text
    assert first_text in refused.text  # the value now, shown to the second editor

    # The public page, through nginx and the page cache, shows the first save.
    public = stack.nginx.request("GET", f"/poles/{pole['slug']}/")
    assert public.status == 200
    assert first_text in public.text
    assert second_text not in public.text


def test_stored_feeds_are_never_stale_after_an_edit_on_either_instance(stack):
    """The map feed and the CSV are stored once per data stamp by each instance (in its
    own directory); an edit through nginx replaces them on both, gzip and plain."""
    pole = stack.data["pole"]
    first, second = stack.instances

    def bodies():
        # The first request of a data version on each instance streams the export while
        # storing it (without gzip): the next ones are served from the stored files.
        for endpoint in (first, second):
            for url in ("/poles.geojson", "/poles.csv"):
                assert endpoint.request("GET", url).status == 200
        found = []
        for endpoint in (stack.nginx, first, second):
            for url in ("/poles.geojson", "/poles.csv"):
                for encoding in ("gzip", "identity"):
                    response = endpoint.request("GET", url, headers={"Accept-Encoding": encoding})
                    assert response.status == 200, (url, response.status)
                    assert response.gzipped == (encoding == "gzip"), url
                    found.append((url, response.header("ETag"), response.text))
        return found

    before = bodies()
    assert all(etag for _url, etag, _text in before)
    name = f"Pôle renommé {secrets.token_hex(4)}"
    session = Session(stack.nginx)
    assert session.login(stack.users[0], stack.password).status == 302
    url = f"/admin/poles/pole/{pole['pk']}/change/"
    form = form_fields(session.get(url).text, "pole_form")
    edited = [(k, name if k == "name" else v) for k, v in form] + [("_save", "1")]
    saved = session.post(url, edited)
    assert saved.status == 302, re.sub(r"\s+", " ", saved.text)[:3000]

    after = bodies()
    for (url, old_etag, _old), (_url, new_etag, text) in zip(before, after, strict=True):
        assert new_etag != old_etag, url
        assert name in text, f"{url} served stale after the edit"
