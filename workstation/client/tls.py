"""The TLS trust the desktop uses for https and wss: always verified, never switched off.

"bundled" trusts the Mozilla CA set shipped with the app (certifi); "system" trusts what the
operating system trusts (Windows certificate store, macOS keychain, the distribution's CA files),
through truststore. Either may be extended by a PEM file of the company's own CAs.
"""

from __future__ import annotations

import ssl


class TlsConfigError(ValueError):
    """The configured trust cannot be set up (a CA file that cannot be read, an unknown choice)."""


def ssl_context(trust: str = "bundled", ca_bundle: str = "") -> ssl.SSLContext:
    """A client context that verifies certificates and host names; there is no way to turn that off."""
    if trust == "system":
        import truststore

        context: ssl.SSLContext = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    elif trust == "bundled":
        import certifi

        context = ssl.create_default_context(cafile=certifi.where())
    else:
        raise TlsConfigError(f'tls_trust must be "bundled" or "system", not {trust!r}')
    if ca_bundle:
        try:
            context.load_verify_locations(cafile=ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            raise TlsConfigError(f"tls_ca_bundle {ca_bundle}: {exc}") from exc
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def certificate_problem(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate verification failure behind `exc` (httpx and websockets wrap it), if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
