"""Spreadsheet import and export through the admin (django-import-export).

Every file here is synthetic test data built by the tests (or under tests/data/, labelled
as such). Messages are asserted in English under translation.override("en"), previews on
the template's stable data- markers.
"""

import csv
import io
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import tablib
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from editors.models import EditorProfile
from members.models import Cooperator
from poles.models import Membership, Pole, Sector, Structure
from spreadsheets.cooperators import CooperatorResource
from spreadsheets.resources import PoleResource, StructureResource
from tests.factories import (
    CollegeFactory,
    CooperatorFactory,
    MembershipFactory,
    StructureFactory,
    located_pole,
)

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parents[1] / "data"
CSV_FORMAT, XLSX_FORMAT = "0", "1"

# Valid synthetic SIRETs (Luhn key right): test data, not real establishments.
SIRET_A = "73282932000074"
SIRET_B = "35600000000048"


def columns(rows):
    """The header of a file made of these rows: every key, in the order first seen."""
    return list(dict.fromkeys(key for row in rows for key in row))


def csv_file(rows, name="import.csv"):
    """rows: a list of dicts; a column missing from a row is an empty cell."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns(rows), restval="")
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8"), content_type="text/csv")


def xlsx_file(rows, name="import.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    header = columns(rows)
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(column) for column in header])
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def dataset(rows):
    header = columns(rows)
    data = tablib.Dataset(headers=header)
    for row in rows:
        data.append([row.get(column, "") for column in header])
    return data


def admin_url(model, view):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}")


def upload(client, model, file, file_format=None):
    # As a browser sends it: the format left to be guessed from the extension.
    data = {"import_file": file, "resource": "0", "format": file_format or ""}
    with translation.override("en"):
        return client.post(admin_url(model, "import"), data, HTTP_ACCEPT_LANGUAGE="en")


def confirm(client, model, preview):
    form = preview.context["confirm_form"]
    assert form is not None, "the preview has no confirmation form"
    data = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(admin_url(model, "process_import"), data)


def export(client, model, file_format=CSV_FORMAT):
    response = client.post(admin_url(model, "export"), {"format": file_format, "resource": "0"})
    assert response.status_code == 200, response.content[:500]
    return response


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def preview_rows(response):
    """(line, action) of every row of the preview table."""
    return re.findall(r'data-line="(\d+)" data-action="(\w+)"', response.content.decode())


def pole_row(**values):
    row = {
        "slug": "pole-importe",
        "name": "Pôle importé (test)",
        "status": "actif",
        "founded_year": "2016",
        "seat_commune": "60333",
        "sectors": "eco-construction|reemploi-dechets",
        "networks": "coorace",
        "territory_departements": "60|27",
        "is_published": "1",
        "source": "Données de test synthétiques",
    }
    row.update(values)
    return row


def structure_row(**values):
    row = {
        "name": "Recyclerie de test",
        "siret": SIRET_A,
        "legal_form": "association",
        "approvals": "aci",
        "headcount_band": "11",
        "etp": "12.5",
        "turnover": "350000",
        "figures_year": "2023",
        "commune": "60333",
        "website": "recyclerie.example.org",
        "source": "Données de test synthétiques",
        "pole": "pole-a",
        "role": "member",
        "joined_year": "2018",
        "left_year": "",
    }
    row.update(values)
    return row


@pytest.fixture
def national(client, django_user_model):
    user = django_user_model.objects.create_superuser("national", "n@example.org", "pw-test-123")
    client.force_login(user)
    return user


@pytest.fixture
def pole_a(db):
    return located_pole("60333", slug="pole-a", name="Pôle A (test)")


@pytest.fixture
def pole_b(db):
    return located_pole("13055", slug="pole-b", name="Pôle B (test)")


def make_editor(django_user_model, username, *, poles=(), perms=()):
    user = django_user_model.objects.create_user(username, password="pw-test-123", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=perms))
    profile = EditorProfile.objects.create(user=user, role=EditorProfile.Role.COORDINATOR)
    profile.poles.set(poles)
    return django_user_model.objects.get(pk=user.pk)  # fresh permission cache


ALL_PERMS = [
    f"{action}_{model}"
    for action in ("view", "add", "change")
    for model in ("pole", "structure", "cooperator", "membership")
]


# Export


def test_pole_export_has_the_documented_columns_codes_and_slugs(client, national, seeded):
    rows = csv_rows(export(client, Pole))
    assert list(rows[0]) == list(PoleResource.Meta.fields)
    bray = next(row for row in rows if row["slug"] == "ptce-pays-de-bray")
    assert bray["seat_commune"] == "60333"
    assert set(bray["territory_departements"].split("|")) == {"60", "27", "76"}
    assert bray["status"] == "actif"
    assert "." in bray["latitude"] and "," not in bray["latitude"]


def test_export_is_the_same_shape_in_xlsx(client, national, seeded):
    response = export(client, Pole, XLSX_FORMAT)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert header == list(PoleResource.Meta.fields)
    assert sheet.max_row == Pole.objects.count() + 1


def test_structures_export_one_row_per_membership(client, national, pole_a, pole_b):
    shared = StructureFactory(name="Structure partagée (test)", siret=SIRET_A)
    MembershipFactory(pole=pole_a, structure=shared, role="founder", joined_year=2015)
    MembershipFactory(pole=pole_b, structure=shared, role="member")
    StructureFactory(name="Structure sans pôle (test)")
    rows = csv_rows(export(client, Structure))
    assert list(rows[0]) == list(StructureResource.Meta.fields)
    shared_rows = sorted((r["pole"], r["role"]) for r in rows if r["siret"] == SIRET_A)
    assert shared_rows == [("pole-a", "founder"), ("pole-b", "member")]
    lonely = next(r for r in rows if r["name"] == "Structure sans pôle (test)")
    assert lonely["pole"] == ""


# Dry run, confirmation, all or nothing


def test_dry_run_previews_each_row_and_stores_nothing(client, national, pole_a):
    renamed = PoleResource().export(Pole.objects.filter(pk=pole_a.pk)).dict[0]
    renamed["name"] = "Pôle A renommé (test)"
    file = csv_file([pole_row(), renamed, pole_row(slug="autre-pole", name="Autre (test)")])
    response = upload(client, Pole, file)
    assert response.status_code == 200
    assert preview_rows(response) == [("2", "new"), ("3", "update"), ("4", "new")]
    assert "confirm_form" in response.context
    assert not Pole.objects.filter(slug__in=["pole-importe", "autre-pole"]).exists()
    pole_a.refresh_from_db()
    assert pole_a.name == "Pôle A (test)"


def test_confirmed_import_stores_every_row_in_one_go(client, national, pole_a):
    file = csv_file([pole_row(), pole_row(slug="second-pole", name="Second (test)", networks="")])
    preview = upload(client, Pole, file)
    response = confirm(client, Pole, preview)
    assert response.status_code == 302
    pole = Pole.objects.get(slug="pole-importe")
    assert pole.seat_commune_id == "60333"
    assert pole.latitude is not None  # the seat defaults to its commune's coordinates
    assert set(pole.sectors.values_list("slug", flat=True)) == {
        "eco-construction",
        "reemploi-dechets",
    }
    assert set(pole.territory_departements.values_list("code", flat=True)) == {"60", "27"}
    assert list(pole.networks.values_list("slug", flat=True)) == ["coorace"]
    assert pole.is_published
    assert Pole.objects.filter(slug="second-pole").exists()
    assert "pole importe" in pole.search_text  # the directory search sees it


def test_one_bad_row_imports_nothing_and_keeps_existing_data(client, national, pole_a):
    rows = PoleResource().export(Pole.objects.filter(pk=pole_a.pk)).dict
    rows[0]["name"] = "Pôle A renommé (test)"
    file = csv_file([*rows, pole_row(), pole_row(slug="mauvais", seat_commune="99999")])
    response = upload(client, Pole, file)
    assert "confirm_form" not in response.context
    assert ("4", "invalid") in preview_rows(response)
    content = response.content.decode()
    assert "Unknown commune “99999”." in content
    assert not Pole.objects.filter(slug__in=["pole-importe", "mauvais"]).exists()
    pole_a.refresh_from_db()
    assert pole_a.name == "Pôle A (test)"


def test_resource_import_with_one_bad_row_rolls_everything_back(pole_a):
    before = Pole.objects.count()
    result = PoleResource().import_data(
        dataset([pole_row(), pole_row(slug="mauvais", status="inconnu")]),
        dry_run=False,
        rollback_on_validation_errors=True,
    )
    assert result.has_validation_errors()
    assert Pole.objects.count() == before


def test_data_changed_between_preview_and_confirmation_imports_nothing(client, national, pole_a):
    preview = upload(client, Pole, csv_file([pole_row(), pole_row(slug="second", name="2")]))
    # Meanwhile a national administrator removes a sector the file names.
    Sector.objects.filter(slug="reemploi-dechets").delete()
    with translation.override("en"):
        response = confirm(client, Pole, preview)
    assert response.status_code == 302
    assert response.url == admin_url(Pole, "import")
    assert not Pole.objects.filter(slug="pole-importe").exists()


# Re-import changes nothing


def test_reimporting_an_export_changes_nothing(client, national, seeded):
    exported = export(client, Pole).content
    stamps = dict(Pole.objects.values_list("slug", "updated_at"))
    preview = upload(client, Pole, SimpleUploadedFile("poles.csv", exported))
    actions = {action for _line, action in preview_rows(preview)}
    assert actions == {"skip"}
    confirm(client, Pole, preview)
    assert dict(Pole.objects.values_list("slug", "updated_at")) == stamps
    assert export(client, Pole).content == exported


def test_reimporting_a_file_twice_adds_nothing(national, pole_a, pole_b):
    rows = [structure_row(), structure_row(pole="pole-b", role="partner", joined_year="2020")]
    first = StructureResource().import_data(dataset(rows), dry_run=False)
    assert not first.has_errors() and not first.has_validation_errors()
    assert first.totals["new"] == 1
    counts = (Structure.objects.count(), Membership.objects.count())
    second = StructureResource().import_data(dataset(rows), dry_run=False)
    assert second.totals["skip"] == 2
    assert second.totals["new"] == second.totals["update"] == 0
    assert (Structure.objects.count(), Membership.objects.count()) == counts
    structure = Structure.objects.get(siret=SIRET_A)
    assert structure.website == "https://recyclerie.example.org"
    assert structure.etp == Decimal("12.5")
    assert sorted(structure.memberships.values_list("pole__slug", "role")) == [
        ("pole-a", "member"),
        ("pole-b", "partner"),
    ]


@pytest.mark.parametrize("model", [Pole, Structure, Cooperator])
def test_xlsx_round_trip_changes_nothing(client, national, seeded, model):
    pole = Pole.objects.get(slug="ptce-pays-de-bray")
    college = CollegeFactory(pole=pole, name="Salariés", vote_weight=50)
    CooperatorFactory(
        pole=pole,
        kind="person",
        name="Personne de test",
        college=college,
        shares=3,
        email="personne@example.org",
        joined_on="2020-03-31",
    )
    count = model.objects.count()
    exported = export(client, model, XLSX_FORMAT).content
    preview = upload(client, model, SimpleUploadedFile("export.xlsx", exported), XLSX_FORMAT)
    assert "confirm_form" in preview.context, preview.content.decode()[-3000:]
    assert {action for _line, action in preview_rows(preview)} == {"skip"}
    confirm(client, model, preview)
    assert model.objects.count() == count
    assert export(client, model, CSV_FORMAT).content  # still readable


def test_xlsx_import_with_numbers_for_codes(client, national, pole_a):
    # A spreadsheet turns 01053 into 1053: the leading zero comes back.
    file = xlsx_file([pole_row(seat_commune=1053, founded_year=2016, territory_departements=1)])
    preview = upload(client, Pole, file)
    assert preview_rows(preview) == [("2", "new")], preview.content.decode()[-3000:]
    confirm(client, Pole, preview)
    pole = Pole.objects.get(slug="pole-importe")
    assert pole.seat_commune_id == "01053"
    assert list(pole.territory_departements.values_list("code", flat=True)) == ["01"]


# Row errors, with their line numbers


def row_errors(result):
    """{line: [messages]} of an import result."""
    errors = {}
    for row in result.rows:
        if row.messages:
            errors[row.line] = [message for _column, message in row.messages]
    return errors


def test_row_errors_name_the_line_and_the_problem(pole_a):
    rows = [
        structure_row(),
        structure_row(name="Commune inconnue", siret="", commune="99999"),
        structure_row(name="SIRET faux", siret="73282932000075"),
        structure_row(),  # the first row again
        structure_row(name="Négatif", siret=SIRET_B, etp="-3"),
        structure_row(name="Agrément inconnu", siret="", approvals="aci|inexistant"),
        structure_row(name="Pôle inconnu", siret="", pole="nulle-part"),
    ]
    with translation.override("en"):
        result = StructureResource().import_data(dataset(rows), dry_run=True)
        errors = row_errors(result)
    assert 2 not in errors
    assert errors[3] == ["Unknown commune “99999”."]
    assert errors[4] == ["This SIRET number's check key is wrong: check for a mistyped digit."]
    assert errors[5] == [
        "Line 5 repeats line 2 (same structure, pole and role): each record may appear only once."
    ]
    assert errors[6] == ["This figure cannot be negative."]
    assert errors[7] == ["Unknown approvals: “inexistant”."]
    assert errors[8] == ["Unknown pole “nulle-part”."]
    assert Structure.objects.count() == 0


def test_pole_row_errors(pole_a):
    rows = [
        pole_row(sectors="inexistant"),
        pole_row(slug="deux", founded_year="deux mille"),
        pole_row(slug="trois", closed_year="2010", founded_year="2015", status="ferme"),
        pole_row(slug="quatre", latitude="48.1", longitude=""),
        pole_row(slug="cinq", email="pas une adresse"),
        pole_row(slug="six", status=""),
    ]
    with translation.override("en"):
        errors = row_errors(PoleResource().import_data(dataset(rows), dry_run=True))
    assert errors[2] == ["Unknown activity sectors: “inexistant”."]
    assert errors[3] == ["“deux mille” is not a number."]
    assert errors[4] == ["The closing year cannot precede the founding year."]
    assert errors[5] == ["Give both latitude and longitude, or neither."]
    assert errors[6] == ["Enter a valid email address."]
    assert errors[7] == ["This column cannot be empty."]


def test_membership_invariants_apply(pole_a):
    rows = [
        structure_row(role="animator"),
        structure_row(name="Second animateur", siret=SIRET_B, role="animator"),
        structure_row(name="Départ avant arrivée", siret="", joined_year="2020", left_year="2010"),
    ]
    with translation.override("en"):
        errors = row_errors(StructureResource().import_data(dataset(rows), dry_run=True))
    assert 2 not in errors
    assert errors[3] == [
        "This pole already has a current animator: give the other one a year left first."
    ]
    assert errors[4] == ["The year left cannot precede the year joined."]


def test_structure_found_by_name_and_commune_gets_its_siret(pole_a):
    structure = StructureFactory(name="Recyclerie de test", commune_id="60333")
    result = StructureResource().import_data(dataset([structure_row()]), dry_run=False)
    assert result.totals["update"] == 1
    structure.refresh_from_db()
    assert structure.siret == SIRET_A
    assert Structure.objects.count() == 1


def test_same_structure_described_differently_on_two_lines(pole_a, pole_b):
    rows = [structure_row(), structure_row(pole="pole-b", etp="99")]
    with translation.override("en"):
        errors = row_errors(StructureResource().import_data(dataset(rows), dry_run=True))
    assert errors == {
        3: [
            "Line 3 describes the structure of line 2 differently: give the same structure "
            "columns on both lines."
        ]
    }


# Scope


def test_editor_exports_only_their_poles(client, django_user_model, pole_a, pole_b):
    editor = make_editor(django_user_model, "coord-a", poles=[pole_a], perms=ALL_PERMS)
    client.force_login(editor)
    assert [row["slug"] for row in csv_rows(export(client, Pole))] == ["pole-a"]


def test_editor_cannot_import_rows_of_other_poles(client, django_user_model, pole_a, pole_b):
    editor = make_editor(django_user_model, "coord-a", poles=[pole_a], perms=ALL_PERMS)
    client.force_login(editor)
    rows = PoleResource().export(Pole.objects.order_by("slug")).dict
    rows[1]["name"] = "Pôle B détourné"
    response = upload(client, Pole, csv_file(rows))
    assert "confirm_form" not in response.context
    assert "The pole “pole-b” is outside your editing scope." in response.content.decode()
    assert preview_rows(response) == [("2", "skip"), ("3", "invalid")]


def test_editor_cannot_create_a_pole_or_move_theirs_out_of_scope(django_user_model, pole_a):
    editor = make_editor(django_user_model, "coord-a", poles=[pole_a], perms=ALL_PERMS)
    editor.editor_profile.role = EditorProfile.Role.TERRITORIAL
    editor.editor_profile.save()
    editor.editor_profile.poles.clear()
    editor.editor_profile.departements.set(["60"])
    rows = PoleResource().export(Pole.objects.filter(pk=pole_a.pk)).dict
    rows[0]["seat_commune"] = "13055"
    rows[0]["latitude"] = rows[0]["longitude"] = ""
    with translation.override("en"):
        errors = row_errors(
            PoleResource(user=editor).import_data(
                dataset(
                    [
                        *rows,
                        pole_row(seat_commune="60333"),
                        pole_row(slug="x", seat_commune="13055"),
                    ]
                ),
                dry_run=True,
            )
        )
    message = "With this seat and these networks the pole would be outside your editing scope."
    assert errors == {2: [message], 4: [message]}  # line 3 is in the editor's département


def test_editor_structure_rows_need_one_of_their_poles(django_user_model, pole_a, pole_b):
    editor = make_editor(django_user_model, "coord-a", poles=[pole_a], perms=ALL_PERMS)
    other = StructureFactory(name="Structure de B", siret=SIRET_B)
    MembershipFactory(pole=pole_b, structure=other)
    rows = [
        structure_row(pole="pole-b"),
        structure_row(name="Sans pôle", siret="", pole="", role="", joined_year=""),
        structure_row(name="Structure de B", siret=SIRET_B),
    ]
    with translation.override("en"):
        errors = row_errors(StructureResource(user=editor).import_data(dataset(rows), dry_run=True))
    assert errors[2] == ["The pole “pole-b” is outside your editing scope."]
    assert errors[3] == [
        "Give the pole this structure belongs to: you may add structures to your own poles only."
    ]
    assert errors[4] == [
        "The structure “Structure de B” belongs to poles outside your editing scope: ask a "
        "national administrator to add it to your pole."
    ]


def test_editor_without_add_permission_cannot_create(django_user_model, pole_a):
    editor = make_editor(
        django_user_model, "coord-a", poles=[pole_a], perms=["view_structure", "change_structure"]
    )
    with translation.override("en"):
        errors = row_errors(
            StructureResource(user=editor).import_data(dataset([structure_row()]), dry_run=True)
        )
    assert errors[2] == ["You may not add new member structures: this row names none that exists."]


def test_import_needs_the_change_permission(client, django_user_model, pole_a):
    editor = make_editor(django_user_model, "viewer", poles=[pole_a], perms=["view_pole"])
    client.force_login(editor)
    assert client.get(admin_url(Pole, "import")).status_code == 403
    assert client.post(admin_url(Pole, "process_import")).status_code == 403
    assert csv_rows(export(client, Pole))[0]["slug"] == "pole-a"


# Private contacts


@pytest.fixture
def person_in_a(pole_a):
    return CooperatorFactory(
        pole=pole_a,
        kind="person",
        name="Camille Test",
        email="camille@example.org",
        phone="0102030405",
        postal_address="1 rue de Test",
    )


def test_contacts_exported_to_the_editor_of_the_pole(client, django_user_model, person_in_a):
    editor = make_editor(django_user_model, "coord-a", poles=[person_in_a.pole], perms=ALL_PERMS)
    client.force_login(editor)
    [row] = csv_rows(export(client, Cooperator))
    assert (row["email"], row["phone"], row["postal_address"]) == (
        "camille@example.org",
        "0102030405",
        "1 rue de Test",
    )


def test_contacts_never_exported_to_editors_of_other_poles(
    client, django_user_model, person_in_a, pole_b
):
    CooperatorFactory(pole=pole_b, name="Organisation de B")
    editor = make_editor(django_user_model, "coord-b", poles=[pole_b], perms=ALL_PERMS)
    client.force_login(editor)
    response = export(client, Cooperator)
    assert [row["name"] for row in csv_rows(response)] == ["Organisation de B"]
    assert b"camille" not in response.content.lower()


def test_contact_columns_follow_can_see_private_contacts(monkeypatch, national, person_in_a):
    monkeypatch.setattr(
        "spreadsheets.cooperators.can_see_private_contacts", lambda user, pole: False
    )
    [row] = CooperatorResource(user=national).export().dict
    assert (row["email"], row["phone"], row["postal_address"]) == ("", "", "")
    assert row["name"] == "Camille Test"
    # Re-importing that file leaves the stored contacts alone …
    result = CooperatorResource(user=national).import_data(dataset([row]), dry_run=False)
    assert result.totals["skip"] == 1
    person_in_a.refresh_from_db()
    assert person_in_a.email == "camille@example.org"
    # … and a contact value is refused rather than dropped.
    with translation.override("en"):
        result = CooperatorResource(user=national).import_data(
            dataset([dict(row, email="autre@example.org")]), dry_run=True
        )
        assert row_errors(result) == {
            2: ["You may not record the private contacts of this pole's cooperators."]
        }


def test_cooperator_rows(pole_a):
    CollegeFactory(pole=pole_a, name="Salariés", vote_weight=50)
    StructureFactory(name="Entreprise de test", siret=SIRET_A)
    rows = [
        {
            "pole": "pole-a",
            "kind": "organisation",
            "name": "Entreprise de test",
            "structure": SIRET_A,
            "college": "salariés",
            "shares": "10",
            "joined_on": "15/01/2021",
            "is_board_member": "oui",
        },
        {
            "pole": "pole-a",
            "kind": "personne",
            "name": "X",
            "structure": "",
            "college": "Inexistant",
            "shares": "-1",
            "joined_on": "2021-13-01",
            "is_board_member": "peut-être",
        },
    ]
    with translation.override("en"):
        result = CooperatorResource().import_data(dataset(rows), dry_run=False)
        errors = row_errors(result)
    assert sorted(errors[3]) == sorted(
        [
            "“personne” is not one of: person, organisation.",
            "The pole “pole-a” has no college named “Inexistant”.",
            "This figure cannot be negative.",
            "“2021-13-01” is not a date: write it as 2024-03-31.",
            "“peut-être” is not yes or no: write 1 or 0.",
        ]
    )
    assert not Cooperator.objects.exists()
    result = CooperatorResource().import_data(dataset(rows[:1]), dry_run=False)
    cooperator = Cooperator.objects.get()
    assert cooperator.college.name == "Salariés"
    assert cooperator.structure.siret == SIRET_A
    assert str(cooperator.joined_on) == "2021-01-15"
    assert cooperator.is_board_member


# Bad files: a message, never a server error, nothing stored


@pytest.mark.parametrize(
    ("file", "file_format", "message"),
    [
        (
            SimpleUploadedFile("notes.pdf", b"%PDF-1.4 garbage"),
            None,
            "Only CSV and XLSX files can be imported: this file is neither.",
        ),
        (
            # Bytes that neither UTF-8 nor Windows-1252 has (0x81, 0x9D).
            SimpleUploadedFile("neither.csv", b"slug,name\nx,P\x81le\x9d\n"),
            None,
            "This file is neither UTF-8 nor Windows-1252 text",
        ),
        (SimpleUploadedFile("empty.csv", b""), None, "The submitted file is empty."),
        (
            SimpleUploadedFile("binary.csv", bytes(range(256))),
            None,
            "This file holds binary data, not CSV text.",
        ),
        (
            SimpleUploadedFile("fake.xlsx", b"slug,name\nx,y\n"),
            None,
            "This is not an XLSX file",
        ),
        (
            SimpleUploadedFile("ragged.csv", b"slug,name\nx,y,z,t\n"),
            None,
            "This file could not be read as the chosen format",
        ),
        (
            SimpleUploadedFile("header-only.csv", b"slug,name\n"),
            None,
            "No valid data to import.",
        ),
        (
            SimpleUploadedFile("wrong-columns.csv", b"nom,commune\nx,60333\n"),
            None,
            "Unknown columns: nom, commune.",
        ),
        (
            SimpleUploadedFile("missing.csv", b"slug,status\nx,actif\n"),
            None,
            "Missing required columns: name.",
        ),
        (
            SimpleUploadedFile("poles.csv", b"slug,name\nx,y\n"),
            XLSX_FORMAT,
            "This is not an XLSX file",
        ),
    ],
)
def test_bad_files_get_a_message(client, national, file, file_format, message):
    before = Pole.objects.count()
    response = upload(client, Pole, file, file_format)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "confirm_form" not in response.context
    assert Pole.objects.count() == before


def test_files_over_the_size_limit_are_refused(client, national, settings):
    settings.IMPORT_MAX_FILE_SIZE = 1000
    response = upload(client, Pole, csv_file([pole_row(description="x" * 2000)]))
    assert "import files of at most 1000" in response.content.decode()


def test_files_over_the_row_limit_are_refused(client, national, settings):
    settings.IMPORT_MAX_ROWS = 2
    rows = [pole_row(slug=f"pole-{n}") for n in range(3)]
    response = upload(client, Pole, csv_file(rows))
    assert "The file has 3 rows: import at most 2 rows at a time." in response.content.decode()
    assert "confirm_form" not in response.context


def test_xlsx_bomb_is_refused(client, national, settings):
    settings.IMPORT_MAX_UNZIPPED_SIZE = 10_000
    response = upload(client, Pole, xlsx_file([pole_row(description="x" * 20_000)]))
    assert "This XLSX file is too large once opened" in response.content.decode()


def test_confirmation_of_a_vanished_file(client, national):
    with translation.override("en"):
        response = client.post(
            admin_url(Pole, "process_import"),
            {"import_file_name": "does-not-exist", "original_file_name": "x.csv", "format": "0"},
        )
    assert response.status_code == 302
    assert response.url == admin_url(Pole, "import")


def test_synthetic_sample_files_import(client, national, pole_a):
    preview = upload(
        client, Structure, SimpleUploadedFile("s.csv", (DATA / "structures.csv").read_bytes())
    )
    assert {action for _line, action in preview_rows(preview)} == {"new"}
    confirm(client, Structure, preview)
    assert Structure.objects.count() == 2


def test_a_refused_file_is_not_kept_on_disk(client, national, monkeypatch):
    from import_export.tmp_storages import TempFolderStorage

    removed = []
    original = TempFolderStorage.remove

    def remove(self):
        removed.append(self.name)
        original(self)

    monkeypatch.setattr(TempFolderStorage, "remove", remove)
    upload(client, Pole, csv_file([pole_row(seat_commune="99999")]))
    assert len(removed) == 1
    assert not (Path(tempfile.gettempdir()) / removed[0]).exists()


def test_empty_nameless_columns_of_a_spreadsheet_are_ignored(pole_a):
    row = pole_row()
    data = tablib.Dataset(headers=[*row, None, None])
    data.append([*row.values(), None, ""])
    result = PoleResource().import_data(data, dry_run=True)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["new"] == 1


def test_a_confirmed_import_is_one_revision_in_the_history(client, national, pole_a):
    from reversion.models import Version

    preview = upload(client, Pole, csv_file([pole_row()]))
    confirm(client, Pole, preview)
    pole = Pole.objects.get(slug="pole-importe")
    [version] = Version.objects.get_for_object(pole)
    assert version.revision.user == national
    assert "import.csv" in version.revision.comment


# Formula injection: exported inert, re-imported unchanged

FORMULA_NAME = '=HYPERLINK("https://evil.example/","Cliquez")'


@pytest.mark.parametrize("file_format", [CSV_FORMAT, XLSX_FORMAT])
def test_admin_export_makes_formulas_inert_and_round_trips(client, national, file_format):
    from tests.factories import located_pole

    pole = located_pole("97411", slug="pole-formule", name=FORMULA_NAME, phone="+262 1 23")
    structure = StructureFactory(name="@SUM(A1:A9)")
    MembershipFactory(pole=pole, structure=structure)
    exported = export(client, Pole, file_format).content
    if file_format == CSV_FORMAT:
        (row,) = csv_rows(export(client, Pole))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(exported)).active
        header, *values = list(sheet.values)
        (row,) = [dict(zip(header, line, strict=True)) for line in values]
        assert sheet.cell(row=2, column=header.index("name") + 1).data_type == "s"
    assert row["name"] == "'" + FORMULA_NAME
    assert float(row["latitude"]) < 0  # a number stays a number
    stamp = Pole.objects.get(pk=pole.pk).updated_at
    name = "export.csv" if file_format == CSV_FORMAT else "export.xlsx"
    preview = upload(client, Pole, SimpleUploadedFile(name, exported), file_format)
    assert {action for _line, action in preview_rows(preview)} == {"skip"}
    confirm(client, Pole, preview)
    pole.refresh_from_db()
    assert (pole.name, pole.updated_at) == (FORMULA_NAME, stamp)

    structures = csv_rows(export(client, Structure))
    assert [row["name"] for row in structures] == ["'@SUM(A1:A9)"]


def test_confirmation_reads_and_removes_only_the_file_this_import_wrote(client, national):
    """A forged `import_file_name` (another file of the temporary folder: another
    editor's pending import, any file) is neither read nor removed; the editor's own
    pending file still is, once."""
    with tempfile.NamedTemporaryFile(
        "w", suffix=".csv", delete=False, dir=tempfile.gettempdir()
    ) as other:
        writer = csv.DictWriter(other, fieldnames=list(pole_row()))
        writer.writeheader()
        writer.writerow(pole_row(slug="pole-force", name="Pôle forcé (test)"))
    other_path = Path(other.name)
    try:
        for name in (other_path.name, str(other_path)):
            with translation.override("en"):
                response = client.post(
                    admin_url(Pole, "process_import"),
                    {"import_file_name": name, "original_file_name": "x.csv", "format": "0"},
                    HTTP_ACCEPT_LANGUAGE="en",
                )
            assert response.status_code == 302
            assert response.url == admin_url(Pole, "import")
            follow = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en")
            assert "Nothing was imported" in follow.content.decode()
            assert other_path.exists()
            assert not Pole.objects.filter(slug="pole-force").exists()
    finally:
        other_path.unlink(missing_ok=True)

    # The editor's own file: imported, then gone; confirming it twice imports nothing more.
    preview = upload(client, Pole, csv_file([pole_row()]))
    assert preview.context["confirm_form"] is not None
    own = Path(tempfile.gettempdir()) / preview.context["confirm_form"].initial["import_file_name"]
    assert own.exists()
    response = confirm(client, Pole, preview)
    assert response.status_code == 302
    assert Pole.objects.filter(slug="pole-importe").count() == 1
    assert not own.exists()
    response = confirm(client, Pole, preview)
    assert response.status_code == 302 and response.url == admin_url(Pole, "import")
    assert Pole.objects.filter(slug="pole-importe").count() == 1


# Files as French Excel saves them


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("structures-excel-fr.csv", "Windows-1252"),
        ("structures-excel-fr-utf8.csv", "UTF-8 with a byte order mark"),
    ],
)
def test_csv_saved_by_french_excel_previews_and_imports(client, national, pole_a, name, encoding):
    """Semicolons, Windows-1252 or UTF-8 with a BOM, decimal commas: detected, said in
    the preview, and imported as the spreadsheet showed them."""
    file = SimpleUploadedFile(name, (DATA / name).read_bytes(), content_type="text/csv")
    preview = upload(client, Structure, file)
    assert preview.status_code == 200
    html = preview.content.decode()
    reading = re.search(r"<p [^>]*data-file-reading>([^<]*)</p>", html).group(1)
    assert encoding in reading
    assert "semicolons" in reading
    assert preview_rows(preview) == [("2", "new"), ("3", "new"), ("4", "new")]
    assert "Œuvre d’insertion synthétique de test" in html

    assert confirm(client, Structure, preview).status_code == 302
    stored = {
        s.name: (s.etp, s.turnover, s.source)
        for s in Structure.objects.filter(memberships__pole=pole_a)
    }
    assert stored == {
        "Atelier synthétique de test": (Decimal("12.5"), 350_000, "Données de test synthétiques"),
        "Œuvre d’insertion synthétique de test": (
            Decimal("0.75"),
            None,
            "Données de test synthétiques, CA en € : été",
        ),
        'Coopérative "Ça bouge" de test': (
            Decimal("1234.25"),
            4_400_000,
            "Données de test synthétiques",
        ),
    }


def test_a_comma_separated_utf8_file_is_said_so(client, national, pole_a):
    preview = upload(client, Pole, csv_file([pole_row()]))
    assert "File read as UTF-8 text, cells separated by commas" in preview.content.decode()


def test_an_xlsx_formula_without_its_result_is_reported_not_imported_empty(
    client, national, pole_a
):
    """openpyxl writes formulas without their results, as any program (not a
    spreadsheet) would: the import names the cells rather than reading them as empty."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "etp", "turnover", "figures_year", "commune", "pole"])
    sheet.append(["Structure de test calculée", "=2*3", 1000, 2023, "60333", "pole-a"])
    sheet.append(["Autre structure de test", 2, "=B2*1000", 2023, "60333", "pole-a"])
    out = io.BytesIO()
    book.save(out)
    response = upload(client, Structure, SimpleUploadedFile("calcul.xlsx", out.getvalue()))
    assert response.status_code == 200
    html = response.content.decode()
    assert "These cells hold a formula whose result the file does not store: B2, C3." in html
    assert "confirm_form" not in response.context
    assert not Structure.objects.filter(name__endswith="de test calculée").exists()
