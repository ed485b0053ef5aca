from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siret as stdnum_siret

from .links import WEB_SCHEMES, rest_unsafe_characters, web_address_parts, web_href


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


WEB_ADDRESS_MESSAGE = _(
    "Enter a web address that starts with http:// or https://, "
    "as copied from the browser's address bar."
)
_url_validator = URLValidator(schemes=WEB_SCHEMES, message=WEB_ADDRESS_MESSAGE, code="web_address")


def _character_names(characters: list[str]) -> str:
    return ", ".join(str(_("spaces")) if char == " " else f"“{char}”" for char in characters)


def validate_web_address(value: str) -> None:
    """An http(s) address whose every character can stand in a link as such.

    Django's URL validation accepts `<`, `"` or `{` after the host (and ftp://): such
    an address makes an invalid link on the public pages. The message says which
    characters are wrong and gives the address with them percent-encoded, which is
    the same address for a browser."""
    if not value:
        return
    parts = web_address_parts(value)
    unsafe = rest_unsafe_characters(parts[1]) if parts else []
    if unsafe:
        raise ValidationError(
            _(
                "A web address cannot hold %(characters)s as such. "
                "Check it, or write it: %(suggestion)s"
            ),
            code="web_address_characters",
            params={"characters": _character_names(unsafe), "suggestion": web_href(value)},
        )
    _url_validator(value)
    if parts is None:
        raise ValidationError(WEB_ADDRESS_MESSAGE, code="web_address")
