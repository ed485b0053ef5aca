"""What the registry's answer says of one SIREN or SIRET, read defensively.

The answer's shape is the API's published OpenAPI schema (`/search`): `results[]` of
legal units (`siren`, `nom_complet`, `nom_raison_sociale`, `nature_juridique`,
`activite_principale`, `tranche_effectif_salarie`, `etat_administratif` A/C,
`date_fermeture`, `complements.est_ess`, `siege{siret, commune, etat_administratif,
date_fermeture…}`), and for a SIRET search `matching_etablissements[]` holding that
establishment alone (`etat_administratif` A for active, F for closed).
"""

import re
from dataclasses import dataclass
from datetime import date

from poles.models.structure import RegistryState

NAF_CODE = re.compile(r"^[0-9]{2}\.[0-9]{2}[A-Z]$")
COMMUNE_CODE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")
HEADCOUNT_CODE = re.compile(r"^(NN|[0-9]{2})$")


@dataclass(frozen=True)
class RegistryRecord:
    siren: str
    siret: str  # the establishment asked for, or the seat's for a SIREN
    name: str
    legal_category: str  # INSEE catégorie juridique (nature_juridique)
    naf_code: str
    commune_code: str  # the seat's commune
    headcount_code: str
    is_ess: bool | None
    state: str  # a RegistryState value
    closed_on: date | None


def _text(mapping, key) -> str:
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return value.strip() if isinstance(value, str) else ""


def _date(mapping, key) -> date | None:
    try:
        return date.fromisoformat(_text(mapping, key)[:10])
    except ValueError:
        return None


def _establishment(result: dict, siret: str) -> dict | None:
    if len(siret) == 9:
        return result.get("siege") if isinstance(result.get("siege"), dict) else {}
    candidates = result.get("matching_etablissements")
    for item in [*(candidates if isinstance(candidates, list) else []), result.get("siege")]:
        if isinstance(item, dict) and _text(item, "siret") == siret:
            return item
    return None


def _state(result: dict, establishment: dict) -> tuple[str, date | None]:
    if _text(establishment, "etat_administratif") == "F":
        return RegistryState.CLOSED, _date(establishment, "date_fermeture")
    if _text(result, "etat_administratif") == "C":  # the legal unit has ceased
        return RegistryState.CLOSED, _date(result, "date_fermeture")
    return RegistryState.ACTIVE, None


def _matching(value: str, pattern) -> str:
    return value if pattern.match(value) else ""


def parse_search(payload: dict, identifier: str) -> RegistryRecord | None:
    """The record of `identifier` (9-digit SIREN or 14-digit SIRET), or None when the
    answer does not hold it (unknown, or not public: the API leaves out the units
    that refused publication)."""
    results = payload.get("results") if isinstance(payload, dict) else None
    siren = identifier[:9]
    result = next(
        (
            item
            for item in (results if isinstance(results, list) else [])
            if isinstance(item, dict) and _text(item, "siren") == siren
        ),
        None,
    )
    if result is None:
        return None
    establishment = _establishment(result, identifier)
    if establishment is None:
        return None
    siege = result.get("siege") if isinstance(result.get("siege"), dict) else {}
    complements = result.get("complements") if isinstance(result.get("complements"), dict) else {}
    is_ess = complements.get("est_ess")
    state, closed_on = _state(result, establishment)
    return RegistryRecord(
        siren=siren,
        siret=_text(establishment, "siret") or identifier,
        name=(_text(result, "nom_raison_sociale") or _text(result, "nom_complet"))[:255],
        legal_category=_text(result, "nature_juridique"),
        naf_code=_matching(_text(result, "activite_principale"), NAF_CODE),
        commune_code=_matching(_text(siege, "commune"), COMMUNE_CODE),
        headcount_code=_matching(_text(result, "tranche_effectif_salarie"), HEADCOUNT_CODE),
        is_ess=is_ess if isinstance(is_ess, bool) else None,
        state=state,
        closed_on=closed_on,
    )
