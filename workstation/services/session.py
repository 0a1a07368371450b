"""Sign-in, the remembered session token (keychain only) and the agent's presence."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from workstation.client.api import AuthError, BackendApi
from workstation.domain.models import Agent, Presence, PresenceChange
from workstation.store.secrets import SecretStore, SecretStoreUnavailable

log = logging.getLogger(__name__)


def token_account(server_url: str, username: str) -> str:
    """The keychain account name a token is filed under."""
    return f"{username}@{server_url.rstrip('/')}"


class SessionService(QObject):
    """Who is signed in, and their presence.

    Signals: `presence_changed(str presence, str reason)`, `keychain_problem(str message)`.
    """

    presence_changed = Signal(str, str)
    keychain_problem = Signal(object)  # a Msg the desk shows translated

    def __init__(self, api: BackendApi, secrets: SecretStore | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api = api
        self._secrets = secrets
        self.agent: Agent | None = None
        self.presence = Presence.OFFLINE

    async def login(self, username: str, password: str, *, remember: bool) -> Agent:
        session = await self._api.login(username, password)
        self.agent = session.agent
        self.presence = session.agent.presence
        if remember:
            self._remember(username, session.token)
        return session.agent

    async def restore(self, username: str) -> Agent | None:
        """Sign in with the token remembered in the keychain, if it is still valid."""
        if self._secrets is None:
            return None
        account = token_account(self._api.base_url, username)
        try:
            token = self._secrets.get(account)
        except SecretStoreUnavailable as exc:
            self.keychain_problem.emit(exc.args[0] if exc.args else str(exc))
            return None
        if not token:
            return None
        self._api.set_token(token)
        try:
            self.agent = await self._api.me()
        except AuthError:
            self._api.set_token(None)
            self._forget(account)
            return None
        self.presence = self.agent.presence
        return self.agent

    async def logout(self) -> None:
        if self.agent is not None:
            self._forget(token_account(self._api.base_url, self.agent.username))
        try:
            await self._api.logout()
        finally:
            self.agent = None

    def _remember(self, username: str, token: str) -> None:
        if self._secrets is None:
            return
        try:
            self._secrets.set(token_account(self._api.base_url, username), token)
        except SecretStoreUnavailable as exc:
            # Never a plain-text fallback: the token stays in memory for this session only.
            self.keychain_problem.emit(exc.args[0] if exc.args else str(exc))

    def _forget(self, account: str) -> None:
        if self._secrets is None:
            return
        try:
            self._secrets.delete(account)
        except SecretStoreUnavailable as exc:
            self.keychain_problem.emit(exc.args[0] if exc.args else str(exc))

    def note_presence(self, presence: Presence, reason: str = "") -> None:
        if presence != self.presence:
            self.presence = presence
            self.presence_changed.emit(presence.value, reason)

    def on_pushed(self, change: PresenceChange) -> None:
        if self.agent is not None and change.agent_id == self.agent.id:
            self.note_presence(change.presence, change.reason or "")
