"""Which backend addresses the desktop may talk to without TLS: this computer only."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

#: Schemes that carry the session token and customer data in the clear.
PLAIN_SCHEMES = ("http", "ws")
SECURE_SCHEMES = ("https", "wss")

PLAIN_REFUSED = "plain HTTP is only allowed to this computer; use https://"


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 and "localhost" (and its subdomains, which resolve to loopback by RFC 6761)."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_transport_problem(url: str) -> str | None:
    """Why `url` must not be used (a plain http:// or ws:// URL to another computer), or None."""
    parts = urlsplit(url)
    if parts.scheme.lower() in PLAIN_SCHEMES and not is_loopback_host(parts.hostname or ""):
        return f"{PLAIN_REFUSED} (not {parts.scheme}://{parts.hostname or ''})"
    return None
