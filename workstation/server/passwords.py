"""Password hashing (scrypt), the dummy hash unknown users are checked against, and the password rule."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import unicodedata

#: scrypt cost: about 50 ms and 16 MiB per hash on a laptop core; run it off the event loop.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
#: Shortest password the admin commands accept for real users.
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256


def _scrypt(password: bytes, salt: bytes) -> bytes:
    # The one place the key derivation runs (tests count its calls).
    return hashlib.scrypt(password, salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    return f"scrypt${salt.hex()}${_scrypt(password.encode(), salt).hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches `stored`; a malformed stored hash still costs one scrypt run."""
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        scheme, salt, digest_hex = "", b"0" * 16, ""
    digest = _scrypt(password.encode(), salt)
    return scheme == "scrypt" and hmac.compare_digest(digest.hex(), digest_hex)


@functools.cache
def dummy_hash() -> str:
    """A hash no password matches, made once: unknown and disabled users are verified against it,
    so a failed sign-in costs the same one scrypt run whether or not the user exists."""
    return hash_password(secrets.token_urlsafe(32))


def password_problem(password: str) -> str | None:
    """Why `password` is not acceptable for a real user, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"A password needs at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"A password may have at most {MAX_PASSWORD_LENGTH} characters."
    if any(unicodedata.category(c) == "Cc" for c in password):
        return "A password must not contain control characters."
    if not password.strip():
        return "A password must not be blank."
    return None
