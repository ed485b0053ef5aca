"""The Python field renderer (poles/form_html.py) writes what Django's templates write.

Each form is rendered twice, by Django's own BoundField (its templates) and by
PythonRenderedBoundField, and the two must be the same HTML: a Django upgrade that
changes its form templates fails here instead of drifting silently.
"""

import pytest
from django import forms
from django.forms.boundfield import BoundField
from django.http import QueryDict
from django.test import SimpleTestCase
from django.utils import translation

from poles import selectors
from poles.filters import DirectoryFilterForm
from poles.form_html import PythonRenderedBoundField

pytestmark = pytest.mark.django_db


@pytest.fixture
def assert_html_equal():
    def check(ours, django_way, name):
        SimpleTestCase().assertHTMLEqual(ours, django_way, msg=f"field {name!r}")

    return check


def _both_ways(form):
    for name, field in form.fields.items():
        ours = form[name]
        assert isinstance(ours, PythonRenderedBoundField)
        django_way = BoundField(form, field, name)
        yield name, str(ours.as_field_group()), str(django_way.as_field_group())
        yield name, str(ours), str(django_way)


QUERIES = [
    "",
    "region=32&secteur=alimentation-circuits-courts&secteur=mobilite&statut=actif&tri=-etp",
    # Invalid values: the errors, aria-invalid and aria-describedby must match too.
    "q=%01&region=zz&departement=99&commune=99999&secteur=zzz&mutualisation=x&tri=bad",
    'q="<b>Économie</b>" & co&commune=2A004&reseau=rtes',
]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("query", QUERIES)
def test_the_directory_filter_form_is_django_html(assert_html_equal, language, query):
    with translation.override(language):
        filterset = selectors.directory_filterset(QueryDict(query))
        filterset.is_valid()
        for name, ours, django_way in _both_ways(filterset.form):
            assert_html_equal(ours, django_way, name)


class EveryKindForm(DirectoryFilterForm):
    """The widgets the renderer knows, and some it must leave to Django."""

    text = forms.CharField(
        label="Name?", help_text="<em>Written by us</em>", widget=forms.TextInput({"size": 4})
    )
    number = forms.IntegerField(label="Count", required=False, disabled=True)
    choice = forms.ChoiceField(
        label="Grouped",
        choices=[("Fruits", [("a", "Apple & co"), ("b", "Banana")]), ("c", "Cherry")],
    )
    radio = forms.ChoiceField(
        label="Radio", choices=[("x", "X"), ("y", 'Y "quoted"')], widget=forms.RadioSelect
    )
    boxes = forms.MultipleChoiceField(
        label="Boxes",
        choices=[("Group", [("1", "One")]), ("2", "Two")],
        widget=forms.CheckboxSelectMultiple,
        help_text="Several",
    )
    several = forms.MultipleChoiceField(label="Several", choices=[("1", "One"), ("2", "Two")])
    secret = forms.CharField(widget=forms.HiddenInput, required=False)
    notes = forms.CharField(label="Notes", widget=forms.Textarea, required=False)
    checked = forms.BooleanField(label="Agreed", required=False)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"text": '"<x>" & y', "choice": "b", "radio": "y", "boxes": ["1", "2"], "several": "2"},
        {"text": "", "choice": "zz", "radio": "q", "boxes": ["9"], "checked": "on"},
    ],
)
def test_every_widget_kind_is_django_html(assert_html_equal, data):
    form = EveryKindForm(data, auto_id="field_%s")
    form.is_valid()
    for name, ours, django_way in _both_ways(form):
        assert_html_equal(ours, django_way, name)


def test_without_ids_the_labels_are_plain_text(assert_html_equal):
    form = EveryKindForm({"text": "a"}, auto_id=False)
    form.is_valid()
    for name, ours, django_way in _both_ways(form):
        assert_html_equal(ours, django_way, name)


def test_the_directory_form_shows_the_visitor_s_choices(client):
    page = client.get("/poles/?secteur=mobilite&statut=actif&departement=60").content.decode()
    assert '<option value="60" selected>60 – Oise</option>' in page
    assert '<option value="actif" selected>' in page
    assert 'value="mobilite" id="id_secteur_' in page
    assert page.count(" checked>") == 1
