"""The filter lists cached for the directory (poles/filters.py, `filter_choices()`)."""

import pytest

from poles.filters import filter_choices

pytestmark = pytest.mark.django_db


def test_each_regions_departements_are_its_own_in_code_order():
    lists = filter_choices()
    by_region = lists["departements_by_region"]
    assert sum(len(choices) for choices in by_region.values()) == len(lists["departement"])
    for region, choices in by_region.items():
        assert all(lists["departement_regions"][code] == region for code, _label in choices)
        assert [code for code, _label in choices] == sorted(code for code, _label in choices)
