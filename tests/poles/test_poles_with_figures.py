"""The poles with key figures (PoleWithFigures: poles/derived.py), write by write.

The observatory counts the poles behind its jobs and turnover from these rows (one per
pole with an ETP or turnover figure of any year) instead of the distinct poles of every
figure. After every kind of write, the stored rows must be those a full rebuild
stores, and the observatory's count that of a straightforward count, for every
selection of poles.
"""

from itertools import combinations

import pytest
import reversion
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from reversion.models import Version

from editors.models import EditorProfile
from observatory.facts import figure_counts
from poles import derived
from poles.models import KeyFigure, Pole, PoleWithFigures
from poles.services import refresh_poles_with_figures
from tests.admin_forms import change_form_data
from tests.factories import KeyFigureFactory, editor, located_pole

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Three poles (ids in this order): p1 with ETP and turnover in 2022 and 2023, p2
    with only a count of member structures (no ETP, no turnover), p3 without figures;
    each pole and figure in a revision, as the seed loader leaves them."""
    with reversion.create_revision():
        p1 = located_pole("60057", name="Pôle chiffré un")
        p2 = located_pole("76540", name="Pôle chiffré deux")
        p3 = located_pole("69123", name="Pôle chiffré trois")
        KeyFigureFactory(pole=p1, year=2022, etp=12, turnover=400_000)
        KeyFigureFactory(pole=p1, year=2023, etp=14, turnover=None)
        KeyFigureFactory(pole=p2, year=2023, etp=None, turnover=None, member_structures_count=9)
        for pole in (p1, p2, p3):
            reversion.add_to_revision(pole)
    return {"p1": p1, "p2": p2, "p3": p3}


@pytest.fixture
def national(client):
    client.force_login(editor(EditorProfile.Role.NATIONAL, username="figures-national"))
    return client


def stored() -> set[int]:
    return set(PoleWithFigures.objects.values_list("pole_id", flat=True))


class _Rollback(Exception):
    pass


def rebuilt() -> set[int]:
    """The rows a rebuild of every pole's would store (rolled back after)."""
    try:
        with transaction.atomic():
            PoleWithFigures.objects.all().delete()
            refresh_poles_with_figures()
            rows = stored()
            raise _Rollback
    except _Rollback:
        pass
    return rows


def straightforward(poles) -> int:
    """The selected poles with an ETP or turnover figure, counted in Python."""
    selected = set(poles.values_list("pk", flat=True))
    return len(
        {
            pole_id
            for pole_id, etp, turnover in KeyFigure.objects.values_list(
                "pole_id", "etp", "turnover"
            )
            if pole_id in selected and (etp is not None or turnover is not None)
        }
    )


def selections():
    """Every set of poles, and the published ones (what /statistiques/ shows)."""
    ids = list(Pole.objects.order_by("pk").values_list("pk", flat=True))
    for size in range(1, len(ids) + 1):
        for chosen in combinations(ids, size):
            yield Pole.objects.filter(pk__in=chosen)
    yield Pole.objects.published()
    yield Pole.objects.none()


def numbers():
    return [straightforward(poles) for poles in selections()]


def figure(world, pole, year):
    return KeyFigure.objects.get(pole=world[pole], year=year)


# --- The writes -------------------------------------------------------------------


def add_etp(world, client):
    KeyFigureFactory(pole=world["p3"], year=2023, etp=3, turnover=None)


def add_turnover_only(world, client):
    KeyFigureFactory(pole=world["p3"], year=2023, etp=None, turnover=90_000)


def add_counts_only(world, client):
    KeyFigureFactory(pole=world["p3"], year=2023, etp=None, turnover=None, cooperators_count=4)


def give_etp(world, client):
    row = figure(world, "p2", 2023)
    row.etp = 5
    row.save()


def take_every_figure_away(world, client):
    for row in KeyFigure.objects.filter(pole=world["p1"]):
        row.etp = row.turnover = None
        row.member_structures_count = 3
        row.save()


def take_one_year_away(world, client):
    row = figure(world, "p1", 2023)
    row.etp = None
    row.member_structures_count = 3
    row.save()


def change_a_value(world, client):
    row = figure(world, "p1", 2022)
    row.etp = 13
    row.save()


def edit_note_only(world, client):
    row = figure(world, "p1", 2022)
    row.note = "Rien qui compte"
    row.save()


def delete_one_year(world, client):
    figure(world, "p1", 2023).delete()


def delete_every_year(world, client):
    KeyFigure.objects.filter(pole=world["p1"]).delete()


def move_figure_to_another_pole(world, client):
    for row in KeyFigure.objects.filter(pole=world["p1"]):
        row.pole = world["p3"]
        row.save()


def delete_pole(world, client):
    Pole.objects.get(pk=world["p1"].pk).delete()


def unpublish_pole(world, client):
    pole = Pole.objects.get(pk=world["p1"].pk)
    pole.is_published = False
    pole.save()


def inline_rows(data, prefix="figures"):
    """The inline's row indices by year."""
    return {
        int(value): key.split("-")[1]
        for key, value in data.items()
        if key.startswith(f"{prefix}-") and key.endswith("-year") and value not in ("", None)
    }


def add_in_admin(world, client):
    """The pole form's new key figures row."""
    url = reverse("admin:poles_pole_change", args=[world["p3"].pk])
    data = change_form_data(client.get(url))
    index = int(data["figures-TOTAL_FORMS"])
    data["figures-TOTAL_FORMS"] = index + 1
    data[f"figures-{index}-year"] = 2023
    data[f"figures-{index}-turnover"] = 120_000
    data[f"figures-{index}-source"] = "Rapport d'activité"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def delete_in_admin(world, client):
    """The pole form's inline rows of p1, both ticked for deletion."""
    url = reverse("admin:poles_pole_change", args=[world["p1"].pk])
    data = change_form_data(client.get(url))
    for index in inline_rows(data).values():
        data[f"figures-{index}-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def empty_in_admin(world, client):
    """The key figure's own change form: ETP and turnover emptied."""
    row = figure(world, "p1", 2023)
    url = reverse("admin:poles_keyfigure_change", args=[row.pk])
    data = change_form_data(client.get(url))
    data["etp"] = ""
    data["turnover"] = ""
    data["member_structures_count"] = 7
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def delete_pole_in_admin(world, client):
    url = reverse("admin:poles_pole_delete", args=[world["p1"].pk])
    assert client.post(url, {"post": "yes"}).status_code == 302


def revert_figure(world, client):
    """Back to the revision of the fixture (a raw save): p1's 2023 ETP again."""
    row = figure(world, "p1", 2022)
    KeyFigure.objects.filter(pole=world["p1"]).exclude(pk=row.pk).delete()
    row.etp = row.turnover = None
    row.member_structures_count = 3
    row.save()
    assert world["p1"].pk not in stored()
    first = Version.objects.get_for_object(row).get()
    url = reverse("admin:poles_keyfigure_revision", args=[row.pk, first.pk])
    response = client.post(url, change_form_data(client.get(url)))
    assert response.status_code == 302


def revert_pole(world, client):
    """Back to the revision of the fixture: the figures deleted since come back, the
    one added since goes."""
    KeyFigure.objects.filter(pole=world["p1"]).delete()
    KeyFigureFactory(pole=world["p3"], year=2021, etp=2)
    for pole in ("p1", "p3"):
        first = Version.objects.get_for_object(world[pole]).get()
        url = reverse("admin:poles_pole_revision", args=[world[pole].pk, first.pk])
        response = client.post(url, change_form_data(client.get(url)))
        assert response.status_code == 302
    assert KeyFigure.objects.filter(pole=world["p1"]).count() == 2
    assert not KeyFigure.objects.filter(pole=world["p3"]).exists()


def recover_pole(world, client):
    pk = world["p1"].pk
    delete_pole_in_admin(world, client)
    deleted = Version.objects.get_deleted(Pole).get(object_id=str(pk))
    url = reverse("admin:poles_pole_recover", args=[deleted.pk])
    response = client.post(url, change_form_data(client.get(url)))
    assert response.status_code == 302
    assert KeyFigure.objects.filter(pole_id=pk).count() == 2


def bulk_load_then_refresh_all(world, client):
    """Writers that send no signal rebuild every pole's derived values."""
    KeyFigure.objects.bulk_create([KeyFigure(pole=world["p3"], year=2020, turnover=1)])
    derived.refresh_all()


# (write, does it change the count of some selection?)
CASES = [
    (add_etp, True),
    (add_turnover_only, True),
    (add_counts_only, False),
    (give_etp, True),
    (take_every_figure_away, True),
    (take_one_year_away, False),
    (change_a_value, False),
    (edit_note_only, False),
    (delete_one_year, False),
    (delete_every_year, True),
    (move_figure_to_another_pole, True),
    (delete_pole, True),
    (unpublish_pole, True),
    (add_in_admin, True),
    (delete_in_admin, True),
    (empty_in_admin, False),
    (delete_pole_in_admin, True),
    (revert_figure, False),
    (revert_pole, False),
    (recover_pole, False),
    (bulk_load_then_refresh_all, True),
]


def test_the_fixture_starts_current(world):
    assert stored() == rebuilt() == {world["p1"].pk}
    for poles in selections():
        assert figure_counts(poles)["poles"] == straightforward(poles)


@pytest.mark.parametrize(("write", "changes"), CASES, ids=[case[0].__name__ for case in CASES])
def test_every_write_keeps_the_poles_with_figures_current(world, national, write, changes):
    before = numbers()
    write(world, national)
    assert stored() == rebuilt()
    for poles in selections():
        assert figure_counts(poles)["poles"] == straightforward(poles), poles.query
    assert (numbers() != before) is changes


def test_a_write_that_changes_no_figure_refreshes_nothing(world):
    """A figure's note or source: the stored row is read back and compared."""
    row = figure(world, "p1", 2022)
    row.note = "Rien qui compte"
    with CaptureQueriesContext(connection) as captured:
        row.save()
    assert not [query for query in captured if "polewithfigures" in query["sql"].lower()]
    with CaptureQueriesContext(connection) as captured:
        row.turnover = None
        row.save()
    assert [query for query in captured if "polewithfigures" in query["sql"].lower()]
