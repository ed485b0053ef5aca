"""INSEE's catégorie juridique (the registry's `nature_juridique`) → the directory's
legal forms (reference list `poles.LegalForm`, by slug).

The codes are INSEE's nomenclature of catégories juridiques, level III (four digits),
https://www.insee.fr/fr/information/2028129. Two limits of that nomenclature:

- it has no code for the SCIC: a SCIC is registered as an "other SARL/SA
  cooperative" (5460, 5560, 5660) or as an SAS (5710), so the registry can only say
  "other cooperative" or "SAS"; staff keep a SCIC they typed (the form asks before
  replacing it, and `refresh_registry` never replaces what staff typed);
- a SCOP has its own codes (5458 SARL, 5558 and 5658 SA), an intermediary
  association too (9222).
"""

# Exact codes first; then the families by their first two digits; then "autre".
EXACT = {
    "1000": "entreprise-individuelle",  # Entrepreneur individuel
    # Cooperatives by law, whatever their company form.
    "5192": "cooperative-autre",  # Société coopérative de banque populaire
    "5193": "cooperative-autre",  # Caisse de crédit maritime mutuel
    "5194": "cooperative-autre",  # Caisse (fédérale) de crédit mutuel
    "5195": "cooperative-autre",  # Association coopérative inscrite (Alsace-Moselle)
    "5196": "cooperative-autre",  # Caisse d'épargne et de prévoyance à forme coopérative
    "5203": "cooperative-autre",  # SNC coopérative
    "5307": "cooperative-autre",  # SCS coopérative
    "5309": "cooperative-autre",  # SCA coopérative
    "5443": "cooperative-autre",  # SARL coopérative de construction
    "5451": "cooperative-autre",  # SARL coopérative de consommation
    "5453": "cooperative-autre",  # SARL coopérative artisanale
    "5454": "cooperative-autre",  # SARL coopérative d'intérêt maritime
    "5455": "cooperative-autre",  # SARL coopérative de transport
    "5458": "scop",  # SARL coopérative ouvrière de production (SCOP)
    "5459": "cooperative-autre",  # SARL union de sociétés coopératives
    "5460": "cooperative-autre",  # Autre SARL coopérative (SCIC among them)
    "5543": "cooperative-autre",  # SA coopérative de construction à CA
    "5547": "cooperative-autre",  # SA coopérative de production de HLM à CA
    "5551": "cooperative-autre",  # SA coopérative de consommation à CA
    "5552": "cooperative-autre",  # SA coopérative de commerçants-détaillants à CA
    "5553": "cooperative-autre",  # SA coopérative artisanale à CA
    "5554": "cooperative-autre",  # SA coopérative (d'intérêt) maritime à CA
    "5555": "cooperative-autre",  # SA coopérative de transport à CA
    "5558": "scop",  # SA coopérative ouvrière de production (SCOP) à CA
    "5559": "cooperative-autre",  # SA union de sociétés coopératives à CA
    "5560": "cooperative-autre",  # Autre SA coopérative à CA (SCIC among them)
    "5643": "cooperative-autre",  # SA coopérative de construction à directoire
    "5647": "cooperative-autre",  # Société coopérative de production de HLM à directoire
    "5651": "cooperative-autre",  # SA coopérative de consommation à directoire
    "5652": "cooperative-autre",  # SA coopérative de commerçants-détaillants à directoire
    "5653": "cooperative-autre",  # SA coopérative artisanale à directoire
    "5654": "cooperative-autre",  # SA coopérative d'intérêt maritime à directoire
    "5655": "cooperative-autre",  # SA coopérative de transport à directoire
    "5658": "scop",  # SA coopérative ouvrière de production (SCOP) à directoire
    "5659": "cooperative-autre",  # SA union de sociétés coopératives à directoire
    "5660": "cooperative-autre",  # Autre SA coopérative à directoire (SCIC among them)
    "6316": "cooperative-agricole",  # CUMA
    "6317": "cooperative-agricole",  # Société coopérative agricole
    "6318": "cooperative-agricole",  # Union de sociétés coopératives agricoles
    "6411": "mutuelle",  # Société d'assurance à forme mutuelle
    "6543": "cooperative-autre",  # Société civile coopérative de construction
    "6551": "cooperative-autre",  # Société civile coopérative de consommation
    "6554": "cooperative-autre",  # Société civile coopérative d'intérêt maritime
    "6558": "cooperative-autre",  # Société civile coopérative entre médecins
    "6560": "cooperative-autre",  # Autre société civile coopérative
    "6595": "cooperative-autre",  # Caisse locale de crédit mutuel
    "6596": "cooperative-autre",  # Caisse de crédit agricole mutuel
    # Local authorities and their groupings.
    "7210": "collectivite-territoriale",  # Commune et commune nouvelle
    "7220": "collectivite-territoriale",  # Département
    "7225": "collectivite-territoriale",  # Collectivité et territoire d'Outre-Mer
    "7229": "collectivite-territoriale",  # (Autre) Collectivité territoriale
    "7230": "collectivite-territoriale",  # Région
    "7312": "collectivite-territoriale",  # Commune associée et commune déléguée
    "7342": "epci",  # District urbain
    "7343": "epci",  # Communauté urbaine
    "7344": "epci",  # Métropole
    "7345": "epci",  # SIVOM
    "7346": "epci",  # Communauté de communes
    "7347": "epci",  # Communauté de villes
    "7348": "epci",  # Communauté d'agglomération
    "7353": "epci",  # SIVU
    "7354": "epci",  # Syndicat mixte fermé
    "7381": "chambre-consulaire",  # Organisme consulaire
    "7383": "universite",  # EPSCP (universities)
    "7410": "gip",  # Groupement d'intérêt public
    # Associations and foundations.
    "9210": "association",  # Association non déclarée
    "9220": "association",  # Association déclarée
    "9221": "association",  # Association déclarée d'insertion par l'économique
    "9222": "association-intermediaire",  # Association intermédiaire
    "9223": "association",  # Groupement d'employeurs (an association)
    "9230": "association",  # Association déclarée, reconnue d'utilité publique
    "9260": "association",  # Association de droit local (Bas-Rhin, Haut-Rhin, Moselle)
    "9300": "fondation",  # Fondation
}

FAMILIES = {
    "41": "etablissement-public",  # EPIC, régies industrielles et commerciales
    "54": "sarl",  # SARL (the cooperative ones are above)
    "55": "sa",  # SA à conseil d'administration
    "56": "sa",  # SA à directoire
    "57": "sas",  # SAS, SASU
    "73": "etablissement-public",  # Établissements publics locaux et nationaux
    "74": "etablissement-public",  # Other public-law bodies (GIP above)
    "82": "mutuelle",  # Mutuelles (8210), assurance mutuelle agricole, other mutuals
}

OTHER = "autre"


def legal_form_slug(code: str | None) -> str | None:
    """The slug of the directory's legal form for this catégorie juridique, or None
    when the registry gave no valid code."""
    code = (code or "").strip()
    if len(code) != 4 or not code.isdigit():
        return None
    return EXACT.get(code) or FAMILIES.get(code[:2]) or OTHER
