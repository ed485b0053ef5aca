"""The address of the client that sent a request, through a known number of proxies.

django-axes locks failed logins per username and client address. Behind the reverse
proxy, REMOTE_ADDR is the proxy's own address, the same for every visitor: keyed on it,
five wrong passwords from anywhere would lock the account for everyone. Each proxy
appends the address it received the request from to `X-Forwarded-For`, so with N
trusted proxies in front of the application (`TRUSTED_PROXY_COUNT`), the client is the
N-th address from the right of `X-Forwarded-For` followed by REMOTE_ADDR. Whatever the
client itself put in the header lies further left and is ignored: a forged header
cannot choose the address that gets locked.

Not django-ipware: its proxy count counts the header's entries, not the proxies, and
in its default strict mode a request whose header holds one more (forged) entry is not
resolved from the header at all, which would put every such client under the proxy's
address again.
"""

import ipaddress

from django.conf import settings


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address as the trusted proxies saw it (REMOTE_ADDR with none)."""
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    if trusted <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if remote:
        hops.append(remote)
    if not hops:
        return None
    # A request that did not cross every trusted proxy has fewer hops: its left-most
    # one is the nearest to the client that anyone recorded.
    candidate = hops[-(trusted + 1)] if len(hops) > trusted else hops[0]
    # A trusted proxy writes a valid address; anything else is not one of them.
    return _address(candidate) or remote
