"""The open data files and their Table Schema, as strict consumers read them.

Table Schema v1 says a field's `pattern` is an XML Schema regular expression: it
always matches the whole value, `^` and `$` are plain characters and there is no
`(?:…)` group. Patterns written for Python (`^(?:…)$`) are rejected or misread by
such consumers. Here:

- each pattern is checked for the constructs that dialect lacks, then applied the
  XML Schema way (elementpath's translation of XSD 1.0 regular expressions) to every
  value of the seed's CSV files;
- frictionless (the reference implementation of Table Schema) validates each served
  schema as a Table Schema, and each CSV against its schema, and reports them valid.
"""

import csv
import json
import re

import frictionless
import pytest
from elementpath.regex import translate_pattern

from opendata.exports import (
    COMMUNE_PATTERN,
    DEPARTEMENT_PATTERN,
    EXPORTS,
    HEADCOUNT_BAND_PATTERN,
    REGION_PATTERN,
    SIRET_PATTERN,
    SLUG_LIST_PATTERN,
    SLUG_PATTERN,
)

FILES = {"poles": "/poles.csv", "structures": "/poles/structures.csv"}

# What a Python regex may hold that XML Schema's dialect does not: anchors, `(?…)`
# groups (non-capturing, named, look-around, flags), lazy or possessive quantifiers,
# Python-only escapes. `^` is allowed only as the negation of a character class.
NOT_PORTABLE = re.compile(
    r"""
      (?<!\\)\$                 # an end anchor
    | (?<![\\\[])\^             # a start anchor (`[^…]` is allowed)
    | \(\?                      # (?: (?= (?! (?<…) (?P<…> (?i)
    | [*+?}][?+]                # lazy or possessive quantifiers
    | \\[AZbBgG0-9]             # anchors, boundaries and back-references
    """,
    re.VERBOSE,
)


def xsd_matcher(pattern: str):
    """The pattern read as an XML Schema consumer reads it: anchored implicitly, `^`
    and `$` as literal characters. Raises on syntax that XSD 1.0 refuses."""
    return re.compile(translate_pattern(pattern, xsd_version="1.0", anchors=False))


def schema_patterns(schema: dict) -> dict[str, str]:
    return {
        field["name"]: field["constraints"]["pattern"]
        for field in schema["fields"]
        if "pattern" in field.get("constraints", {})
    }


def test_every_pattern_is_written_in_the_portable_dialect():
    for export in EXPORTS.values():
        for name, pattern in schema_patterns(export.schema()).items():
            assert not NOT_PORTABLE.search(pattern), (export.slug, name, pattern)
            xsd_matcher(pattern)  # XSD 1.0 syntax


@pytest.mark.parametrize(
    ("pattern", "accepted", "refused"),
    [
        (COMMUNE_PATTERN, ["76540", "2A004", "97411"], ["7654", "765400", "2C004", "^76540$"]),
        (DEPARTEMENT_PATTERN, ["76", "2A", "974"], ["7", "2C", "975x", "760"]),
        (REGION_PATTERN, ["28", "04"], ["2", "280"]),
        (SLUG_PATTERN, ["bou-sol", "Pole_2"], ["bou sol", "", "é"]),
        (SLUG_LIST_PATTERN, ["", "a", "a-b|c|d-1"], ["a|", "|a", "a||b", "A", "a b"]),
        (SIRET_PATTERN, ["73282932000074"], ["7328293200007", "7328293200007x"]),
        (HEADCOUNT_BAND_PATTERN, ["NN", "00", "53"], ["N", "NNN", "5", "NN0"]),
    ],
)
def test_patterns_mean_the_same_to_xml_schema_python_and_frictionless(pattern, accepted, refused):
    anchored = re.compile(f"^{pattern}$")  # as frictionless applies it
    for reader in (xsd_matcher(pattern).match, re.compile(pattern).fullmatch, anchored.match):
        assert all(reader(value) for value in accepted), (pattern, accepted)
        assert not any(reader(value) for value in refused), (pattern, refused)


def test_seed_files_and_schemas_are_valid_for_strict_consumers(client, seeded, tmp_path):
    """Each served schema is a valid Table Schema; frictionless finds each CSV valid
    against it; every value matches its pattern read the XML Schema way. One test for
    the three, so the seed is loaded once."""
    checked = 0
    for export, url in FILES.items():
        response = client.get(url)
        assert response.status_code == 200
        (tmp_path / f"{export}.csv").write_bytes(b"".join(response.streaming_content))
        response = client.get(f"/donnees/schema-{export}.json")
        assert response.status_code == 200
        schema = json.loads(response.content)

        report = frictionless.Schema.validate_descriptor(schema)
        assert report.valid, (export, report.flatten(["type", "note"]))

        resource = frictionless.Resource(
            path=f"{export}.csv",
            basepath=str(tmp_path),
            schema=frictionless.Schema.from_descriptor(schema),
        )
        report = frictionless.validate(resource)
        assert report.valid, (export, report.flatten(["rowNumber", "fieldName", "type", "note"]))
        assert report.task.stats["rows"] > 10, export

        with (tmp_path / f"{export}.csv").open(encoding="utf-8", newline="") as file:
            rows = list(csv.DictReader(file))
        for name, pattern in schema_patterns(schema).items():
            matcher = xsd_matcher(pattern)
            for row in rows:
                if row[name]:
                    assert matcher.match(row[name]), (export, name, row[name], pattern)
                    checked += 1
    assert checked > 50
