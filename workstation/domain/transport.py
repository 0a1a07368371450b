"""Which backend addresses the desktop may talk to without TLS: this computer only."""

from __future__ import annotations

import ipaddress
from typing import Final
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


# --- the proxy setting ("none", "system" or a URL; used by workstation/client/proxy.py) ---

PROXY_NONE: Final = "none"
PROXY_SYSTEM: Final = "system"
#: Proxy URL schemes both httpx and websockets speak without extra packages.
PROXY_SCHEMES: Final = ("http", "https")


def proxy_problem(value: str) -> str | None:
    """Why `value` is not a proxy setting (None: it is one), in words for the settings dialog."""
    if value in (PROXY_NONE, PROXY_SYSTEM):
        return None
    hint = 'must be "none", "system" or a proxy URL such as "http://proxy.example:3128"'
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return hint
    if parts.scheme not in PROXY_SCHEMES or not parts.hostname:
        return hint
    if port is None and not parts.netloc.endswith(parts.hostname):
        return hint
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return hint + " (no path)"
    if any(c.isspace() for c in value):
        return hint
    return None
