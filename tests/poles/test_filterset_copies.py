"""The directory's filter set is built at every request of the directory, the feeds and
the exports: its ~150 choices are not deep-copied three times (the filters, then the
form class's fields, then the form's), yet no two filter sets share what one changes."""

import copy

import pytest
from django.http import QueryDict

from poles import selectors

from ..factories import PoleFactory

pytestmark = pytest.mark.django_db


def test_building_the_filter_set_deep_copies_no_choice_list(monkeypatch):
    selectors.directory_filterset({}).is_valid()  # lists read and cached
    # Each choice is a tuple: count the tuples deep-copied (copy's own recursion
    # dispatches on the type through this table).
    calls = []
    real = copy._deepcopy_dispatch[tuple]  # noqa: SLF001 - no public hook counts them

    def counting(value, memo, *args):
        calls.append(value)
        return real(value, memo, *args)

    monkeypatch.setitem(copy._deepcopy_dispatch, tuple, counting)  # noqa: SLF001
    filterset = selectors.directory_filterset(QueryDict("statut=actif&tri=nom"))
    assert filterset.is_valid(), filterset.form.errors
    assert str(filterset.form["statut"])
    # Was about 450: each choice, three times.
    assert len(calls) < 20, calls[:20]


def test_two_filter_sets_share_no_state():
    pole = PoleFactory(name="Pôle de l'Oise", status="actif")
    first = selectors.directory_filterset(QueryDict("statut=actif"))
    second = selectors.directory_filterset(QueryDict("statut=ferme"))
    assert first.is_valid() and second.is_valid()
    # Each filter's method runs on its own filter set's data.
    assert list(first.qs) == [pole]
    assert list(second.qs) == []
    # What one request changes in its filters or form stays its own.
    first.filters["statut"].extra["choices"] = [("x", "X")]
    first.form.fields["departement"].widget.choices = []
    first.form.fields["statut"].label = "changed"
    third = selectors.directory_filterset(QueryDict())
    assert ("x", "X") not in third.filters["statut"].extra["choices"]
    assert third.form.fields["departement"].widget.choices
    assert third.form.fields["statut"].label != "changed"
    assert second.filters["statut"].parent is second
