"""The desk's vocabulary in one place: codes from the domain and the backend shown as words.

Every word is marked for `pyside6-lupdate` (context "labels") and translated when shown, so a
table of labels never freezes the language it was imported in. Unknown codes show as they are:
they are data (a new channel, a tier the backend invented), not untranslated text.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from workstation.domain.messages import QT_TRANSLATE_NOOP  # typed (str -> str); lupdate knows the name

CONTEXT = "labels"

LANGUAGES = {"de": QT_TRANSLATE_NOOP("labels", "German"), "en": QT_TRANSLATE_NOOP("labels", "English")}
CHANNELS = {
    "chat": QT_TRANSLATE_NOOP("labels", "Chat"),
    "email": QT_TRANSLATE_NOOP("labels", "E-mail"),
    "phone": QT_TRANSLATE_NOOP("labels", "Phone"),
    "voice": QT_TRANSLATE_NOOP("labels", "Phone"),
    "web": QT_TRANSLATE_NOOP("labels", "Web"),
    "shop": QT_TRANSLATE_NOOP("labels", "Shop"),
    "store": QT_TRANSLATE_NOOP("labels", "Store"),
    "app": QT_TRANSLATE_NOOP("labels", "App"),
    "social": QT_TRANSLATE_NOOP("labels", "Social media"),
    "sms": QT_TRANSLATE_NOOP("labels", "SMS"),
    "letter": QT_TRANSLATE_NOOP("labels", "Letter"),
    "billing": QT_TRANSLATE_NOOP("labels", "Billing"),
}
TIERS = {
    "bronze": QT_TRANSLATE_NOOP("labels", "Bronze"),
    "silver": QT_TRANSLATE_NOOP("labels", "Silver"),
    "gold": QT_TRANSLATE_NOOP("labels", "Gold"),
    "platinum": QT_TRANSLATE_NOOP("labels", "Platinum"),
}
STATES = {
    "available": QT_TRANSLATE_NOOP("labels", "Available"),
    "busy": QT_TRANSLATE_NOOP("labels", "Busy"),
    "away": QT_TRANSLATE_NOOP("labels", "Away"),
    "offline": QT_TRANSLATE_NOOP("labels", "Offline"),
}
FIELDS = {
    "email": QT_TRANSLATE_NOOP("labels", "E-mail"),
    "phone": QT_TRANSLATE_NOOP("labels", "Phone"),
    "company": QT_TRANSLATE_NOOP("labels", "Company"),
}
PHASES = {
    "awareness": QT_TRANSLATE_NOOP("labels", "Awareness"),
    "interest": QT_TRANSLATE_NOOP("labels", "Interest"),
    "purchase": QT_TRANSLATE_NOOP("labels", "Purchase"),
    "service": QT_TRANSLATE_NOOP("labels", "Service"),
}
DISMISS_REASONS = {
    "not_relevant": QT_TRANSLATE_NOOP("labels", "Not relevant"),
    "already_done": QT_TRANSLATE_NOOP("labels", "Already done"),
    "wrong_customer": QT_TRANSLATE_NOOP("labels", "Wrong customer"),
    "inappropriate": QT_TRANSLATE_NOOP("labels", "Inappropriate"),
}
COBROWSE_STATES = {
    "invited": QT_TRANSLATE_NOOP("labels", "Invitation sent — waiting for the customer to accept"),
    "accepted": QT_TRANSLATE_NOOP("labels", "The customer accepted — their page is connecting"),
    "active": QT_TRANSLATE_NOOP("labels", "You see the customer's page"),
    "paused": QT_TRANSLATE_NOOP("labels", "The customer paused sharing — you see nothing new"),
    "ended": QT_TRANSLATE_NOOP("labels", "Cobrowse ended"),
    "declined": QT_TRANSLATE_NOOP("labels", "The customer declined cobrowse"),
    "expired": QT_TRANSLATE_NOOP("labels", "Cobrowse expired"),
}
FACTS = {
    "clv": QT_TRANSLATE_NOOP("labels", "customer value"),
    "value_tier": QT_TRANSLATE_NOOP("labels", "value tier"),
    "churn_risk": QT_TRANSLATE_NOOP("labels", "churn risk"),
    "consents.marketing": QT_TRANSLATE_NOOP("labels", "marketing consent"),
    "consents.cobrowse": QT_TRANSLATE_NOOP("labels", "cobrowse consent"),
}
#: The reference backend's standard wrap-up codes and their English labels. A label the backend sends
#: that differs (a contact centre's own wording) is shown as it is.
WRAPUP_CODES = {
    "resolved": QT_TRANSLATE_NOOP("labels", "Resolved"),
    "info_given": QT_TRANSLATE_NOOP("labels", "Information given"),
    "follow_up": QT_TRANSLATE_NOOP("labels", "Follow-up needed"),
    "escalated": QT_TRANSLATE_NOOP("labels", "Escalated"),
    "no_response": QT_TRANSLATE_NOOP("labels", "Customer did not respond"),
    "wrong_queue": QT_TRANSLATE_NOOP("labels", "Wrong queue / transferred"),
}
#: Topics of chats as the shop and the router name them.
TOPICS = {
    "delivery": QT_TRANSLATE_NOOP("labels", "delivery"),
    "billing": QT_TRANSLATE_NOOP("labels", "billing"),
    "payment": QT_TRANSLATE_NOOP("labels", "payment"),
    "return": QT_TRANSLATE_NOOP("labels", "return"),
    "return_refund": QT_TRANSLATE_NOOP("labels", "return or refund"),
    "product": QT_TRANSLATE_NOOP("labels", "product"),
    "product_advice": QT_TRANSLATE_NOOP("labels", "product advice"),
    "checkout": QT_TRANSLATE_NOOP("labels", "checkout"),
    "order": QT_TRANSLATE_NOOP("labels", "order"),
    "cancellation": QT_TRANSLATE_NOOP("labels", "cancellation"),
    "technical": QT_TRANSLATE_NOOP("labels", "technical problem"),
    "complaint": QT_TRANSLATE_NOOP("labels", "complaint"),
    "account": QT_TRANSLATE_NOOP("labels", "account"),
    "address": QT_TRANSLATE_NOOP("labels", "address"),
}
AWAY_REASONS = {
    "break": QT_TRANSLATE_NOOP("labels", "break"),
    "lunch": QT_TRANSLATE_NOOP("labels", "lunch"),
    "missed_offer": QT_TRANSLATE_NOOP("labels", "missed an offer"),
    "end_of_shift": QT_TRANSLATE_NOOP("labels", "end of shift"),
}


def term(table: dict[str, str], code: str) -> str:
    """`code` as a word in the agent's language; unknown codes as they are."""
    text = table.get(code)
    return QCoreApplication.translate(CONTEXT, text) if text is not None else code


def language_name(code: str) -> str:
    return term(LANGUAGES, code)


def channel_name(channel: str) -> str:
    return term(CHANNELS, channel)


def tier_name(tier: str) -> str:
    return term(TIERS, tier)


def wrapup_label(code: str, label: str) -> str:
    """A wrap-up code's label: translated when it is the standard English one, else as configured."""
    return term(WRAPUP_CODES, code) if WRAPUP_CODES.get(code) == label else label


def topic_name(topic: str) -> str:
    return term(TOPICS, topic)
