"""Hostile input against the production-like stack (nginx, two gunicorn, PostgreSQL,
Redis with the page cache on): every public path and parameter, odd Unicode, `%26` and
`%3D` inside values, repeated and empty parameters, huge numbers, both languages,
conditional requests.

- No request gets a server error, and no HTML page echoes markup it was sent.
- The page cache never answers a request with the body another request produced: each
  example first sends a "twin" request (one that a careless cache key confuses with it:
  `&`/`=` moved inside a value, the other language, the partial results), then the
  request itself, then the same request on a cold cache, and compares the two bodies.
- A 304 only ever validates a page that is there (200).

Each example uses its own host name (`<nonce>.stack.invalid`, an allowed host of the
stack): the cache keys include the host, so every example starts on a cold cache
without flushing anything, and the cold-cache reference is the same request under
another host name (host names are normalised away before comparing).
"""

import secrets
from email.utils import formatdate
from urllib.parse import parse_qsl, quote, quote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.stack

PROBE = "<ptce-probe"
COMMON = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

PARAMETERS = [
    "q",
    "region",
    "departement",
    "commune",
    "lieu",
    "autour",
    "secteur",
    "statut",
    "mutualisation",
    "reseau",
    "tri",
    "page",
    "partial",
    "champs",
    "lieu",
    "autour",
    "format",
]
NASTY = [
    "",
    " ",
    "&",
    "=",
    "a&b=c",
    "actif&tri=-creation",
    "%",
    "%25",
    "%26",
    "%3D",
    "%_%",
    "+",
    "#",
    "€",
    "١",
    "—",
    "٣",
    "２",
    "ﬁ",
    "İ",
    "\u202e",
    "\ufeff",
    "\x00",
    "\x1f",
    "\U0001f600",
    "'",
    '"',
    "\\",
    "../",
    "1e309",
    "NaN",
    "-0",
    "9" * 40,
    "-" + "9" * 30,
    PROBE + ">",
    '"><ptce-probe x=1>',
    "</textarea>" + PROBE + ">",
    "x" * 300,
]
STATUSES = ["emergence", "actif", "en-sommeil", "ferme"]
SORTS = ["nom", "-nom", "creation", "-creation", "etp", "-etp", "-maj"]
INDICATORS = ["statuts", "regions", "departements", "secteurs", "chiffres-cles", "insertion"]
LANGUAGE_HEADERS = ["fr", "en", "en-US,en;q=0.9", "de", "*", "", "xx;q=abc", "fr;q=0.1, en"]
LANGUAGE_COOKIES = [None, "django_language=en", "django_language=fr", "django_language=%00"]


def odd_text():
    return st.text(st.characters(exclude_categories=["Cs"]), max_size=12)


def values(stack):
    data = stack.data
    valid = [
        data["region"]["code"],
        data["departement"]["code"],
        data["commune"],
        *data["sectors"][:4],
        *data["pooling_types"][:3],
        *data["networks"][:3],
        *STATUSES,
        *SORTS,
        "1",
        "2",
        "tout",
        "economie solidaire",
        "60000",
        "recyclerie 93200",
        "75001",
        "732 829 320 93200",
        "Beauvais (60)",
        "Saint-Denis",
        "49.43,2.08",
        "91,181",
        "nan,nan",
        "excel",
    ]
    return st.one_of(
        st.sampled_from(valid),
        st.sampled_from(NASTY),
        odd_text(),
        st.integers(-(10**30), 10**30).map(str),
    )


def parameters():
    return st.one_of(st.sampled_from(PARAMETERS), st.sampled_from(["", "q[]", "zz", "q "]))


def encode(text: str, how: str) -> str:
    if how == "plus":
        return quote_plus(text, safe="")
    if how == "loose":
        # `&`, `=`, `+` and `%` left as they are: the server parses what it gets.
        return quote(text, safe="&=+%")
    return quote(text, safe="")


def query_string(pairs, how) -> str:
    return "&".join(f"{encode(k, how)}={encode(v, how)}" for k, v in pairs)


def paths(stack, *, cacheable_only=False):
    data = stack.data
    region, departement = data["region"]["slug"], data["departement"]["slug"]
    fixed = [
        "/",
        "/poles/",
        f"/poles/{data['pole']['slug']}/",
        "/poles.geojson",
        "/embed/",
        "/statistiques/",
        *(f"/statistiques/{slug}.csv" for slug in INDICATORS),
        "/territoires/",
        f"/territoires/{region}/",
        f"/territoires/{region}/{departement}/",
        "/secteurs/",
        f"/secteurs/{data['sectors'][0]}/",
        "/donnees/",
        "/lieux.json",
        "/api/v1/poles/",
        "/api/v1/structures/",
        "/api/v1/communes/",
    ]
    if cacheable_only:
        return st.sampled_from(fixed)
    odd = odd_text().map(lambda text: quote(text, safe=""))
    return st.one_of(
        st.sampled_from([*fixed, "/poles.csv", "/poles/structures.csv", "/robots.txt", "/poles"]),
        odd.map(lambda slug: f"/poles/{slug}/"),
        odd.map(lambda slug: f"/territoires/{slug}/"),
        odd.map(lambda slug: f"/territoires/{region}/{slug}/"),
        odd.map(lambda slug: f"/secteurs/{slug}/"),
        odd.map(lambda slug: f"/statistiques/{slug}.csv"),
        st.sampled_from([f"/{PROBE}>/", "/poles/%3Cptce-probe%3E/", "/%00/", "/poles/..%2F/"]),
    )


def language_headers():
    return st.tuples(st.sampled_from(LANGUAGE_HEADERS), st.sampled_from(LANGUAGE_COOKIES)).map(
        lambda pair: {"Accept-Language": pair[0], "Cookie": pair[1]}
    )


def preconditions():
    future = formatdate(2_000_000_000, usegmt=True)
    past = formatdate(1_000_000_000, usegmt=True)
    return st.one_of(
        st.just({}),
        st.sampled_from(["*", 'W/"0-0"', '"x"', "garbage", 'W/"*"']).map(
            lambda tag: {"If-None-Match": tag}
        ),
        st.sampled_from([future, past, "garbage", "Thu, 01 Jan 1970 00:00:00 GMT"]).map(
            lambda date: {"If-Modified-Since": date}
        ),
    )


def fresh_host(stack) -> str:
    return f"{secrets.token_hex(6)}.stack.invalid:{stack.nginx.port}"


def fetch(stack, host, target, headers):
    return stack.nginx.request(
        "GET", target, headers={"Host": host, "Accept-Encoding": "gzip", **headers}
    )


def describe(target, headers, response):
    return f"GET {target} {headers} -> {response.status}\n{response.text[:1500]}"


@settings(COMMON, max_examples=110)
@given(data=st.data())
def test_hostile_requests_get_no_server_error_and_no_markup(stack, data):
    target = data.draw(paths(stack), label="path")
    pairs = data.draw(st.lists(st.tuples(parameters(), values(stack)), max_size=6), label="query")
    how = data.draw(st.sampled_from(["quote", "plus", "loose"]), label="encoding")
    if pairs:
        target += "?" + query_string(pairs, how)
    headers = {
        **data.draw(language_headers(), label="language"),
        **data.draw(preconditions(), label="preconditions"),
    }
    if data.draw(st.booleans(), label="partial"):
        headers["X-Requested-With"] = "fetch"
    response = fetch(stack, fresh_host(stack), target, headers)
    assert response.status < 500, describe(target, headers, response)
    if response.is_html:
        assert PROBE not in response.text, describe(target, headers, response)


# --- The page cache never serves a body another request produced ----------------------


def twins(pairs):
    """Requests that a careless cache key may confuse with `pairs`, as (kind, pairs)."""
    kinds = ["language", "partial"]
    if len(pairs) >= 2:
        kinds.append("merged")
    if pairs:
        kinds.append("key-holds-value")
    kinds.append("reordered")
    return st.sampled_from(kinds)


def make_twin(kind, pairs, headers):
    twin_headers = dict(headers)
    if kind == "language":
        other = "fr" if headers.get("Cookie") == "django_language=en" else "en"
        twin_headers["Cookie"] = f"django_language={other}"
        return pairs, twin_headers
    if kind == "partial":
        if headers.get("X-Requested-With"):
            twin_headers.pop("X-Requested-With")
        else:
            twin_headers["X-Requested-With"] = "fetch"
        return pairs, twin_headers
    ordered = sorted(pairs)
    if kind == "merged":
        # One value holding what were two parameters: `a=1&b=2` vs `a=1%26b%3D2`.
        (k0, v0), (k1, v1), *rest = ordered
        return [(k0, f"{v0}&{k1}={v1}"), *rest], twin_headers
    if kind == "key-holds-value":
        # The `=` inside the key: `a=1` vs `a%3D1=`.
        (k0, v0), *rest = ordered
        return [(f"{k0}={v0}", ""), *rest], twin_headers
    return list(reversed(pairs)), twin_headers


def same_request(pairs_a, headers_a, pairs_b, headers_b) -> bool:
    """Whether the server sees the same request (then sharing a cache entry is right)."""

    def parsed(pairs):
        return sorted(parse_qsl(query_string(pairs, "quote"), keep_blank_values=True))

    return parsed(pairs_a) == parsed(pairs_b) and headers_a == headers_b


def normalised(response, host):
    return response.body.replace(host.encode(), b"HOST").replace(
        host.split(":")[0].encode(), b"HOSTNAME"
    )


@settings(COMMON, max_examples=60)
@given(data=st.data())
def test_the_cache_never_serves_a_body_another_request_produced(stack, data):
    path = data.draw(paths(stack, cacheable_only=True), label="path")
    pairs = data.draw(
        st.lists(st.tuples(st.sampled_from(PARAMETERS), values(stack)), max_size=4),
        label="query",
    )
    headers = data.draw(language_headers(), label="language")
    if data.draw(st.booleans(), label="partial"):
        headers["X-Requested-With"] = "fetch"
    kind = data.draw(twins(pairs), label="twin")
    twin_pairs, twin_headers = make_twin(kind, pairs, headers)

    def target(query_pairs):
        return path + ("?" + query_string(query_pairs, "quote") if query_pairs else "")

    host = fresh_host(stack)
    twin = fetch(stack, host, target(twin_pairs), twin_headers)
    assert twin.status < 500, describe(target(twin_pairs), twin_headers, twin)
    served = fetch(stack, host, target(pairs), headers)
    cold_host = fresh_host(stack)
    reference = fetch(stack, cold_host, target(pairs), headers)
    assert reference.header("X-Cache") != "hit"
    if same_request(pairs, headers, twin_pairs, twin_headers):
        return
    context = (
        f"after {target(twin_pairs)} {twin_headers} ({kind}), "
        f"{target(pairs)} {headers} was served X-Cache: {served.header('X-Cache')!r}"
    )
    assert served.status == reference.status, context
    assert normalised(served, host) == normalised(reference, cold_host), context


MISSING = [
    "/poles/pas-de-pole-ici/",
    "/territoires/nulle-part/",
    "/secteurs/aucun/",
    "/statistiques/aucun.csv",
]


@settings(COMMON, max_examples=40)
@given(data=st.data())
def test_not_modified_only_validates_a_page_that_is_there(stack, data):
    target = data.draw(st.one_of(paths(stack), st.sampled_from(MISSING)), label="path")
    pairs = data.draw(
        st.lists(st.tuples(st.sampled_from(PARAMETERS), values(stack)), max_size=2),
        label="query",
    )
    if pairs:
        target += "?" + query_string(pairs, "quote")
    language = data.draw(language_headers(), label="language")
    condition = data.draw(
        st.sampled_from(
            [
                {"If-None-Match": "*"},
                {"If-None-Match": 'W/"0-0"'},
                {"If-Modified-Since": formatdate(2_000_000_000, usegmt=True)},
                {"If-Modified-Since": formatdate(1_000_000_000, usegmt=True)},
            ]
        ),
        label="precondition",
    )
    host = fresh_host(stack)
    if data.draw(st.booleans(), label="cached first"):
        fetch(stack, host, target, language)
    response = fetch(stack, host, target, {**language, **condition})
    if response.status == 304:
        plain = fetch(stack, host, target, language)
        assert plain.status == 200, f"304 for {target} {condition}, whose page is {plain.status}"


# --- A deterministic sweep: every public path with each parameter holding what broke --


SWEEP = ["€", "%_%", "١", "—", "&", "a=b", "9" * 40, "\x00", "", "x" * 300, PROBE + ">"]
MIXED = "€%_%١—&a=b=" + PROBE + ">"


def sweep_targets(stack):
    data = stack.data
    region, departement = data["region"]["slug"], data["departement"]["slug"]
    every_path = [
        "/",
        "/poles/",
        f"/poles/{data['pole']['slug']}/",
        "/poles.geojson",
        "/poles.csv",
        "/poles/structures.csv",
        "/lieux.json",
        "/embed/",
        "/statistiques/",
        *(f"/statistiques/{slug}.csv" for slug in INDICATORS),
        f"/territoires/{region}/",
        f"/territoires/{region}/{departement}/",
        f"/secteurs/{data['sectors'][0]}/",
        "/donnees/",
        "/lieux.json",
        "/api/v1/poles/",
        "/api/v1/structures/",
    ]
    for path in every_path:
        for value in SWEEP:
            yield f"{path}?q={quote(value, safe='')}"
        for parameter in PARAMETERS:
            yield f"{path}?{parameter}={quote(MIXED, safe='')}"


def test_every_public_path_with_each_parameter_holding_what_broke_before(stack):
    """`/statistiques/?q=€` was a 500 on PostgreSQL (no letter or digit in `q`)."""
    from concurrent.futures import ThreadPoolExecutor

    def check(job):
        target, language = job
        response = fetch(stack, fresh_host(stack), target, {"Accept-Language": language})
        if response.status >= 500 or (response.is_html and PROBE in response.text):
            return f"GET {target} ({language}) -> {response.status}"
        return None

    # Both languages, alternately.
    jobs = [(target, ("fr", "en")[i % 2]) for i, target in enumerate(sweep_targets(stack))]
    with ThreadPoolExecutor(max_workers=4) as pool:
        failures = [failure for failure in pool.map(check, jobs) if failure]
    assert not failures, f"{len(failures)} of {len(jobs)} requests failed:\n" + "\n".join(
        failures[:40]
    )
