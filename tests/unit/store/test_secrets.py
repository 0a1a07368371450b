"""Secrets only in a keychain; no keychain is a clear error, never a plain-text fallback."""

from __future__ import annotations

import keyring
import keyring.backend
import pytest
from keyring.backends import fail

from workstation.store.secrets import KeyringSecretStore, MemorySecretStore, SecretStoreUnavailable


class _DictKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.data.pop((service, username), None)


@pytest.fixture
def restore_keyring():  # type: ignore[no-untyped-def]
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


def test_no_keychain_is_a_clear_error(restore_keyring: None) -> None:
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(SecretStoreUnavailable, match="No system keychain"):
        KeyringSecretStore()


def test_keyring_store_round_trip(restore_keyring: None) -> None:
    backend = _DictKeyring()
    keyring.set_keyring(backend)
    store = KeyringSecretStore()
    store.set("demo@http://host", "tok-123")
    assert store.get("demo@http://host") == "tok-123"
    assert backend.data == {("workstation", "demo@http://host"): "tok-123"}
    store.delete("demo@http://host")
    assert store.get("demo@http://host") is None


def test_memory_store() -> None:
    store = MemorySecretStore()
    store.set("a", "b")
    assert store.get("a") == "b"
    store.delete("a")
    store.delete("a")
    assert store.get("a") is None
