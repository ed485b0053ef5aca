"""The filter lists are cached under a name that changes with their keys: with a shared
cache (Redis), a new release would otherwise read the lists the previous one stored
under the same data version, and miss the keys it added (a server error on every
directory page until the data changed)."""

import pytest

from poles.filters import FILTER_CHOICES_NAME, filter_choices

pytestmark = pytest.mark.django_db

# Change FILTER_CHOICES_NAME's number together with this set.
KEYS_OF_VERSION = {
    "directory-filter-choices:2": {
        "region",
        "departement",
        "departement_regions",
        "departement_names",
        "departements_by_region",
        "departement_options",
        "secteur",
        "sector_labels",
        "sector_marks",
        "mutualisation",
        "reseau",
        "reconnaissance",
    },
}


def test_the_cache_name_changes_with_the_lists_keys():
    assert set(filter_choices()) == KEYS_OF_VERSION[FILTER_CHOICES_NAME], (
        "filter_choices() has other keys: change FILTER_CHOICES_NAME and KEYS_OF_VERSION"
    )


def test_each_regions_departements_are_its_own_in_code_order():
    lists = filter_choices()
    by_region = lists["departements_by_region"]
    assert sum(len(choices) for choices in by_region.values()) == len(lists["departement"])
    for region, choices in by_region.items():
        assert all(lists["departement_regions"][code] == region for code, _label in choices)
        assert [code for code, _label in choices] == sorted(code for code, _label in choices)
