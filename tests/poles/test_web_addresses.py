"""Web and e-mail addresses: what every door refuses, and the links the pages make.

An address holding `<`, `"` or a space used to be accepted (Django's URL validation
allows them after the host) and made an invalid link. Now the model field refuses
them, so the admin, the spreadsheet import and `full_clean()` all say which
characters are wrong and how to write the address; and the pages put every stored
address through `web_href()`, so a row saved before this validation still makes a
valid link (or none, for another scheme than http(s)).
"""

import importlib
import re

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from editors.models import EditorProfile
from poles.links import mailto_href, web_href
from poles.models import Network, Pole, PoleSource, Structure
from spreadsheets.resources import PoleResource, StructureResource
from tests.admin_forms import change_form_data
from tests.factories import MembershipFactory, StructureFactory, editor, located_pole
from tests.spreadsheets.test_import_export import dataset, pole_row, row_errors, structure_row

BAD = 'https://example.org/a b<c>"d'
BAD_ENCODED = "https://example.org/a%20b%3Cc%3E%22d"
BAD_MESSAGE = (
    f'A web address cannot hold spaces, “<”, “>”, “"” as such. Check it, or write it: {BAD_ENCODED}'
)
SCHEME_MESSAGE = (
    "Enter a web address that starts with http:// or https://, "
    "as copied from the browser's address bar."
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- Links made from stored addresses -------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "href"),
    [
        ("https://example.org/", "https://example.org/"),
        ("https://example.org/?a=1&b=2#top", "https://example.org/?a=1&b=2#top"),
        ("https://exemple.fr/économie-sociale", "https://exemple.fr/économie-sociale"),
        ("https://example.org/d%C3%A9j%C3%A0", "https://example.org/d%C3%A9j%C3%A0"),
        (BAD, BAD_ENCODED),
        (
            "https://example.org/{a}|b\\c^d`e[f]",
            "https://example.org/%7Ba%7D%7Cb%5Cc%5Ed%60e%5Bf%5D",
        ),
        ("https://example.org/50%", "https://example.org/50%25"),
        ("https://example.org/#a#b", "https://example.org/#a%23b"),
        ("  https://example.org/a\nb  ", "https://example.org/ab"),
        ("HTTP://Example.org", "HTTP://Example.org"),
        ("https://[2001:db8::1]:8443/x", "https://[2001:db8::1]:8443/x"),
        # Never a link: other schemes, no host, a host that a browser reads otherwise.
        ("javascript:alert(1)", ""),
        ("JavaScript://example.org/%0Aalert(1)", ""),
        ("data:text/html,<b>x</b>", ""),
        ("ftp://example.org/", ""),
        ("//example.org/", ""),
        ("https:example.org", ""),
        ("https://", ""),
        ("https://exa mple.org/", ""),
        ("https://example.org\\@evil.example/", ""),
        ("https://a<b@example.org/", ""),
        ("https://[::1/", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_web_href(stored, href):
    assert web_href(stored) == href


@pytest.mark.parametrize(
    ("email", "href"),
    [
        ("contact@exemple.fr", "mailto:contact@exemple.fr"),
        ("jean.dupont+ptce@exemple.fr", "mailto:jean.dupont+ptce@exemple.fr"),
        ('"a b<c>,?#"@example.org', "mailto:%22a%20b%3Cc%3E%2C%3F%23%22@example.org"),
        ("", ""),
    ],
)
def test_mailto_href(email, href):
    assert mailto_href(email) == href


# --- Every door refuses an address that cannot be a link --------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (BAD, BAD_MESSAGE),
        (
            "https://example.org/50%",
            "A web address cannot hold “%” as such. "
            "Check it, or write it: https://example.org/50%25",
        ),
        ("ftp://example.org/", SCHEME_MESSAGE),
        ("javascript:alert(1)", SCHEME_MESSAGE),
        ("https://a<b@example.org/", SCHEME_MESSAGE),
    ],
)
def test_full_clean_refuses_addresses_that_cannot_be_links(value, message):
    pole = located_pole("60333")
    records = [
        (Pole(name="Pôle", slug="pole-x", status="actif", website=value), "website"),
        (Structure(name="Structure", website=value), "website"),
        (Network(name="Réseau", slug="reseau-x", website=value), "website"),
        (PoleSource(pole=pole, citation="Source", url=value), "url"),
    ]
    for record, field in records:
        with pytest.raises(ValidationError) as error:
            record.full_clean()
        assert error.value.message_dict[field] == [message], type(record).__name__


@pytest.mark.django_db
def test_full_clean_accepts_ordinary_and_international_addresses():
    for value in [
        "https://example.org/?a=1&b=2#top",
        "http://exemple.fr/économie-sociale",
        "https://example.org/d%C3%A9j%C3%A0",
    ]:
        Structure(name="Structure", website=value).full_clean()


@pytest.mark.django_db
def test_admin_form_names_the_wrong_characters_and_keeps_the_stored_address(client):
    client.force_login(editor(EditorProfile.Role.NATIONAL))
    pole = located_pole("60333", website="https://example.org/")
    url = reverse("admin:poles_pole_change", args=[pole.pk])
    data = change_form_data(client.get(url))
    data["website"] = "example.org/a<b"
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["website"] == [
        "A web address cannot hold “<” as such. Check it, or write it: https://example.org/a%3Cb"
    ]
    assert "A web address cannot hold “&lt;” as such." in response.content.decode()
    pole.refresh_from_db()
    assert pole.website == "https://example.org/"

    structure = StructureFactory(website="https://example.org/")
    url = reverse("admin:poles_structure_change", args=[structure.pk])
    data = change_form_data(client.get(url))
    data["website"] = "ftp://example.org/"
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["website"] == [SCHEME_MESSAGE]
    structure.refresh_from_db()
    assert structure.website == "https://example.org/"


@pytest.mark.django_db
def test_import_refuses_the_row_and_says_why():
    located_pole("60333", slug="pole-a")
    poles = [pole_row(), pole_row(slug="deux", website='example.org/"x"')]
    errors = row_errors(PoleResource().import_data(dataset(poles), dry_run=True))
    assert errors == {
        3: [
            'A web address cannot hold “"” as such. '
            "Check it, or write it: https://example.org/%22x%22"
        ]
    }
    structures = [structure_row(website="https://example.org/<script>")]
    errors = row_errors(StructureResource().import_data(dataset(structures), dry_run=True))
    assert errors == {
        2: [
            "A web address cannot hold “<”, “>” as such. "
            "Check it, or write it: https://example.org/%3Cscript%3E"
        ]
    }
    assert not Pole.objects.filter(slug__in=["pole-importe", "deux"]).exists()
    assert not Structure.objects.exists()


# --- Pages ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_pole_page_links_stored_addresses_validly_or_not_at_all(client):
    pole = located_pole("60333")
    linked = StructureFactory(name="Structure liée")
    unlinked = StructureFactory(name="Structure sans lien")
    MembershipFactory(pole=pole, structure=linked)
    MembershipFactory(pole=pole, structure=unlinked)
    PoleSource.objects.create(pole=pole, citation="Rapport (test)", url="https://example.org/")
    # Rows as saved before validation: written without it.
    Pole.objects.filter(pk=pole.pk).update(website=BAD, email='"a b"@example.org')
    Structure.objects.filter(pk=linked.pk).update(website=BAD)
    Structure.objects.filter(pk=unlinked.pk).update(website="javascript:alert(1)")
    PoleSource.objects.filter(pole=pole).update(url="javascript:alert(1)")

    html = client.get(pole.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'<li><a href="{BAD_ENCODED}" rel="noopener">Website</a></li>' in html
    assert f'<th scope="row"><a href="{BAD_ENCODED}" rel="noopener">Structure liée</a></th>' in html
    assert '<th scope="row">Structure sans lien</th>' in html
    assert "<li>Rapport (test)</li>" in html
    assert '<a href="mailto:%22a%20b%22@example.org">&quot;a b&quot;@example.org</a>' in html
    assert "javascript:" not in html
    assert f'"sameAs":["{BAD_ENCODED}"]' in html


@pytest.mark.django_db
def test_pole_page_dates_its_last_update_to_the_second(client):
    pole = located_pole("60333")
    html = client.get(pole.get_absolute_url()).content.decode()
    stamp = re.search(r'<time datetime="([^"]+)">', html).group(1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", stamp), stamp


# --- Rows stored before the validation --------------------------------------------------


@pytest.mark.django_db
def test_migration_percent_encodes_stored_addresses_that_cannot_be_links():
    migration = importlib.import_module("poles.migrations.0009_web_addresses_percent_encoded")
    pole = located_pole("60333")
    good = StructureFactory(website="https://example.org/?a=1&b=%20")
    other_scheme = StructureFactory()
    Pole.objects.filter(pk=pole.pk).update(website=BAD)
    Structure.objects.filter(pk=other_scheme.pk).update(website="ftp://example.org/a b")
    source = PoleSource.objects.create(pole=pole, citation="Source (test)")
    PoleSource.objects.filter(pk=source.pk).update(url="https://example.org/#a#b")
    too_long = StructureFactory()
    Structure.objects.filter(pk=too_long.pk).update(website="https://example.org/" + "<" * 150)

    migration.percent_encode_web_addresses(apps, None)

    assert Pole.objects.get(pk=pole.pk).website == BAD_ENCODED
    assert Structure.objects.get(pk=good.pk).website == "https://example.org/?a=1&b=%20"
    assert Structure.objects.get(pk=other_scheme.pk).website == "ftp://example.org/a b"
    assert PoleSource.objects.get(pk=source.pk).url == "https://example.org/#a%23b"
    assert Structure.objects.get(pk=too_long.pk).website == "https://example.org/" + "<" * 150
    for record in (Pole.objects.get(pk=pole.pk), PoleSource.objects.get(pk=source.pk)):
        record.full_clean()
