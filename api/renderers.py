from rest_framework import renderers


class JSONRenderer(renderers.JSONRenderer):
    """Compact UTF-8 JSON (`ensure_ascii` off: French names stay readable and short;
    no charset parameter: JSON is UTF-8 by definition, RFC 8259)."""

    ensure_ascii = False
    compact = True


class ProblemJSONRenderer(JSONRenderer):
    """RFC 9457 problem details."""

    media_type = "application/problem+json"
