"""The look-up endpoint of the structure form: JSON for the form's script.

Reached only through the admin (editors.admin.registry wraps it in `admin_view` and
checks the structure permissions): the public never calls the registry.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from poles.models import Structure
from poles.models.structure import RegistryState

from . import provenance, services
from .client import RegistryUnavailable

WINDOW_SECONDS = 60


def over_user_limit(user) -> bool:
    """Each staff member may look up REGISTRY_LOOKUPS_PER_MINUTE numbers a minute: the
    registry's limit is shared by the whole site."""
    key = f"ptce:registry:user:{user.pk}:{int(time.time() // WINDOW_SECONDS)}"
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, WINDOW_SECONDS)
        count = 1
    return count > settings.REGISTRY_LOOKUPS_PER_MINUTE


def _field(value) -> dict:
    if isinstance(value, bool):
        return {"value": "true" if value else "false", "label": _("yes") if value else _("no")}
    return {"value": provenance.canonical(value), "label": str(value)}


def _state_message(record) -> str:
    if record.state == RegistryState.CLOSED:
        if record.closed_on:
            return _("The registry says this establishment closed on %(date)s.") % {
                "date": formats.date_format(record.closed_on, "SHORT_DATE_FORMAT")
            }
        return _("The registry says this establishment is closed.")
    return ""


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"found": False, "message": message}, status=status)


def _found(answer) -> JsonResponse:
    record = answer.record
    fields = {
        name: {**_field(value), "verbose_name": str(Structure._meta.get_field(name).verbose_name)}
        for name, value in answer.values.items()
        if value is not None
    }
    message = _("Found in the SIRENE registry: %(name)s.") % {"name": record.name}
    state_message = _state_message(record)
    return JsonResponse(
        {
            "found": True,
            "siren": record.siren,
            "siret": record.siret,
            "state": record.state,
            "state_message": state_message,
            "message": f"{message} {state_message}".strip(),
            "fields": fields,
            "token": provenance.sign(answer),
            "texts": {
                "filled": _("Filled from the registry: %(fields)s."),
                "conflicts": _(
                    "The registry gives other values for what you typed: %(fields)s. Replace them?"
                ),
                "replace": _("Use the registry's values"),
                "keep": _("Keep mine"),
                "siretFromSiren": _("The SIRET of the seat was filled in."),
            },
        }
    )


@never_cache
def lookup_json(request) -> JsonResponse:
    """`?q=` a SIREN or SIRET → what the registry says, as the form's fields take it."""
    if over_user_limit(request.user):
        return _error(_("Too many look-ups in a minute: wait a moment and try again."), 429)
    try:
        answer = services.lookup(request.GET.get("q", "")[:40])
    except ValidationError as error:
        return _error(" ".join(error.messages), 400)
    except RegistryUnavailable:
        return _error(
            _(
                "The SIRENE registry cannot be reached just now: fill in the fields by "
                "hand, or try again later."
            ),
            503,
        )
    if not answer.found:
        return _error(
            _(
                "This number is not in the public SIRENE registry (unknown, or its holder "
                "refused publication)."
            ),
            404,
        )
    return _found(answer)
