"""`default_backend()`: SecretStorage passes it to `Cipher`; the bundle has one backend, libcrypto."""

from __future__ import annotations


class _OpenSSLBackend:
    name = "openssl"


_BACKEND = _OpenSSLBackend()


def default_backend() -> _OpenSSLBackend:
    return _BACKEND
