"""Percent-encode the characters that a link cannot hold in stored web addresses.

Web addresses are now validated (poles.validators.validate_web_address): `<`, `"`,
spaces, a stray `%`… after the host are refused. A row saved before may hold them;
written percent-encoded, it is the same address for a browser and passes validation,
so an editor saving the record later is not stopped by a field they did not touch.
Only http(s) addresses are rewritten, and only when the result fits the column; any
other stays as it is (the public pages show it without a link, and the editor is told
at the next save).

The encoding is written out here rather than imported, so that this migration keeps
working whatever becomes of the application's code.
"""

import re
from urllib.parse import quote

from django.db import migrations

FIELDS = [
    ("Pole", "website"),
    ("Structure", "website"),
    ("Network", "website"),
    ("PoleSource", "url"),
]

_WEB_ADDRESS = re.compile(r"(https?://[^/?#]+)(.*)\Z", re.IGNORECASE | re.DOTALL)
# A `%` that starts no escape, or any character that is not a URL code point
# (the URL Standard's: ASCII letters, digits, !$&'()*+,-./:;=?@_~ and beyond U+009F).
_UNSAFE = re.compile(r"%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9!$&'()*+,\-./:;=?@_~%\u00a0-\U0010ffff]")


def _encode(text: str) -> str:
    return _UNSAFE.sub(lambda match: quote(match.group(), safe="", errors="replace"), text)


def encoded(value: str) -> str:
    match = _WEB_ADDRESS.match(value)
    if match is None:
        return value
    head, rest = match.groups()
    path_and_query, hash_sign, fragment = rest.partition("#")
    return head + _encode(path_and_query) + hash_sign + _encode(fragment)


def percent_encode_web_addresses(apps, schema_editor):
    for model_name, field_name in FIELDS:
        model = apps.get_model("poles", model_name)
        max_length = model._meta.get_field(field_name).max_length
        rows = model.objects.exclude(**{field_name: ""}).values_list("pk", field_name)
        for pk, value in rows.iterator():
            fixed = encoded(value)
            if fixed != value and len(fixed) <= max_length:
                model.objects.filter(pk=pk).update(**{field_name: fixed})


class Migration(migrations.Migration):
    dependencies = [
        ("poles", "0008_published_updated_index"),
    ]

    operations = [
        migrations.RunPython(percent_encode_web_addresses, migrations.RunPython.noop),
    ]
