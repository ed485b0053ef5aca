"""Page-cache keys: built from the parsed query, every name and value escaped, in a
canonical order, so that no URL can make the cache serve its page for another URL
(cache poisoning)."""

import pytest
from django.core.cache import cache
from django.http import QueryDict
from django.utils.http import urlencode
from hypothesis import given
from hypothesis import strategies as st

from caching import canonical_query, digest
from poles.models import Pole
from poles.services import refresh_search_texts
from tests.factories import located_pole

# Names and values as a parsed query holds them: any text (no lone surrogates, which
# QueryDict never holds), with the characters of the query syntax over-represented.
SYNTAX = st.sampled_from(["&", "=", "%", "%26", "%3D", "+", " ", ";", "?", "#", "/"])
TEXT = st.lists(st.one_of(st.text(max_size=6), SYNTAX), max_size=4).map("".join)
QUERIES = st.dictionaries(TEXT, st.lists(TEXT, min_size=1, max_size=3), max_size=4)


@given(QUERIES, QUERIES)
def test_two_different_queries_never_share_a_key(first, second):
    if first != second:
        assert canonical_query(first) != canonical_query(second)


@given(QUERIES)
def test_the_key_gives_back_the_query(query):
    """The canonical text parses back to the very query it was built from: so two
    different queries cannot share it."""
    parsed = QueryDict(canonical_query(query))
    assert dict(parsed.lists()) == query


@st.composite
def smuggled_pairs(draw):
    """A query with at least two parameters, and the same text smuggled into one value:
    `a=1&b=2` against `a=1%26b%3D2`."""
    query = draw(st.dictionaries(TEXT, st.lists(TEXT, min_size=1, max_size=2), min_size=2))
    names = sorted(query)
    first, second = names[0], names[1]
    smuggled = {name: list(values) for name, values in query.items() if name != second}
    tail = "&".join(f"{second}={value}" for value in query[second])
    smuggled[first][-1] = f"{smuggled[first][-1]}&{tail}"
    return query, smuggled


@given(smuggled_pairs())
def test_a_value_holding_the_query_syntax_never_shares_a_key(pair):
    query, smuggled = pair
    assert canonical_query(query) != canonical_query(smuggled)


@given(QUERIES, st.randoms())
def test_the_same_query_in_any_order_always_shares_its_key(query, random):
    names = list(query)
    random.shuffle(names)
    assert canonical_query({name: query[name] for name in names}) == canonical_query(query)


@given(QUERIES)
def test_a_query_dict_keys_as_the_mapping_it_parses_to(query):
    """The key of a parsed query string is the key of what the view reads from it."""
    parsed = QueryDict(urlencode(query, doseq=True))
    assert dict(parsed.lists()) == query
    assert canonical_query(parsed) == canonical_query(query)


@given(st.lists(st.one_of(TEXT, st.integers(), st.lists(TEXT)), max_size=5))
def test_digests_of_different_parts_differ(parts):
    assert digest(*parts) == digest(*parts)
    assert digest(*parts) != digest(*parts, "")


def test_the_poisoning_example_gives_two_keys():
    smuggled = QueryDict("statut=actif%26tri%3D-creation")
    real = QueryDict("statut=actif&tri=-creation")
    assert smuggled["statut"] == "actif&tri=-creation"
    assert canonical_query(smuggled) != canonical_query(real)
    assert canonical_query(QueryDict("tri=nom&statut=actif")) == canonical_query(
        QueryDict("statut=actif&tri=nom")
    )


# --- End to end: a poisoned URL never gets its page served for the real one ----------

# (path, query that smuggles a second parameter into a value, the real query, headers)
POISONINGS = [
    ("/poles/", "statut=actif%26tri%3D-creation", "statut=actif&tri=-creation", {}),
    (
        "/poles/",
        "statut=actif%26tri%3D-creation",
        "statut=actif&tri=-creation",
        {"HTTP_X_REQUESTED_WITH": "fetch"},
    ),
    ("/embed/", "region=32%26statut%3Dactif", "region=32&statut=actif", {}),
    ("/statistiques/", "region=32%26statut%3Dactif", "region=32&statut=actif", {}),
    ("/poles.geojson", "q=bou%26region%3D93", "q=bou&region=93", {}),
    ("/poles.geojson", "region=93%26q%3Dbou", "q=bou&region=93", {}),
    # The other way round: the real URL first, then the poisoning one.
    ("/poles/", "statut=actif&tri=-creation", "statut=actif%26tri%3D-creation", {}),
]


@pytest.fixture
def page_cache(settings):
    settings.PUBLIC_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "poisoned", "real", "headers"), POISONINGS)
def test_a_smuggled_parameter_cannot_poison_the_real_url(
    client, settings, path, poisoned, real, headers
):
    located_pole("13055", name="Bou'Sol de test", status="actif")
    located_pole("60333", name="Pôle de test picard", status="actif")
    refresh_search_texts(Pole.objects.all())
    # What the real URL shows without any cache.
    settings.PUBLIC_CACHE_SECONDS = 0
    expected = client.get(f"{path}?{real}", **headers)
    poisoned_alone = client.get(f"{path}?{poisoned}", **headers)
    assert expected.content != poisoned_alone.content, "the two URLs must show different pages"

    settings.PUBLIC_CACHE_SECONDS = 600
    cache.clear()
    try:
        attack = client.get(f"{path}?{poisoned}", **headers)
        assert attack.status_code == poisoned_alone.status_code
        assert client.get(f"{path}?{poisoned}", **headers).get("X-Cache") in (None, "hit")
        victim = client.get(f"{path}?{real}", **headers)
        assert victim.get("X-Cache") != "hit"
        assert victim.status_code == expected.status_code
        assert victim.content == expected.content
        # …and once the real page is cached, it is what the real URL gets.
        again = client.get(f"{path}?{real}", **headers)
        assert again.content == expected.content
    finally:
        cache.clear()
