"""Settings of the voice channel (apart from voice.py so the backend package holds them without a cycle)."""

from __future__ import annotations

from dataclasses import dataclass, field

from workstation.domain.voice import AFTER_CALL_CODE


@dataclass(slots=True)
class VoiceConfig:
    #: Shared secret the SIP proxy sends in `X-Voice-Key`; empty disables the proxy's endpoints (403).
    key: str = ""
    #: The SIP digest realm the proxy challenges in (kamailio.cfg SIP_REALM, "workstation" by
    #: default): SIP passwords are stored as HA1 for this realm, so changing it invalidates them.
    sip_realm: str = "workstation"
    #: How long the routing endpoint waits for an agent to be offered a call before the call is
    #: queued (the caller hears "182 Queued", voice_queue.py), or, with no queue, refused with 480.
    #: A SIP worker of the proxy waits meanwhile; its http_client timeout must be longer (kamailio.cfg).
    route_wait_s: float = 2.0
    #: The callers' waiting queue: how long a caller waits at most for an agent after `route_wait_s`;
    #: then the caller hears `queue_timeout_code` with `queue_timeout_reason`. 0: no queue.
    queue_max_wait_s: float = 120.0
    queue_timeout_code: int = 480
    queue_timeout_reason: str = "No agent available"
    #: While an agent has a call (offered or answered), no new chat is offered to them.
    blocks_chats: bool = True
    #: A registration is trusted for its expiry plus this grace (a re-REGISTER may come late).
    registration_grace_s: float = 10.0
    #: After-call work (from the end of the call to the wrap-up) is closed by the backend after this
    #: many seconds with the wrap-up code below; 0: no limit.
    after_call_work_s: float = 120.0
    after_call_code: str = AFTER_CALL_CODE
    #: Country code that national numbers ("030 …") are read in, to match callers to customers.
    country_code: str = "49"
    #: Desk-phone mode, per agent: agent username -> the SIP user of their own desk phone. Such an
    #: agent's calls ring that phone, and only once they accepted the offer on the desk; their
    #: registration is the desk phone's.
    desk_phones: dict[str, str] = field(default_factory=dict)
    #: How long the caller waits for a desk-phone agent to accept (beyond `route_wait_s`); the proxy's
    #: http_client timeout must exceed both together (kamailio.cfg: HTTP_TIMEOUT, 15 s).
    desk_phone_accept_s: float = 6.0
