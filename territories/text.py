"""Text normalisation shared by territory and pole search."""

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s'’\-]+")


def normalize(text: str) -> str:
    """Lower-case, accent-free, with apostrophes and hyphens as single spaces.

    "L'Île-Saint-Denis" -> "l ile saint denis", so that a visitor typing
    "ile saint denis" finds it on any database.
    """
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    return _SEPARATORS.sub(" ", stripped.lower()).strip()
