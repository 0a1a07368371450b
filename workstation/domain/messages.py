"""Texts the domain produces for people, as message ids with parameters.

A `Msg` *is* its English text (a `str`), so the command-line tools, logs and JSON keep printing
exactly what they printed before; it also carries its template (the message id) and parameters,
so the desktop renders it in the agent's language (`workstation/ui/domain_text.py`: Qt's
translation of the template, parameters formatted with the agent's locale).

Every template is written inside `QT_TRANSLATE_NOOP("domain", ...)` so `pyside6-lupdate` extracts it into the
catalogues (`packaging/update_translations.py` reads this file); the domain imports no Qt, so that
is a plain function here with the name and shape lupdate recognises.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from workstation.domain.routing_expr import Unmet


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks `text` for extraction by lupdate (which knows this name); returns it unchanged."""
    return text


class Msg(str):
    """English text that remembers its template and parameters (parameters may be Msgs too)."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, _text: str | None = None, **params: Any) -> Msg:
        """`_text`: the English text when it is not simply `template.format(**params)`."""
        text = _text
        if text is None:
            try:
                text = template.format(**params)
            except (KeyError, IndexError, ValueError, AttributeError):
                text = template
        self = super().__new__(cls, text)
        self.template = template
        self.params = params
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.template, str(self), self.params))


def _rebuild(template: str, text: str, params: dict[str, Any]) -> Msg:
    return Msg(template, _text=text, **params)


class Joined(str):
    """Several messages joined by a separator, each still translatable."""

    parts: tuple[str, ...]
    separator: str

    def __new__(cls, parts: Iterable[str], separator: str = "; ") -> Joined:
        items = tuple(parts)
        self = super().__new__(cls, separator.join(items))
        self.parts = items
        self.separator = separator
        return self


# --- relevance: why something is not shown -----------------------------------------------------------

NO_EVIDENCE: Final = QT_TRANSLATE_NOOP(
    "domain", "weak evidence: nothing in the history or the customer record behind it"
)
DONE_HERE: Final = QT_TRANSLATE_NOOP("domain", "done in this conversation")
DISMISSED_HERE: Final = QT_TRANSLATE_NOOP("domain", "dismissed here: {reason}")
LESS_RELEVANT: Final = QT_TRANSLATE_NOOP("domain", "less relevant than the cards shown")
NOT_RELEVANT_NOW: Final = QT_TRANSLATE_NOOP("domain", "not relevant enough now")
NOT_CURRENT: Final = QT_TRANSLATE_NOOP("domain", "not current: {why}")
NOT_ALLOWED: Final = QT_TRANSLATE_NOOP("domain", "{action} only {conditions}")
#: the policy expression and its values, for team leads who tune the catalogue
NOT_ALLOWED_DETAIL: Final = QT_TRANSLATE_NOOP("domain", "not allowed: {why}")

# Policy conditions in plain words, keyed by (attribute, operator). {value} is this customer's.
CONDITIONS: Final[Mapping[tuple[str, str], str]] = {
    ("customer.value_tier", "IN"): QT_TRANSLATE_NOOP(
        "domain", "for {expected} customers (this customer: {value})"
    ),
    ("customer.clv", ">="): QT_TRANSLATE_NOOP(
        "domain", "from a customer value of {expected} (this customer: {value})"
    ),
    ("situation.service_failure", "=="): QT_TRANSLATE_NOOP("domain", "after a service failure on our side"),
    ("situation.order_state", "IN"): QT_TRANSLATE_NOOP("domain", "while the order is on its way"),
    ("situation.open", "=="): QT_TRANSLATE_NOOP("domain", "while the matter is still open"),
    ("situation.severity", "=="): QT_TRANSLATE_NOOP("domain", "for serious complaints"),
    ("situation.contact_number", ">="): QT_TRANSLATE_NOOP(
        "domain", "from contact no. {expected} on the matter (now: {value})"
    ),
    ("customer.consents.cobrowse", "=="): QT_TRANSLATE_NOOP(
        "domain", "if the customer has agreed to cobrowsing"
    ),
    ("interaction.web_context", "=="): QT_TRANSLATE_NOOP("domain", "while the customer is on the web site"),
    ("situation.needs_specialist", "=="): QT_TRANSLATE_NOOP("domain", "when a specialist is needed"),
    ("customer.consents.marketing", "=="): QT_TRANSLATE_NOOP(
        "domain", "with the customer's marketing consent"
    ),
    ("context.open_problems", "=="): QT_TRANSLATE_NOOP(
        "domain", "when no problem is open (open now: {value})"
    ),
    ("context.cancellation_intent", "=="): QT_TRANSLATE_NOOP(
        "domain", "when the customer does not want to cancel"
    ),
    ("situation.refunded", "=="): QT_TRANSLATE_NOOP("domain", "before the refund is made"),
    ("situation.active", "=="): QT_TRANSLATE_NOOP("domain", "while it is current"),
    ("situation.kind", "=="): QT_TRANSLATE_NOOP("domain", "in a different situation"),
}
OR: Final = QT_TRANSLATE_NOOP("domain", " or ")
AND: Final = QT_TRANSLATE_NOOP("domain", " and ")

# --- relevance: why a card is shown ------------------------------------------------------------------

TIER_CUSTOMER: Final = QT_TRANSLATE_NOOP("domain", "{tier} customer, CLV {clv}")
AGREED_COBROWSE: Final = QT_TRANSLATE_NOOP("domain", "has agreed to cobrowsing")
MARKETING_OK: Final = QT_TRANSLATE_NOOP("domain", "marketing consent given, no open problem")
RANKED_LOWER: Final = QT_TRANSLATE_NOOP(
    "domain", "ranked lower: agents dismissed it {count}× in similar {channel}s"
)
TAKEN_BEFORE: Final = QT_TRANSLATE_NOOP("domain", "agents took this {count}× in similar {channel}s")
ASKING_ABOUT: Final = QT_TRANSLATE_NOOP("domain", "customer is asking about {topic}")
CALL_ABOUT: Final = QT_TRANSLATE_NOOP("domain", "call is about {topic}")
READ_ABOUT: Final = QT_TRANSLATE_NOOP("domain", "searched or read about {topic} in this visit")
MENTIONS: Final = QT_TRANSLATE_NOOP("domain", "customer mentions {things}")
MENTIONS_THE: Final = QT_TRANSLATE_NOOP("domain", "customer mentions the {thing}")
NOT_FIRST_TIME: Final = QT_TRANSLATE_NOOP("domain", "customer says it is not the first time")

# --- cobrowse: why the agent can or cannot invite ----------------------------------------------------

COBROWSE_NOT_ACTIVE: Final = QT_TRANSLATE_NOOP("domain", "The conversation is not active.")
COBROWSE_NEEDS_CHAT: Final = QT_TRANSLATE_NOOP("domain", "Cobrowse needs a web chat.")
COBROWSE_REFUSED: Final = QT_TRANSLATE_NOOP(
    "domain", "The customer has refused cobrowse (no cobrowse consent)."
)
COBROWSE_DECLINED: Final = QT_TRANSLATE_NOOP("domain", "The customer declined cobrowse in this conversation.")
COBROWSE_RUNNING: Final = QT_TRANSLATE_NOOP("domain", "A cobrowse session is already {state}.")
COBROWSE_OFFLINE: Final = QT_TRANSLATE_NOOP(
    "domain", "The customer is not on the web site now (no page with the chat is open)."
)
COBROWSE_OK: Final = QT_TRANSLATE_NOOP("domain", "Invite the customer to share their web page with you.")


# --- the backend: why it refused a request (the error body's "message_id" and "params") --------------
# The backend words these in English for API clients ("message") and names the template, so the desk
# shows them in the agent's language; the desk accepts only ids listed in SERVER_REFUSALS.

CONVERSATION_CLOSED: Final = QT_TRANSLATE_NOOP("domain", "The conversation is already closed.")
CONVERSATION_NOT_ACTIVE: Final = COBROWSE_NOT_ACTIVE
EMPTY_MESSAGE: Final = QT_TRANSLATE_NOOP("domain", "A message must not be empty.")
AGENT_MESSAGE_TOO_LONG: Final = QT_TRANSLATE_NOOP(
    "domain", "An agent message may have at most {limit} characters; this one has {length}."
)
NO_OFFER: Final = QT_TRANSLATE_NOOP("domain", "No offer {offer_id}.")
OFFER_EXPIRED: Final = QT_TRANSLATE_NOOP("domain", "The offer has expired.")
UNKNOWN_WRAPUP_CODE: Final = QT_TRANSLATE_NOOP("domain", "Unknown wrap-up code '{code}'.")
EMPTY_NOTE: Final = QT_TRANSLATE_NOOP("domain", "A note must not be empty.")
NOTE_TOO_LONG: Final = QT_TRANSLATE_NOOP("domain", "A note may have at most {limit} characters.")
REASON_REQUIRED: Final = QT_TRANSLATE_NOOP("domain", "A dismissal needs a reason.")
INVALID_CREDENTIALS: Final = QT_TRANSLATE_NOOP("domain", "Unknown user or wrong password.")
TOKEN_MISSING: Final = QT_TRANSLATE_NOOP("domain", "Missing bearer token.")
TOKEN_INVALID: Final = QT_TRANSLATE_NOOP("domain", "Invalid or expired token.")
TOKEN_USER_GONE: Final = QT_TRANSLATE_NOOP("domain", "The user of this token no longer exists.")

# --- the backend: team-lead refusals and what it says in a conversation ------------------------------

NOT_WAITING: Final = QT_TRANSLATE_NOOP("domain", "The conversation is {state}, not waiting.")
UNKNOWN_QUEUE: Final = QT_TRANSLATE_NOOP("domain", "There is no queue '{queue_id}'.")
NO_CONVERSATION: Final = QT_TRANSLATE_NOOP("domain", "No conversation {conversation_id}.")
NO_AGENT: Final = QT_TRANSLATE_NOOP("domain", "No agent {agent_id}.")
# the search for an unknown caller (server/customer_search.py)
SEARCH_TOO_SHORT: Final = QT_TRANSLATE_NOOP("domain", "Search for at least {count} characters.")
# linking that caller's call to the customer found (server/voice_link.py)
CALLER_KNOWN: Final = QT_TRANSLATE_NOOP("domain", "This call is already linked to a customer.")
LINK_TO_CUSTOMER: Final = QT_TRANSLATE_NOOP(
    "domain", "Link the call to a customer, not to an unknown caller."
)
NO_CUSTOMER: Final = QT_TRANSLATE_NOOP("domain", "No customer {customer_id}.")
#: Fixed reasons that travel over the push streams (WebSocket close reasons, cobrowse relay errors);
#: the desk looks them up in the catalogue as whole texts.
SIGNED_OUT: Final = QT_TRANSLATE_NOOP("domain", "The session was signed out.")
RELAY_NOT_ALLOWED: Final = QT_TRANSLATE_NOOP("domain", "Not allowed.")
RELAY_FRAME_TOO_LARGE: Final = QT_TRANSLATE_NOOP("domain", "Frame too large; sending a fresh snapshot.")
RELAY_MALFORMED: Final = QT_TRANSLATE_NOOP("domain", "Malformed frame.")
RELAY_PAGE_GONE: Final = QT_TRANSLATE_NOOP("domain", "The customer's page is not connected.")
#: A system line of a transcript (the backend stores the English text; the desk shows it translated).
CUSTOMER_LEFT: Final = QT_TRANSLATE_NOOP("domain", "The customer left.")
COBROWSE_ACCEPTED: Final = QT_TRANSLATE_NOOP("domain", "The customer accepted cobrowse.")
COBROWSE_RESUMED: Final = QT_TRANSLATE_NOOP("domain", "The customer resumed cobrowse.")
COBROWSE_PAUSED: Final = QT_TRANSLATE_NOOP("domain", "The customer paused cobrowse.")
COBROWSE_DECLINED_LINE: Final = QT_TRANSLATE_NOOP("domain", "The customer declined cobrowse.")
#: Cobrowse lines that name the agent or a reason: one whole sentence per case (no fragments), so
#: a translation can put the name where its grammar wants it.
COBROWSE_INVITED: Final = QT_TRANSLATE_NOOP(
    "domain", "{agent} invited the customer to cobrowse (to see and guide their web page)."
)
COBROWSE_STARTED: Final = QT_TRANSLATE_NOOP(
    "domain", "Cobrowse started: {agent} sees the customer's page (form fields masked)."
)
COBROWSE_EXPIRED: Final = QT_TRANSLATE_NOOP("domain", "Cobrowse expired.")
COBROWSE_EXPIRED_WHY: Final = QT_TRANSLATE_NOOP("domain", "Cobrowse expired ({reason}).")
COBROWSE_ENDED: Final = QT_TRANSLATE_NOOP("domain", "Cobrowse ended.")
COBROWSE_ENDED_WHY: Final = QT_TRANSLATE_NOOP("domain", "Cobrowse ended ({reason}).")
COBROWSE_ENDED_BY_CUSTOMER: Final = QT_TRANSLATE_NOOP("domain", "Cobrowse ended by the customer.")
COBROWSE_ENDED_BY_CUSTOMER_WHY: Final = QT_TRANSLATE_NOOP(
    "domain", "Cobrowse ended by the customer ({reason})."
)
COBROWSE_ENDED_BY_AGENT: Final = QT_TRANSLATE_NOOP("domain", "Cobrowse ended by {agent}.")
COBROWSE_ENDED_BY_AGENT_WHY: Final = QT_TRANSLATE_NOOP("domain", "Cobrowse ended by {agent} ({reason}).")
#: the agent of a line whose agent record is gone
THE_AGENT: Final = QT_TRANSLATE_NOOP("domain", "The agent")
#: why the backend ended or expired a cobrowse session (the session keeps the English text)
COBROWSE_NO_ANSWER: Final = QT_TRANSLATE_NOOP("domain", "no answer within {seconds} s")
COBROWSE_NOT_SHARED: Final = QT_TRANSLATE_NOOP("domain", "the customer's page did not start sharing")
COBROWSE_PAUSED_TOO_LONG: Final = QT_TRANSLATE_NOOP("domain", "paused for more than {minutes} min")
COBROWSE_SITE_LEFT: Final = QT_TRANSLATE_NOOP("domain", "the customer left the web site")
#: Conversation states, as NOT_WAITING names them.
CONVERSATION_STATES: Final = (
    QT_TRANSLATE_NOOP("domain", "active"),
    QT_TRANSLATE_NOOP("domain", "closed"),
)

#: What the desk says when the backend refused a queued write, by kind of write ("" : any other).
WRITE_REFUSED: Final[Mapping[str, str]] = {
    "message": QT_TRANSLATE_NOOP("domain", "A message was refused by the backend: {reason}"),
    "close": QT_TRANSLATE_NOOP("domain", "A wrap-up was refused by the backend: {reason}"),
    "presence": QT_TRANSLATE_NOOP("domain", "A presence change was refused by the backend: {reason}"),
    "": QT_TRANSLATE_NOOP("domain", "A change was refused by the backend: {reason}"),
}

SERVER_REFUSALS: Final = frozenset(
    {
        CONVERSATION_CLOSED,
        CONVERSATION_NOT_ACTIVE,
        EMPTY_MESSAGE,
        AGENT_MESSAGE_TOO_LONG,
        NO_OFFER,
        OFFER_EXPIRED,
        UNKNOWN_WRAPUP_CODE,
        EMPTY_NOTE,
        NOTE_TOO_LONG,
        REASON_REQUIRED,
        INVALID_CREDENTIALS,
        TOKEN_MISSING,
        TOKEN_INVALID,
        TOKEN_USER_GONE,
        # the cobrowse reasons travel in "cobrowse_unavailable" refusals
        COBROWSE_NOT_ACTIVE,
        COBROWSE_NEEDS_CHAT,
        COBROWSE_REFUSED,
        COBROWSE_DECLINED,
        COBROWSE_RUNNING,
        COBROWSE_OFFLINE,
        # team-lead actions (the queue monitor)
        NOT_WAITING,
        UNKNOWN_QUEUE,
        NO_CONVERSATION,
        NO_AGENT,
        SEARCH_TOO_SHORT,
        CALLER_KNOWN,
        LINK_TO_CUSTOMER,
        NO_CUSTOMER,
    }
)
# --- the desk's own texts: why an action on this computer could not be done (workstation/services) ---

UNREACHABLE: Final = QT_TRANSLATE_NOOP("domain", "The backend cannot be reached.")
UNREACHABLE_TRY_AGAIN: Final = QT_TRANSLATE_NOOP(
    "domain", "The backend cannot be reached; try again in a moment."
)
UNREACHABLE_NOT_ACCEPTED: Final = QT_TRANSLATE_NOOP(
    "domain", "The backend cannot be reached; the offer could not be accepted."
)
UNREACHABLE_OFFER_LAPSES: Final = QT_TRANSLATE_NOOP(
    "domain", "The backend cannot be reached; the offer will time out by itself."
)
UNREACHABLE_SESSION_NOT_ENDED: Final = QT_TRANSLATE_NOOP(
    "domain", "The backend cannot be reached; the session was not ended."
)
NOTHING_TO_SEND: Final = QT_TRANSLATE_NOOP("domain", "Nothing to send.")
UNKNOWN_CONVERSATION: Final = QT_TRANSLATE_NOOP("domain", "Unknown conversation.")
COBROWSE_NOT_OPEN: Final = QT_TRANSLATE_NOOP("domain", "The cobrowse connection is not open.")
COBROWSE_NOT_STEERABLE: Final = QT_TRANSLATE_NOOP("domain", "The cobrowse session is {state}, not active.")
COBROWSE_LOST: Final = QT_TRANSLATE_NOOP("domain", "The cobrowse connection was lost; reconnecting.")
NO_TRANSCRIPT: Final = QT_TRANSLATE_NOOP("domain", "This event has no transcript.")
TRANSCRIPT_NOT_CACHED: Final = QT_TRANSLATE_NOOP(
    "domain", "That transcript is not cached; it opens when the backend is reachable."
)
TRANSCRIPT_UNAVAILABLE: Final = QT_TRANSLATE_NOOP("domain", "Transcript not available: {reason}")
HISTORY_OFFLINE: Final = QT_TRANSLATE_NOOP(
    "domain", "The history cannot be loaded: the backend cannot be reached."
)
HISTORY_REFUSED: Final = QT_TRANSLATE_NOOP("domain", "The history cannot be loaded: {reason}")
RECORD_NOT_CACHED: Final = QT_TRANSLATE_NOOP(
    "domain", "The customer's record is not in the local cache yet; try again shortly."
)
NOT_EDITABLE: Final = QT_TRANSLATE_NOOP("domain", "Not editable here: {fields}")
NOTE_NOT_CACHED: Final = QT_TRANSLATE_NOOP("domain", "That note is not in the local cache.")
PHONE_NONE: Final = QT_TRANSLATE_NOOP(
    "domain", "No softphone configured: calls are not offered to this desk."
)
PHONE_DOWN: Final = QT_TRANSLATE_NOOP(
    "domain", "The softphone is not running: calls are not offered to you until it runs."
)
PHONE_CONNECTED: Final = QT_TRANSLATE_NOOP("domain", "Softphone connected.")
PHONE_REGISTERED: Final = QT_TRANSLATE_NOOP("domain", "Softphone registered.")
PHONE_NOT_REGISTERED: Final = QT_TRANSLATE_NOOP(
    "domain", "The softphone is not registered: calls are not offered to you."
)
PHONE_GONE: Final = QT_TRANSLATE_NOOP("domain", "The softphone went away. Calls are not offered to you.")
PHONE_NOT_RUNNING: Final = QT_TRANSLATE_NOOP("domain", "The softphone is not running.")
#: A call command the softphone did not carry out (the call panel shows it).
PHONE_NOT_CONNECTED: Final = QT_TRANSLATE_NOOP("domain", "The softphone is not connected.")
PHONE_NO_ANSWER: Final = QT_TRANSLATE_NOOP(
    "domain", "The softphone did not answer '{command}' in {seconds} s."
)
PHONE_BROKE: Final = QT_TRANSLATE_NOOP("domain", "The softphone connection broke: {reason}")
PHONE_REFUSED: Final = QT_TRANSLATE_NOOP("domain", "The softphone refused '{command}': {reason}")
PHONE_REFUSED_NO_REASON: Final = QT_TRANSLATE_NOOP(
    "domain", "The softphone refused '{command}': no reason given"
)
PHONE_DESK: Final = QT_TRANSLATE_NOOP("domain", "Calls ring on your desk phone once you accept them here.")
PHONE_USE_DESK: Final = QT_TRANSLATE_NOOP("domain", "Use your desk phone for this.")
NO_KEYCHAIN: Final = QT_TRANSLATE_NOOP(
    "domain",
    "No system keychain is available (keyring found no usable backend). On Linux, install "
    "and unlock a Secret Service provider such as GNOME Keyring or KWallet. The sign-in "
    "token is kept in memory only and will not be remembered.",
)
KEYCHAIN_REFUSED: Final = QT_TRANSLATE_NOOP("domain", "The system keychain refused access: {error}")
KEYCHAIN_REFUSED_STORE: Final = QT_TRANSLATE_NOOP(
    "domain", "The system keychain refused to store the token: {error}"
)
EXPORT_EMPTY: Final = QT_TRANSLATE_NOOP("domain", "No statistics have arrived yet.")
NOTE_NOT_SAVED: Final = QT_TRANSLATE_NOOP(
    "domain", "The note itself could not be saved, so neither can the edit."
)
UNKNOWN_WRITE: Final = QT_TRANSLATE_NOOP("domain", "unknown kind of write '{kind}'")
NOT_SAVED_LOCALLY: Final = QT_TRANSLATE_NOOP("domain", "it could not be saved on this computer ({error})")
SESSION_REFUSED: Final = QT_TRANSLATE_NOOP("domain", "the backend refused the session token")
RECONNECTING: Final = QT_TRANSLATE_NOOP("domain", "reconnecting…")
#: the states of a cobrowse session that cannot be steered, as COBROWSE_NOT_STEERABLE names them
COBROWSE_STATES: Final = (
    QT_TRANSLATE_NOOP("domain", "invited"),
    QT_TRANSLATE_NOOP("domain", "accepted"),
    QT_TRANSLATE_NOOP("domain", "paused"),
    QT_TRANSLATE_NOOP("domain", "ended"),
    QT_TRANSLATE_NOOP("domain", "declined"),
)

#: A parameter of a refusal longer than this is not the backend's wording but something odd: dropped.
MAX_PARAM_CHARS: Final = 200


def wire_params(message: str) -> dict[str, str | int | float | bool] | None:
    """A Msg's parameters as JSON scalars (for an error body), or None if `message` is plain text."""
    if not isinstance(message, Msg):
        return None
    return {k: v if isinstance(v, str | int | float | bool) else str(v) for k, v in message.params.items()}


def from_wire(message: str, message_id: object, params: object) -> str:
    """An error body's message as a Msg the desk can translate, when the backend named a known
    template and sent plain scalar parameters; otherwise the English `message` as it came."""
    if not isinstance(message_id, str) or message_id not in SERVER_REFUSALS:
        return message
    if params is None:
        params = {}
    if not isinstance(params, dict) or not all(
        isinstance(k, str)
        and k.isidentifier()
        and isinstance(v, str | int | float | bool)
        and len(str(v)) <= MAX_PARAM_CHARS
        for k, v in params.items()
    ):
        return message
    return Msg(message_id, _text=message, **params)


class Money(float):
    """An amount in euros: "2,000 €" in English; the UI formats it with the agent's locale."""

    def __format__(self, spec: str) -> str:
        return f"{float(self):,.0f} €" if not spec else float.__format__(self, spec)

    def __str__(self) -> str:
        return format(self, "")


class Amount(Money):
    """An exact amount ("1,234.50 €" in English), as situations state payments and refunds."""

    def __format__(self, spec: str) -> str:
        return f"{float(self):,.2f} €" if not spec else float.__format__(self, spec)


class Day(str):
    """A calendar day: "02.12.2026" in English (as the command line always printed it); the UI
    shows it in the agent's locale."""

    day: date

    def __new__(cls, day: date) -> Day:
        self = super().__new__(cls, day.strftime("%d.%m.%Y"))
        self.day = day
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Day, (self.day,))


#: Attributes that hold money (shown as amounts, not bare numbers).
MONEY_PATHS: Final = frozenset({"customer.clv"})


def _value(value: object, path: str) -> Any:
    if isinstance(value, list | tuple):
        return Joined((str(v) for v in value), "/")
    if path in MONEY_PATHS and isinstance(value, int | float) and not isinstance(value, bool):
        return Money(value)
    return value


def _condition(unmet: Unmet) -> str:
    if isinstance(unmet, tuple):
        kind, parts = unmet
        return Joined((_condition(p) for p in parts), OR if kind == "or" else AND)
    left, right = unmet.left, unmet.right
    name, other = (left, right) if left.path is not None else (right, left)
    path = (name.path or "").removeprefix("task.")
    template = CONDITIONS.get((path, unmet.op)) if not unmet.negated else None
    if template is None:
        return Msg(QT_TRANSLATE_NOOP("domain", "if {condition}"), condition=unmet.text)
    return Msg(template, expected=_value(other.value, path), value=_value(name.value, path))


def refusal(action: str, unmet: Unmet) -> Msg:
    """Why a policy keeps an action back, in plain words: "Apologise + voucher only after a service
    failure on our side and for gold/platinum customers (this customer: bronze) or from a customer
    value of 2000 (this customer: 302)". Parameters keep raw values (tier codes, numbers) so the UI
    renders them in the agent's language and locale."""
    return Msg(NOT_ALLOWED, action=action, conditions=_condition(unmet))


# --- the action catalogue's labels and titles (resources/action_catalog.toml) -----------------------
# Listed here so lupdate extracts them; tests/unit/domain/test_messages.py fails when the catalogue
# gains a text this list lacks.

CATALOG_TEXTS: Final = (
    QT_TRANSLATE_NOOP("domain", "Give tracking"),
    QT_TRANSLATE_NOOP("domain", "Give tracking for order {order_id}"),
    QT_TRANSLATE_NOOP("domain", "Apologise + voucher"),
    QT_TRANSLATE_NOOP("domain", "Apologise and offer a goodwill voucher"),
    QT_TRANSLATE_NOOP("domain", "Escalate"),
    QT_TRANSLATE_NOOP("domain", "Escalate to the complaints team: {topic}"),
    QT_TRANSLATE_NOOP("domain", "Settle payment"),
    QT_TRANSLATE_NOOP("domain", "Settle the open payment ({amount})"),
    QT_TRANSLATE_NOOP("domain", "Start cobrowse"),
    QT_TRANSLATE_NOOP("domain", "Invite to cobrowse and guide them to the right page"),
    QT_TRANSLATE_NOOP("domain", "Retention offer"),
    QT_TRANSLATE_NOOP("domain", "Make a retention offer ({product})"),
    QT_TRANSLATE_NOOP("domain", "Specialist callback"),
    QT_TRANSLATE_NOOP("domain", "Schedule a specialist callback: {topic}"),
    QT_TRANSLATE_NOOP("domain", "Book appointment"),
    QT_TRANSLATE_NOOP("domain", "Offer an appointment in a branch to see {product}"),
    QT_TRANSLATE_NOOP("domain", "Suggest product"),
    QT_TRANSLATE_NOOP("domain", "Suggest something that fits the {product}"),
    QT_TRANSLATE_NOOP("domain", "Advise on {product} and what goes with it"),
    QT_TRANSLATE_NOOP("domain", "Progress return"),
    QT_TRANSLATE_NOOP("domain", "Progress the return and refund of order {order_id}"),
    QT_TRANSLATE_NOOP("domain", "Troubleshoot device"),
    QT_TRANSLATE_NOOP("domain", "Troubleshoot the {device}"),
)

#: Words the engine puts into its reasons (topics, tiers).
WORDS: Final = (
    QT_TRANSLATE_NOOP("domain", "this"),
    QT_TRANSLATE_NOOP("domain", "it"),
    QT_TRANSLATE_NOOP("domain", "the product"),
    QT_TRANSLATE_NOOP("domain", "the issue"),
    QT_TRANSLATE_NOOP("domain", "the amount"),
    QT_TRANSLATE_NOOP("domain", "device"),
    # tier codes, as policies compare them
    QT_TRANSLATE_NOOP("domain", "bronze"),
    QT_TRANSLATE_NOOP("domain", "silver"),
    QT_TRANSLATE_NOOP("domain", "gold"),
    QT_TRANSLATE_NOOP("domain", "platinum"),
    # severities of complaints and device alerts, as the source systems send them
    QT_TRANSLATE_NOOP("domain", "low"),
    QT_TRANSLATE_NOOP("domain", "medium"),
    QT_TRANSLATE_NOOP("domain", "high"),
    QT_TRANSLATE_NOOP("domain", "info"),
    QT_TRANSLATE_NOOP("domain", "warning"),
    QT_TRANSLATE_NOOP("domain", "critical"),
    # channels, as situations name them ("said by phone", "Phone contact about …")
    QT_TRANSLATE_NOOP("domain", "phone"),
    QT_TRANSLATE_NOOP("domain", "email"),
    QT_TRANSLATE_NOOP("domain", "chat"),
    QT_TRANSLATE_NOOP("domain", "web"),
    QT_TRANSLATE_NOOP("domain", "app"),
    QT_TRANSLATE_NOOP("domain", "shop"),
    QT_TRANSLATE_NOOP("domain", "Phone"),
    QT_TRANSLATE_NOOP("domain", "Email"),
    QT_TRANSLATE_NOOP("domain", "Chat"),
    QT_TRANSLATE_NOOP("domain", "Web"),
    QT_TRANSLATE_NOOP("domain", "App"),
    QT_TRANSLATE_NOOP("domain", "Shop"),
)


# --- plain English from the backend, back to its template ------------------------------------------

#: Templates with parameters whose text the backend sends or stores as plain English (a transcript's
#: system line, the reason a cobrowse invitation is not possible): the wire and the database carry
#: text only, so the desk recovers template and parameters by matching. A name may hold brackets
#: ("Anna (Team 2)"), so where a line could be read with or without a reason, the reading whose
#: reason the backend gives wins; "by the customer" comes before "by {agent}". Templates without
#: parameters are looked up as whole texts.
PLAIN_TEMPLATES: Final = (
    COBROWSE_INVITED,
    COBROWSE_STARTED,
    COBROWSE_EXPIRED_WHY,
    COBROWSE_ENDED_WHY,
    COBROWSE_ENDED_BY_CUSTOMER_WHY,
    COBROWSE_ENDED_BY_CUSTOMER,
    COBROWSE_ENDED_BY_AGENT_WHY,
    COBROWSE_ENDED_BY_AGENT,
    COBROWSE_RUNNING,
)
#: The reasons a system line may give: templates with parameters, then whole texts.
PLAIN_PARAM_TEMPLATES: Final = (COBROWSE_NO_ANSWER, COBROWSE_PAUSED_TOO_LONG)
PLAIN_REASONS: Final = frozenset({COBROWSE_NOT_SHARED, COBROWSE_SITE_LEFT})
#: A longer line is not one of ours (and is not worth matching).
MAX_PLAIN_CHARS: Final = 600


def _pattern(template: str) -> re.Pattern[str]:
    # Greedy fields: with "{agent} ({reason})" the reason is the last bracket, the name keeps its own.
    parts = []
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field:
            parts.append(f"(?P<{field}>.+)")
    return re.compile("".join(parts), re.DOTALL)


_LINE_PATTERNS: Final = tuple((t, _pattern(t)) for t in PLAIN_TEMPLATES)
_PARAM_PATTERNS: Final = tuple((t, _pattern(t)) for t in PLAIN_PARAM_TEMPLATES)


def _param(value: str) -> str | int | float:
    """A parameter as found in a line: a number back to a number (the desk formats it), a
    reason back to its message, anything else (a name) as it is."""
    if re.fullmatch(r"\d{1,9}", value):
        return int(value)
    if re.fullmatch(r"\d{1,9}\.\d{1,6}", value):
        return float(value)
    for template, pattern in _PARAM_PATTERNS:
        if found := pattern.fullmatch(value):
            return Msg(template, _text=value, **{k: _param(v) for k, v in found.groupdict().items()})
    return value


def from_text(text: str) -> str:
    """A text the backend sent as plain English (a transcript's system line, a cobrowse reason) as a
    Msg when it is one of PLAIN_TEMPLATES, else `text` unchanged."""
    if len(text) > MAX_PLAIN_CHARS:
        return text
    readings = []
    for template, pattern in _LINE_PATTERNS:
        if found := pattern.fullmatch(text):
            params = {k: _param(v) for k, v in found.groupdict().items()}
            reason = params.get("reason")
            reading = Msg(template, _text=text, **params)
            if reason is None or isinstance(reason, Msg) or reason in PLAIN_REASONS:
                return reading
            readings.append(reading)
    return readings[0] if readings else text
