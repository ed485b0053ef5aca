from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siret as stdnum_siret


def normalize_siret(value: str) -> str:
    """Remove the spaces and dots people type in SIRET numbers."""
    return stdnum_siret.compact(value or "")


def validate_siret(value: str) -> None:
    """A SIRET: 14 digits, Luhn key (La Poste's establishments use their own rule)."""
    if not value:
        return
    try:
        stdnum_siret.validate(value)
    except InvalidLength as exc:
        raise ValidationError(
            _("A SIRET number has 14 digits (this one has %(count)s)."),
            code="siret_length",
            params={"count": len(normalize_siret(value))},
        ) from exc
    except InvalidChecksum as exc:
        raise ValidationError(
            _("This SIRET number's check key is wrong: check for a mistyped digit."),
            code="siret_checksum",
        ) from exc
    except StdnumError as exc:
        raise ValidationError(
            _("A SIRET number has 14 digits and nothing else."), code="siret_format"
        ) from exc
