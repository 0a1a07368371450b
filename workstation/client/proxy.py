"""Which proxy the desk's HTTP and WebSocket connections go through (the `proxy` setting).

"none": straight to the backend; "system": the operating system's proxy (environment variables on
Linux, the registry on Windows, System Configuration on macOS: `urllib.request.getproxies`,
honouring its bypass list); otherwise a URL ("http://proxy.example:3128"). The HTTP client and the
WebSocket client are given the same answer, so both reach the backend the same way.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from workstation.domain.transport import PROXY_NONE as NONE
from workstation.domain.transport import PROXY_SYSTEM as SYSTEM
from workstation.domain.transport import proxy_problem


def proxy_for(
    setting: str,
    target: str,
    *,
    system: Callable[[], Mapping[str, str]] = urllib.request.getproxies,
    bypass: Callable[[str], bool] = urllib.request.proxy_bypass,
) -> str | None:
    """The proxy URL for connections to `target` (an http(s) URL), or None for a direct connection.

    An invalid setting raises ValueError (the configuration layers have checked it already)."""
    problem = proxy_problem(setting)
    if problem is not None:
        raise ValueError(f"proxy {problem}")
    if setting == NONE:
        return None
    if setting != SYSTEM:
        return setting.rstrip("/")
    parts = urlsplit(target)
    host = parts.hostname or ""
    if not host or bypass(host):
        return None
    found = system().get(parts.scheme) or None
    if found is None or proxy_problem(found) is not None:
        return None  # an unusable system entry (a SOCKS proxy, say): straight, as without one
    return found.rstrip("/")
