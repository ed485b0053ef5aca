"""Where a proposed new pole is: a commune, a département or a région, from what the
contributor typed (a name, an INSEE code, a postal code, or "Name (code)")."""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from territories.models import Commune, Departement, Region
from territories.text import normalize

_CODE_IN_PARENTHESES = re.compile(r"\(\s*([0-9][0-9AB]?[0-9]{0,3}|2[AB][0-9]{3})\s*\)\s*$", re.I)
_COMMUNE_CODE = re.compile(r"^(?:[0-9]{5}|2[AB][0-9]{3})$", re.I)
_DEPARTEMENT_CODE = re.compile(r"^(?:[0-9]{2}|2[AB]|97[1-6])$", re.I)
# How many homonymous communes an error message lists.
SHOWN_CANDIDATES = 6


class AmbiguousLocation(ValueError):
    pass


@dataclass
class Location:
    commune: Commune | None = None
    departement: Departement | None = None
    region: Region | None = None

    def __str__(self):
        return str(self.commune or self.departement or self.region or "")


def _by_code(code: str) -> Location | None:
    code = code.upper()
    if _COMMUNE_CODE.match(code):
        commune = Commune.objects.filter(code=code).select_related("departement").first()
        if commune is not None:
            return Location(commune=commune)
        # Not an INSEE code: perhaps a postal code, if it names one commune only.
        communes = list(Commune.objects.current().filter(postal_codes__contains=code)[:2])
        communes = [c for c in communes if code in c.postal_codes.split()]
        if len(communes) == 1:
            return Location(commune=communes[0])
        if len(communes) > 1:
            raise AmbiguousLocation(
                _("Several communes share the postal code %(code)s: give the commune's name.")
                % {"code": code}
            )
        return None
    if _DEPARTEMENT_CODE.match(code):
        # A two-digit code is both a département and (for some) a région: people
        # type département numbers, so the département wins.
        departement = Departement.objects.filter(code=code).first()
        if departement is not None:
            return Location(departement=departement)
    return None


def resolve_location(text: str) -> Location | None:
    """The commune, département or région `text` names, None when nothing matches.

    Raises AmbiguousLocation (with a message for the contributor) when the name is
    shared by several communes.
    """
    text = (text or "").strip()
    if not text:
        return None
    match = _CODE_IN_PARENTHESES.search(text)
    if match:
        found = _by_code(match.group(1))
        if found is not None:
            return found
        text = text[: match.start()].strip()
    if text[:1].isdigit() or text[:2].upper() in {"2A", "2B"}:
        return _by_code(text.replace(" ", ""))
    return _by_name(text)


def _by_name(text: str) -> Location | None:
    name = normalize(text)
    if not name:
        return None
    for region in Region.objects.all():
        if normalize(region.name) == name:
            return Location(region=region)
    for departement in Departement.objects.all():
        if normalize(departement.name) == name:
            return Location(departement=departement)
    communes = list(
        Commune.objects.current()
        .filter(search_name=name, kind=Commune.Kind.COMMUNE)
        .select_related("departement")
        .order_by("code")[: SHOWN_CANDIDATES + 1]
    )
    if len(communes) == 1:
        return Location(commune=communes[0])
    if len(communes) > 1:
        examples = ", ".join(str(commune) for commune in communes[:SHOWN_CANDIDATES])
        raise AmbiguousLocation(
            _(
                "Several communes are named “%(name)s”: add the INSEE code in parentheses, "
                "for example %(examples)s."
            )
            % {"name": text, "examples": examples}
        )
    return None
