"""Admin changelists: useful filters, and a constant number of queries."""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from editors.models import EditorProfile
from poles.models import Network, Pole, Sector
from territories.models import Departement, Region
from tests.factories import (
    CooperatorFactory,
    KeyFigureFactory,
    MembershipFactory,
    StructureFactory,
    directory_poles,
    editor,
    located_pole,
)

pytestmark = pytest.mark.django_db

Role = EditorProfile.Role


def names(response):
    assert response.status_code == 200
    return {str(obj) for obj in response.context["cl"].result_list}


@pytest.fixture
def national_client(client):
    client.force_login(editor(Role.NATIONAL))
    return client


def test_pole_filters(national_client):
    this_year = timezone.now().year
    recent = located_pole("60333", name="Pôle de test récent", status="actif")
    old = located_pole("13055", name="Pôle de test ancien", status="en-sommeil")
    bare = located_pole("13055", name="Pôle de test sans chiffres", is_published=False)
    KeyFigureFactory(pole=recent, year=this_year - 1)
    KeyFigureFactory(pole=old, year=this_year - 3)
    sector = Sector.objects.first()
    network = Network.objects.create(slug="reseau-de-test", name="Réseau de test")
    recent.sectors.set([sector])
    old.networks.set([network])
    url = reverse("admin:poles_pole_changelist")
    get = national_client.get
    assert names(get(url, {"figures": "outdated"})) == {old.name, bare.name}
    assert names(get(url, {"figures": "recent"})) == {recent.name}
    assert names(get(url, {"status__exact": "en-sommeil"})) == {old.name}
    assert names(get(url, {"is_published__exact": "0"})) == {bare.name}
    assert names(get(url, {"seat_commune__departement__region__code__exact": "93"})) == {
        old.name,
        bare.name,
    }
    assert names(get(url, {"sectors__id__exact": sector.pk})) == {recent.name}
    assert names(get(url, {"networks__id__exact": network.pk})) == {old.name}
    assert names(get(url, {"q": "sans chiffres"})) == {bare.name}
    # A malformed filter value is not a server error.
    assert get(url, {"sectors__id__exact": "abc"}).status_code in (200, 302)


def test_structure_filters(national_client):
    with_siret = StructureFactory(name="Structure de test avec SIRET", siret="73282932000074")
    without = StructureFactory(name="Structure de test sans SIRET")
    url = reverse("admin:poles_structure_changelist")
    assert names(national_client.get(url, {"siret": "missing"})) == {without.name}
    assert names(national_client.get(url, {"siret": "given"})) == {with_siret.name}
    assert names(national_client.get(url, {"q": "avec siret"})) == {with_siret.name}


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        # Touch what the rows display.
        for obj in response.context["cl"].result_list:
            str(obj)
        response.render() if hasattr(response, "render") else None
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["national", "territorial"])
@pytest.mark.parametrize(
    ("url_name", "ceiling"),
    [("admin:poles_pole_changelist", 16), ("admin:poles_structure_changelist", 16)],
)
def test_changelist_queries_do_not_grow_with_the_data(client, role, url_name, ceiling):
    sectors = list(Sector.objects.all()[:3])
    network = Network.objects.create(slug="reseau-de-test", name="Réseau de test")
    if role == "national":
        user = editor(Role.NATIONAL)
    else:
        user = editor(Role.TERRITORIAL, regions=[Region.objects.get(code="32")])
    client.force_login(user)
    url = reverse(url_name)
    directory_poles(3, sectors=sectors, networks=[network])
    small = count_queries(client, url)
    poles = directory_poles(27, sectors=sectors, networks=[network])
    for pole in poles[:10]:
        MembershipFactory(pole=pole, structure=StructureFactory(siret=""))
    large = count_queries(client, url)
    assert large == small
    assert large <= ceiling


# --- At national scale: lean changelists -------------------------------------------------


def territorial_editor():
    return editor(Role.TERRITORIAL, regions=[Region.objects.get(code="32")])


def captured(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
        for obj in response.context["cl"].result_list:
            str(obj)
    assert response.status_code == 200
    return response, [query["sql"] for query in queries]


@pytest.mark.parametrize("role", ["national", "territorial"])
@pytest.mark.parametrize(
    "url_name",
    [
        "admin:poles_pole_changelist",
        "admin:poles_structure_changelist",
        "admin:members_cooperator_changelist",
        "admin:poles_membership_changelist",
        "admin:poles_keyfigure_changelist",
    ],
)
def test_a_changelist_counts_its_rows_once(client, role, url_name):
    """No second COUNT of the whole table for "(N total)": one COUNT per page."""
    client.force_login(editor(Role.NATIONAL) if role == "national" else territorial_editor())
    pole = located_pole("60333")
    MembershipFactory(pole=pole)
    KeyFigureFactory(pole=pole, year=2020)
    CooperatorFactory(pole=pole)
    _, queries = captured(client, reverse(url_name))
    assert sum(sql.upper().startswith("SELECT COUNT(") for sql in queries) == 1


def test_cooperator_changelist_queries_do_not_grow_with_the_data(client):
    client.force_login(territorial_editor())
    url = reverse("admin:members_cooperator_changelist")
    poles = [located_pole("60333") for _ in range(2)]
    for pole in poles:
        CooperatorFactory(pole=pole)
    _, small = captured(client, url)
    # More cooperators in scope (Hauts-de-France) and out of it (Marseille).
    for pole in [*poles, located_pole("80021"), located_pole("13055")]:
        for _ in range(4):
            CooperatorFactory(pole=pole)
    response, large = captured(client, url)
    assert len(large) == len(small) <= 16
    assert len(response.context["cl"].result_list) == 2 + 3 * 4


def test_poles_are_listed_in_name_order_accents_aside(national_client):
    for name in ["Pôle Zéphyr", "Économie du Bray", "Atelier commun", "Dentelle et Cie"]:
        located_pole("60333", name=name)
    response = national_client.get(reverse("admin:poles_pole_changelist"))
    listed = [pole.name for pole in response.context["cl"].result_list]
    assert listed == ["Atelier commun", "Dentelle et Cie", "Économie du Bray", "Pôle Zéphyr"]


def test_cooperators_are_grouped_by_pole(client):
    client.force_login(editor(Role.NATIONAL))
    first, second = located_pole("60333"), located_pole("60333")
    for pole, name in [(second, "B"), (first, "C"), (second, "A"), (first, "A")]:
        CooperatorFactory(pole=pole, name=f"Coopérateur {name}")
    response = client.get(reverse("admin:members_cooperator_changelist"))
    rows = [(obj.pole_id, obj.name) for obj in response.context["cl"].result_list]
    assert rows == sorted(rows)


def test_structure_changelist_counts_each_structures_poles(client):
    """The "poles" column, and the structures of no pole the territorial editor created
    still listed (so that they can be attached), never another région's."""
    user = territorial_editor()
    client.force_login(user)
    oise, other_oise = located_pole("60333"), located_pole("60057")
    marseille = located_pole("13055")
    shared = StructureFactory(name="Structure de test partagée")
    MembershipFactory(pole=oise, structure=shared)
    MembershipFactory(pole=other_oise, structure=shared)
    MembershipFactory(pole=marseille, structure=StructureFactory(name="Structure de Marseille"))
    orphan = StructureFactory(name="Structure de test sans pôle", created_by=user)
    StructureFactory(name="Structure de test sans pôle d'un autre")
    response = client.get(reverse("admin:poles_structure_changelist"))
    counts = {obj.name: obj.pole_count for obj in response.context["cl"].result_list}
    assert counts == {shared.name: 2, orphan.name: 0}
    ordered = client.get(reverse("admin:poles_structure_changelist"), {"o": "-5"})
    # Sorted by that column (most poles first): a correlated count, sortable too.
    assert [obj.name for obj in ordered.context["cl"].result_list] == [shared.name, orphan.name]


def test_region_filter_lists_the_editors_regions(client):
    located_pole("60333")
    located_pole("13055")
    url = reverse("admin:poles_pole_changelist")

    def regions(response):
        specs = [
            spec
            for spec in response.context["cl"].filter_specs
            if getattr(spec, "lookup_kwarg", "").startswith("seat_commune__departement__region")
        ]
        return {title for spec in specs for _, title in spec.lookup_choices}

    client.force_login(editor(Role.NATIONAL))
    assert len(regions(client.get(url))) == Region.objects.count()
    # One région in scope: no filter to choose from (Django hides a single choice).
    client.force_login(territorial_editor())
    assert regions(client.get(url)) == set()
    network = Network.objects.create(slug="reseau-de-test", name="Réseau de test")
    marseille = Pole.objects.get(seat_commune__code="13055")
    marseille.networks.set([network])
    client.force_login(
        editor(
            Role.TERRITORIAL,
            departements=[Departement.objects.get(code="60")],
            networks=[network],
        )
    )
    assert regions(client.get(url)) == {"Hauts-de-France", "Provence-Alpes-Côte d'Azur"}


def test_row_checkbox_is_djangos_markup(national_client):
    from django.contrib import admin as django_admin
    from django.contrib.admin import ModelAdmin

    pole = located_pole("60333", name="Pôle <b>d'essai</b> & Cie")
    model_admin = django_admin.site.get_model_admin(Pole)
    assert str(model_admin.action_checkbox(pole)) == str(
        ModelAdmin.action_checkbox(model_admin, pole)
    )


def test_the_pole_changelist_rows_leave_out_the_long_columns(national_client):
    located_pole("60333", name="Pôle de test aux longs textes", description="Longue description")
    url = reverse("admin:poles_pole_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = national_client.get(url)
    assert names(response) == {"Pôle de test aux longs textes"}
    rows = [q["sql"] for q in queries.captured_queries if '"poles_pole"."name"' in q["sql"]]
    assert rows, "the rows' query"
    for column in ("description", "development_axes", "search_text", "search_vector"):
        assert f'"poles_pole"."{column}"' not in rows[-1]
    # Actions and exports read whole rows (tests/spreadsheets/test_import_export.py: an export
    # re-imports unchanged).


# --- Rows and sidebar made once per page --------------------------------------------------


@pytest.mark.parametrize("role", ["national", "territorial"])
@pytest.mark.parametrize(
    ("url_name", "params"),
    [
        ("admin:poles_pole_changelist", {}),
        # Filters kept in each row's link (Django's preserved filters).
        ("admin:poles_pole_changelist", {"is_published__exact": "1", "q": "Pôle & <Cie>"}),
        ("admin:poles_structure_changelist", {}),
        ("admin:poles_membership_changelist", {}),
        ("admin:poles_keyfigure_changelist", {}),
        ("admin:members_cooperator_changelist", {}),
        ("admin:territories_commune_changelist", {"q": "Lachapelle"}),
    ],
)
def test_changelist_rows_are_djangos_markup(client, role, url_name, params):
    """editors.admin.rows writes each row as Django's items_for_result does: the same
    cells, classes, links, empty values, booleans, dates and numbers, escaped alike."""
    from django.contrib.admin.templatetags.admin_list import results

    from editors.admin.rows import lean_results

    client.force_login(editor(Role.NATIONAL) if role == "national" else territorial_editor())
    pole = located_pole("60333", name="Pôle & <Cie>", founded_year=2015, is_published=True)
    located_pole("60057", name="Pôle sans année", founded_year=None, is_published=False)
    structure = StructureFactory(name="Structure <b>de test</b>", siret="")
    MembershipFactory(pole=pole, structure=structure)
    KeyFigureFactory(pole=pole, year=2020)
    CooperatorFactory(pole=pole)
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    cl = response.context["cl"]
    django_rows = [list(row) for row in results(cl)]
    assert django_rows, "rows to compare"
    assert [list(row) for row in lean_results(cl)] == django_rows
    html = response.content.decode()
    for row in django_rows:
        assert "<tr>" + "".join(row) + "</tr>" in html


def test_the_changelist_sidebar_is_djangos(client):
    """The navigation sidebar, rendered once per language, page and list of models, is
    the one Django's template renders, for each editor and language."""
    from django.template.loader import render_to_string

    from editors.templatetags import editors_admin

    editors_admin.SIDEBARS.clear()
    url = reverse("admin:poles_pole_changelist")
    pages = {}
    for role, user in (("national", editor(Role.NATIONAL)), ("territorial", territorial_editor())):
        client.force_login(user)
        for language in ("fr", "en"):
            client.cookies["django_language"] = language
            for _ in range(2):  # rendered, then remembered
                response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
                assert response.status_code == 200
                expected = render_to_string(
                    "admin/nav_sidebar.html",
                    {
                        "available_apps": response.context["available_apps"],
                        "request": response.wsgi_request,
                    },
                )
                html = response.content.decode()
                assert expected in html
                pages[role, language] = expected
    assert 'aria-current="page"' in pages["national", "fr"]
    assert pages["national", "fr"] != pages["national", "en"]
    # A territorial editor does not see the national administrators' models.
    assert pages["territorial", "fr"] != pages["national", "fr"]


def filter_panel(html):
    start = html.index('<nav id="changelist-filter"')
    return html[start : html.index("</nav>", start) + len("</nav>")]


@pytest.mark.parametrize("role", ["national", "territorial"])
@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    ("url_name", "params"),
    [
        ("admin:poles_pole_changelist", {}),
        # Active filters (selected choices, "Clear all filters"), a search kept in each
        # choice's link, and the facets' counts in the choices' labels.
        (
            "admin:poles_pole_changelist",
            {"is_published__exact": "1", "figures": "outdated", "q": "Pôle & <Cie>"},
        ),
        ("admin:poles_pole_changelist", {"_facets": "True", "status__exact": "actif"}),
        ("admin:poles_structure_changelist", {"siret": "missing"}),
        ("admin:members_cooperator_changelist", {}),
        ("admin:poles_keyfigure_changelist", {"year__exact": "2020"}),
    ],
)
def test_changelist_filters_are_djangos_markup(client, role, language, url_name, params):
    """editors_admin.lean_list_filter writes each filter as Django's admin/filter.html
    does: the same choices, links, selected choice and title, escaped alike."""
    from django.contrib.admin.templatetags.admin_list import admin_list_filter

    from editors.templatetags.editors_admin import lean_list_filter

    client.force_login(editor(Role.NATIONAL) if role == "national" else territorial_editor())
    network = Network.objects.create(slug="reseau-de-test", name="Réseau <b>& Cie</b>")
    pole = located_pole("60333", name="Pôle & <Cie>", status="actif")
    pole.networks.set([network])
    located_pole("13055", name="Pôle marseillais")
    KeyFigureFactory(pole=pole, year=2020)
    CooperatorFactory(pole=pole)
    StructureFactory(siret="")
    client.cookies["django_language"] = language
    response = client.get(reverse(url_name), params, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    cl = response.context["cl"]
    assert cl.filter_specs, "filters to compare"
    html = response.content.decode()
    for spec in cl.filter_specs:
        expected = admin_list_filter(cl, spec)
        assert lean_list_filter(cl, spec) == expected
        assert expected in html
    # The whole filter panel (editors/admin/change_list.html copies Django's block) as
    # Django's own changelist template renders it.
    with translation.override(language):
        djangos = render_to_string(
            "admin/change_list.html", response.context_data, request=response.wsgi_request
        )
    assert filter_panel(html) == filter_panel(djangos)
    if role == "national" and url_name == "admin:poles_pole_changelist":
        assert "Réseau &lt;b&gt;&amp; Cie&lt;/b&gt;" in html


# --- The pole changelist's queries, pinned ---------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        # The session, the user, their permissions (their own, their groups'), their
        # editor profile, the data version (the filters' reference lists are cached
        # under it), the page's count and its rows.
        ("national", 8),
        # The same, and the régions of the editor's poles (scoped: never cached).
        ("territorial", 9),
    ],
)
def test_the_pole_changelist_queries_are_pinned(client, role, expected):
    client.force_login(editor(Role.NATIONAL) if role == "national" else territorial_editor())
    directory_poles(3, sectors=list(Sector.objects.all()[:2]))
    url = reverse("admin:poles_pole_changelist")
    captured(client, url)  # the reference lists read once for this data version
    response, queries = captured(client, url)
    assert len(queries) == expected, "\n".join(queries)
    # The sectors and networks offered: from the cache.
    reads = [
        sql
        for sql in queries
        if sql.startswith(('SELECT "poles_sector"', 'SELECT "poles_network"'))
    ]
    assert not reads
    assert len(response.context["cl"].result_list) == 3


def test_the_filters_reference_lists_are_djangos_and_follow_each_edit(client):
    """Cached per data version, the sectors, networks and (national) régions offered are
    those Django's filters read, and an edit shows at the next request."""
    client.force_login(editor(Role.NATIONAL))
    located_pole("60333")
    network = Network.objects.create(slug="reseau-de-test", name="Réseau de test")
    url = reverse("admin:poles_pole_changelist")

    def offered(response):
        return {
            spec.field_path: list(spec.lookup_choices)
            for spec in response.context["cl"].filter_specs
            if hasattr(spec, "lookup_choices") and hasattr(spec, "field_path")
        }

    lists = offered(client.get(url))
    region_path = "seat_commune__departement__region"
    sectors = Pole._meta.get_field("sectors")
    networks = Pole._meta.get_field("networks")
    regions = Departement._meta.get_field("region")
    assert lists["sectors"] == sectors.get_choices(
        include_blank=False, ordering=("position", "name")
    )
    assert lists["networks"] == networks.get_choices(
        include_blank=False, ordering=("position", "name")
    )
    assert lists[region_path] == regions.get_choices(include_blank=False, ordering=("name",))
    assert (network.pk, "Réseau de test") in lists["networks"]

    network.name = "Réseau renommé"
    network.save()
    Region.objects.filter(code="32").update(name="Hauts-de-France (renommée)")
    from caching import bump_generation

    bump_generation()  # what a write that sends no signal must do (caching.invalidation)
    lists = offered(client.get(url))
    assert (network.pk, "Réseau renommé") in lists["networks"]
    assert ("32", "Hauts-de-France (renommée)") in lists[region_path]
    Network.objects.filter(pk=network.pk).delete()
    assert network.pk not in {pk for pk, _ in offered(client.get(url))["networks"]}
