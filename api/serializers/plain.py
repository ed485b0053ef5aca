"""The read serializers applied to the selectors' plain rows, without DRF's per-object
machinery.

`read.PoleDetail(row).data` builds a serializer, deep-copies its declared fields,
binds them and walks them through several method calls per value, for every
nested serializer of every member of a pole: a third of the time of a pole's
detail. `represent(read.PoleDetail, row)` gives the same data: it walks a plan made
once per serializer class from that serializer's own bound fields (the same names,
in the same order, the same nested and listed serializers), so that the serializers
stay the one declaration of what the API shows, for the OpenAPI document and for
the allow-list of tests/api/test_visibility.py alike.

Per value it does what `Serializer.to_representation` does: a missing key is the
field's default, null or omitted as DRF decides (the field's own `get_attribute`);
`None` stays `None`; a text, whole number or float field converts with `str`, `int`
or `float` as its `to_representation` does; every other field (dates, booleans that
are not `bool`, lists, dicts, choices) is its own `to_representation`. A row that is
not a mapping (a model instance) goes through DRF itself. Rows are plain data: a
callable value is not called, as DRF would call it (the selectors never put one).
"""

from collections.abc import Mapping
from functools import cache

from django.db.models.manager import BaseManager
from rest_framework import serializers
from rest_framework.fields import SkipField

# Fields whose `to_representation` is exactly one conversion (subclasses may differ:
# BigIntegerField may give a string, so only these classes themselves).
CONVERSIONS = {
    serializers.CharField: str,
    serializers.IntegerField: int,
    serializers.FloatField: float,
}
_MISSING = object()


def represent(serializer_class, data, *, many: bool = False):
    """What `serializer_class(data, many=many).data` holds, as plain dicts and lists."""
    plan = _plan(serializer_class)
    if many:
        return [plan(row) for row in data]
    return plan(data)


@cache  # one plan per serializer class, for the process: classes do not change
def _plan(serializer_class):
    return _object_plan(serializer_class())


def _object_plan(serializer):
    steps = []
    for field in serializer.fields.values():
        if field.write_only:
            continue
        # A field read from its own key; any other source (dotted, "*") goes through
        # the field's `get_attribute` (no row has the key `_MISSING`).
        key = field.field_name if field.source_attrs == [field.field_name] else _MISSING
        steps.append((field.field_name, key, field, _value_plan(field)))

    def plan(row):
        if not isinstance(row, Mapping):
            return serializer.to_representation(row)
        result = {}
        for name, key, field, convert in steps:
            try:
                value = row[key]
            except KeyError:
                try:
                    value = field.get_attribute(row)
                except SkipField:
                    continue
            result[name] = None if value is None else convert(value)
        return result

    return plan


def _value_plan(field):
    if isinstance(field, serializers.ListSerializer):
        child = _object_plan(field.child)

        def many(items):
            if isinstance(items, BaseManager):
                items = items.all()
            return [child(item) for item in items]

        return many
    if isinstance(field, serializers.Serializer):
        return _object_plan(field)
    if type(field) in CONVERSIONS:
        return CONVERSIONS[type(field)]
    if type(field) is serializers.BooleanField:
        to_representation = field.to_representation
        return lambda value: value if value is True or value is False else to_representation(value)
    return field.to_representation
