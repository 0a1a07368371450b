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
