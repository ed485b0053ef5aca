"""The SIRET input that looks the number up in the registry as staff type it."""

import json

from django import forms
from django.utils.translation import gettext as _


def lookup_messages() -> str:
    """What the script says before (or without) an answer from the server."""
    return json.dumps(
        {
            "searching": _("Looking this number up in the SIRENE registry…"),
            "failed": _(
                "The SIRENE registry cannot be reached just now: fill in the fields by "
                "hand, or try again later."
            ),
        }
    )


class SiretLookupInput(forms.TextInput):
    """A text input carrying `data-siret-lookup="<look-up URL>"`.

    The script (registry/siret_lookup.js) listens on the whole document, so any input
    with that attribute works, including inline rows added later. It fills the fields
    named like the SIRET input with `siret` replaced by `name`, `legal_form`,
    `naf_code`, `commune`, `headcount_band`, `is_ess` and `registry_token`
    (`siret` → `name`; `memberships-0-new_structure_siret` →
    `memberships-0-new_structure_name`, as in the pole form's new-structure rows).
    """

    def __init__(self, *, lookup_url: str, attrs=None):
        super().__init__(attrs)
        self.lookup_url = lookup_url

    @property
    def media(self):
        return forms.Media(
            css={"all": ["registry/siret_lookup.css"]}, js=["registry/siret_lookup.js"]
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(
            {
                "data-siret-lookup": self.lookup_url,
                "data-siret-lookup-messages": lookup_messages(),
                "autocomplete": "off",
                "inputmode": "numeric",
            }
        )
        return context
