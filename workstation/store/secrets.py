"""Where session tokens live: the OS keychain through keyring, or memory in tests. Nowhere else."""

from __future__ import annotations

from typing import Protocol

from workstation.domain import messages as M

SERVICE = "workstation"


class SecretStoreUnavailable(RuntimeError):
    """No OS keychain can be reached; the caller must not fall back to storing secrets in plain text."""


class SecretStore(Protocol):
    def get(self, account: str) -> str | None: ...
    def set(self, account: str, secret: str) -> None: ...
    def delete(self, account: str) -> None: ...


class MemorySecretStore:
    """Secrets kept in this process only (tests, and sessions that must not persist a token)."""

    def __init__(self) -> None:
        self._secrets: dict[str, str] = {}

    def get(self, account: str) -> str | None:
        return self._secrets.get(account)

    def set(self, account: str, secret: str) -> None:
        self._secrets[account] = secret

    def delete(self, account: str) -> None:
        self._secrets.pop(account, None)


class KeyringSecretStore:
    """The OS keychain (Windows Credential Manager, Secret Service, macOS Keychain) via keyring."""

    def __init__(self, service: str = SERVICE) -> None:
        import keyring
        import keyring.backends.fail
        import keyring.errors

        self._keyring = keyring
        self._errors = keyring.errors
        self._service = service
        backend = keyring.get_keyring()
        if isinstance(backend, keyring.backends.fail.Keyring) or backend.priority <= 0:
            raise SecretStoreUnavailable(M.Msg(M.NO_KEYCHAIN))

    def get(self, account: str) -> str | None:
        try:
            return self._keyring.get_password(self._service, account)
        except self._errors.KeyringError as exc:
            raise SecretStoreUnavailable(M.Msg(M.KEYCHAIN_REFUSED, error=str(exc))) from exc

    def set(self, account: str, secret: str) -> None:
        try:
            self._keyring.set_password(self._service, account, secret)
        except self._errors.KeyringError as exc:
            raise SecretStoreUnavailable(M.Msg(M.KEYCHAIN_REFUSED_STORE, error=str(exc))) from exc

    def delete(self, account: str) -> None:
        try:
            self._keyring.delete_password(self._service, account)
        except self._errors.PasswordDeleteError:
            pass
        except self._errors.KeyringError as exc:
            raise SecretStoreUnavailable(M.Msg(M.KEYCHAIN_REFUSED, error=str(exc))) from exc


def keychain_cipher_state() -> str:
    """Whether the Secret Service's session cipher works in this build: "ok", "not used" (keyring
    has no Secret Service backend on this platform), or what failed.

    SecretStorage encrypts every secret it sends over D-Bus, and decrypts every one it reads, with
    AES through `cryptography`, which the frozen Linux bundle replaces by the interpreter's own
    libcrypto (packaging/bundle_policy.py, REPLACED). The self-test checks that path without a
    keychain: two Diffie-Hellman sessions agree on a key, one seals a secret as SecretStorage sends
    it, the other opens it as SecretStorage reads one."""
    import sys

    if not sys.platform.startswith("linux"):
        return "not used"
    secret = "self-test secret ✓"
    try:
        from cryptography.hazmat.backends import default_backend
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        from secretstorage.dhcrypto import Session
        from secretstorage.util import format_secret

        ours, theirs = Session(), Session()
        ours.set_server_public_key(theirs.my_public_key)
        theirs.set_server_public_key(ours.my_public_key)
        ours.object_path = "/self-test"
        _path, iv, sealed, _type = format_secret(ours, secret.encode(), "text/plain")
        assert theirs.aes_key is not None
        decryptor = Cipher(algorithms.AES(theirs.aes_key), modes.CBC(iv), default_backend()).decryptor()
        padded = decryptor.update(sealed) + decryptor.finalize()
        opened = padded[: -padded[-1]].decode()
    except Exception as exc:  # the report names what broke; the self-test fails on anything but "ok"
        return f"failed: {type(exc).__name__}: {str(exc)[:200]}"
    if secret.encode() in sealed or opened != secret:
        return "failed: the round trip did not return the secret"
    return "ok"
