"""The demo shop's catalog, carriers, reasons, campaigns and the event vocabulary of journeys."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

Event = dict[str, Any]
# A journey is built as raw tuples whose times (also those inside `data`, e.g. an ETA) stay datetimes until
# the end: an open journey is shifted in time as a whole, and formatting happens once per event.
_Raw = tuple[datetime, str, str, str, dict[str, Any]]

TOPICS: Final = (
    "delivery",
    "payment",
    "return",
    "cancellation",
    "device",
    "product",
    "complaint",
    "checkout",
)

# The vocabulary of the relevance README: every event of a kind carries exactly these data keys.
EVENT_DATA_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "page_view": ("url", "title", "category", "seconds"),
    "search": ("query",),
    "app_error": ("screen", "code", "message"),
    "cart_abandoned": ("value", "items"),
    "order_placed": ("order_id", "value", "items"),
    "order_shipped": ("order_id", "carrier", "eta"),
    "delivery_delayed": ("order_id", "new_eta", "reason"),
    "delivered": ("order_id",),
    "return_requested": ("order_id", "reason"),
    "refund_issued": ("order_id", "amount"),
    "payment_failed": ("amount", "reason"),
    "invoice_overdue": ("invoice_id", "amount", "days"),
    "complaint": ("topic", "severity", "status"),
    "contact": ("topic", "outcome", "sentiment"),
    "survey": ("nps", "comment"),
    "cancellation_intent": ("product", "reason"),
    "contract_change": ("product", "change"),
    "device_alert": ("device", "code", "severity", "active"),
    "campaign_response": ("campaign", "response"),
    "consent_changed": ("marketing",),
    "address_change": (),
    "social_post": ("text", "sentiment"),
    "appointment": ("branch", "at", "topic"),
}

# ---------------------------------------------------------------------------------------------- catalog


@dataclass(frozen=True, slots=True)
class _Item:
    pid: str
    name: str
    category: str
    price: float
    kind: str  # "device" (connected, raises alerts), "gadget", "accessory" or "plan"
    noun_de: str  # what a customer calls it in words: "den Router", "the headphones"
    gender: str  # m / f / n / pl, for German articles
    noun_en: str
    search_de: tuple[str, ...]
    search_en: tuple[str, ...]
    alerts: tuple[tuple[str, str, str, str], ...] = ()  # (code, message, severity, contact topic)
    name_de: str = ""
    slug: str = ""


def _item(
    pid: str,
    name: str,
    category: str,
    price: float,
    kind: str,
    noun_de: str,
    gender: str,
    noun_en: str,
    search_de: tuple[str, ...],
    search_en: tuple[str, ...],
    *,
    alerts: tuple[tuple[str, str, str, str], ...] = (),
    name_de: str = "",
) -> _Item:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return _Item(
        pid,
        name,
        category,
        price,
        kind,
        noun_de,
        gender,
        noun_en,
        search_de,
        search_en,
        alerts,
        name_de or name,
        slug,
    )


_CATALOG: Final = (
    _item(
        "p-11",
        "Router R-200",
        "routers",
        129.90,
        "device",
        "Router",
        "m",
        "router",
        ("wlan router", "router r-200", "router kaufen"),
        ("wifi router", "router r-200"),
        alerts=(
            ("LOS", "no line sync", "critical", "internet outage"),
            ("RESYNC", "frequent line resyncs", "warning", "unstable internet"),
            ("WIFI", "Wi-Fi interference", "warning", "wifi problem"),
            ("FW", "firmware update pending", "info", "firmware update"),
        ),
    ),
    _item(
        "p-12",
        "Mesh Wi-Fi Point M3",
        "routers",
        79.90,
        "device",
        "Mesh-Repeater",
        "m",
        "mesh point",
        ("mesh wlan", "wlan repeater"),
        ("mesh wifi", "wifi extender"),
        alerts=(("OFFLINE", "offline", "warning", "wifi problem"),),
    ),
    _item(
        "p-21",
        "Smart Thermostat T3",
        "smart-home",
        149.00,
        "device",
        "Thermostat",
        "n",
        "thermostat",
        ("smartes thermostat", "heizung per app steuern"),
        ("smart thermostat", "heating control app"),
        alerts=(
            ("OFFLINE", "offline", "warning", "thermostat offline"),
            ("BAT", "battery low", "warning", "thermostat battery"),
            ("SENSOR", "temperature sensor fault", "critical", "thermostat fault"),
        ),
    ),
    _item(
        "p-22",
        "Smart Plug Duo",
        "smart-home",
        34.90,
        "device",
        "Steckdose",
        "f",
        "smart plug",
        ("smarte steckdose",),
        ("smart plug",),
        alerts=(("OFFLINE", "offline", "info", "smart plug offline"),),
    ),
    _item(
        "p-31",
        "Nova X5",
        "smartphones",
        599.00,
        "gadget",
        "Handy",
        "n",
        "phone",
        ("nova x5", "smartphone 5g"),
        ("nova x5", "5g smartphone"),
    ),
    _item(
        "p-32",
        "Nova X5 Pro",
        "smartphones",
        899.00,
        "gadget",
        "Handy",
        "n",
        "phone",
        ("nova x5 pro", "handy mit guter kamera"),
        ("nova x5 pro", "phone with best camera"),
    ),
    _item(
        "p-33",
        "Pixelon 8",
        "smartphones",
        699.00,
        "gadget",
        "Handy",
        "n",
        "phone",
        ("pixelon 8", "smartphone vergleich"),
        ("pixelon 8", "smartphone comparison"),
    ),
    _item(
        "p-41",
        "SoundPeak ANC 700",
        "audio",
        199.00,
        "gadget",
        "Kopfhörer",
        "m",
        "headphones",
        ("kopfhörer noise cancelling", "bluetooth kopfhörer"),
        ("noise cancelling headphones", "bluetooth headphones"),
    ),
    _item(
        "p-42",
        "EarBuds Air 2",
        "audio",
        129.00,
        "gadget",
        "Earbuds",
        "pl",
        "earbuds",
        ("in ear kopfhörer kabellos", "earbuds"),
        ("wireless earbuds",),
    ),
    _item(
        "p-51",
        "OLED 65 TV",
        "tv",
        1499.00,
        "gadget",
        "Fernseher",
        "m",
        "TV",
        ("oled fernseher 65 zoll", "fernseher"),
        ("65 inch oled tv", "oled tv"),
    ),
    _item(
        "p-52",
        "Soundbar S5",
        "tv",
        349.00,
        "gadget",
        "Soundbar",
        "f",
        "soundbar",
        ("soundbar",),
        ("soundbar",),
    ),
    _item(
        "p-53",
        "Action Cam 4K",
        "cameras",
        249.00,
        "gadget",
        "Kamera",
        "f",
        "camera",
        ("action cam", "kamera 4k"),
        ("action camera", "4k camera"),
    ),
    _item(
        "p-61",
        "USB-C Cable 2 m",
        "accessories",
        12.90,
        "accessory",
        "Kabel",
        "n",
        "cable",
        ("usb c kabel",),
        ("usb c cable",),
        name_de="USB-C-Kabel 2 m",
    ),
    _item(
        "p-62",
        "Powerbank 20000",
        "accessories",
        39.90,
        "accessory",
        "Powerbank",
        "f",
        "power bank",
        ("powerbank",),
        ("power bank",),
    ),
    _item(
        "p-63",
        "Nova X5 Case",
        "accessories",
        24.90,
        "accessory",
        "Hülle",
        "f",
        "case",
        ("handyhülle nova x5", "hülle"),
        ("nova x5 case", "phone case"),
        name_de="Nova X5 Hülle",
    ),
    _item(
        "p-64",
        "HDMI Adapter",
        "accessories",
        14.90,
        "accessory",
        "Adapter",
        "m",
        "adapter",
        ("hdmi adapter",),
        ("hdmi adapter",),
    ),
    _item(
        "p-65",
        "microSD 128 GB",
        "accessories",
        19.90,
        "accessory",
        "Speicherkarte",
        "f",
        "memory card",
        ("speicherkarte 128gb", "micro sd"),
        ("micro sd card",),
    ),
    _item("p-1", "DSL 50", "plans", 29.99, "plan", "Tarif", "m", "plan", ("dsl tarif",), ("broadband deal",)),
    _item(
        "p-5",
        "Fibre 100",
        "plans",
        34.99,
        "plan",
        "Tarif",
        "m",
        "plan",
        ("glasfaser tarif", "glasfaser verfügbarkeit"),
        ("fibre broadband", "fibre availability"),
    ),
    _item(
        "p-7",
        "Fibre 250",
        "plans",
        44.99,
        "plan",
        "Tarif",
        "m",
        "plan",
        ("glasfaser 250", "schnelles internet"),
        ("fibre 250", "fast broadband"),
    ),
    _item(
        "p-8",
        "Fibre 1000",
        "plans",
        69.99,
        "plan",
        "Tarif",
        "m",
        "plan",
        ("gigabit internet", "glasfaser 1000"),
        ("gigabit broadband", "fibre 1000"),
    ),
    _item(
        "p-2",
        "Mobile S",
        "plans",
        9.99,
        "plan",
        "Tarif",
        "m",
        "plan",
        ("handytarif günstig",),
        ("cheap sim only",),
    ),
    _item(
        "p-3",
        "Mobile M",
        "plans",
        19.99,
        "plan",
        "Tarif",
        "m",
        "plan",
        ("handyvertrag 20 gb",),
        ("sim only 20gb",),
    ),
    _item(
        "p-4",
        "Mobile XL",
        "plans",
        39.99,
        "plan",
        "Tarif",
        "m",
        "plan",
        ("unlimited datenvolumen",),
        ("unlimited data plan",),
    ),
    _item(
        "p-9",
        "TV Stream",
        "plans",
        12.99,
        "plan",
        "Tarif",
        "m",
        "plan",
        ("fernsehen streamen",),
        ("tv streaming",),
    ),
    _item(
        "p-10",
        "Business Fibre 500",
        "plans",
        89.00,
        "plan",
        "Tarif",
        "m",
        "plan",
        ("glasfaser geschäftskunden",),
        ("business fibre",),
    ),
    _item(
        "p-6",
        "Business Mobile 10",
        "plans",
        199.00,
        "plan",
        "Tarif",
        "m",
        "plan",
        ("firmenhandy tarif",),
        ("business mobile plan",),
    ),
)
_BY_NAME: Final = {it.name: it for it in _CATALOG}
_BY_PID: Final = {it.pid: it for it in _CATALOG}
_BY_SLUG: Final = {it.slug: it for it in _CATALOG}
_SHOP_ITEMS: Final = tuple(it for it in _CATALOG if it.kind != "plan")
_SHOP_WEIGHTS: Final = tuple({"device": 5, "gadget": 5, "accessory": 3}[it.kind] for it in _SHOP_ITEMS)
_BIG_ITEMS: Final = tuple(
    _BY_NAME[n]
    for n in ("OLED 65 TV", "Nova X5 Pro", "Pixelon 8", "Nova X5", "SoundPeak ANC 700", "Soundbar S5")
)
_ACCESSORIES_FOR: Final = {
    "smartphones": ("Nova X5 Case", "Powerbank 20000", "USB-C Cable 2 m", "microSD 128 GB"),
    "tv": ("HDMI Adapter", "Soundbar S5"),
    "cameras": ("microSD 128 GB", "Powerbank 20000"),
    "audio": ("USB-C Cable 2 m", "Powerbank 20000"),
    "routers": ("Mesh Wi-Fi Point M3",),
    "smart-home": ("Smart Plug Duo",),
}
# Upgrade ladders: a contract change "upgraded from X" only ever names a lower rung of the same family.
_LADDERS: Final = (("DSL 50", "Fibre 100", "Fibre 250", "Fibre 1000"), ("Mobile S", "Mobile M", "Mobile XL"))
_INTERNET_PLANS: Final = frozenset({"DSL 50", "Fibre 100", "Fibre 250", "Fibre 1000", "Business Fibre 500"})
_CATEGORY_TITLES: Final = {
    "routers": ("Router & WLAN", "Routers & Wi-Fi"),
    "smartphones": ("Smartphones", "Smartphones"),
    "audio": ("Kopfhörer & Audio", "Headphones & Audio"),
    "smart-home": ("Smart Home", "Smart Home"),
    "tv": ("TV & Heimkino", "TV & Home Cinema"),
    "cameras": ("Kameras", "Cameras"),
    "accessories": ("Zubehör", "Accessories"),
    "plans": ("Tarife", "Plans"),
}
_DE_ART: Final = {
    "m": ("der", "den", "dem"),
    "f": ("die", "die", "der"),
    "n": ("das", "das", "dem"),
    "pl": ("die", "die", "den"),
}
_DE_ZU: Final = {"m": "zum", "f": "zur", "n": "zum", "pl": "zu den"}
_DE_PRON_ACC: Final = {"m": "ihn", "f": "sie", "n": "es", "pl": "sie"}

_CARRIERS: Final = ("DHL", "DPD", "Hermes", "UPS")
_CARRIER_WEIGHTS: Final = (45, 20, 20, 15)
_DELAY_REASONS: Final = (
    "depot backlog",
    "bad weather",
    "high parcel volume",
    "vehicle breakdown",
    "failed delivery attempt",
    "incomplete address",
)
_RETURN_REASONS: Final = (
    "defective",
    "not as described",
    "changed my mind",
    "wrong item delivered",
    "arrived damaged",
    "does not fit",
)
_PAYMENT_REASONS: Final = (
    "insufficient funds",
    "card expired",
    "account closed",
    "direct debit returned",
    "card declined",
)
_CANCEL_REASONS: Final = ("price", "competitor offer", "moving abroad", "poor service", "repeated outages")
_GENERAL_CONTACT_TOPICS: Final = (
    "invoice copy",
    "opening hours",
    "password reset",
    "tariff question",
    "roaming",
    "change of bank details",
    "product question",
    "delivery times",
)
# Unresolved stand-alone contacts that a customer chases up later, and the chat topic they come back under.
_OPEN_CONTACT_TOPICS: Final = {
    "invoice dispute": "payment",
    "tariff question": "product",
    "login problem": "checkout",
}
_APP_ERRORS: Final = (
    ("login", "AUTH-401", "Session expired, please log in again"),
    ("orders", "ORD-500", "Order list could not be loaded"),
    ("checkout", "PAY-502", "Payment service unavailable"),
    ("account", "NET-TIMEOUT", "Request timed out"),
)
_BRANCHES: Final = {
    "de": (
        "Berlin Mitte",
        "Hamburg Altona",
        "München Marienplatz",
        "Köln Hohe Straße",
        "Frankfurt Zeil",
        "Leipzig Hainstraße",
    ),
    "en": ("London Oxford Street", "Manchester Arndale", "Birmingham Bullring", "Leeds Trinity"),
}
_CAMPAIGNS: Final = {  # (German name, English name, promoted category or plan name)
    "black": ("Black Week", "Black Week", "smartphones"),
    "summer": ("Sommer-Sale", "Summer Sale", "audio"),
    "fibre": ("Glasfaser-Upgrade", "Fibre Upgrade", "Fibre 1000"),
    "smarthome": ("Smart-Home-Wochen", "Smart Home Weeks", "smart-home"),
    "app": ("App-Gutschein", "App Voucher", "accessories"),
    "newsletter": ("Newsletter KW{week}", "Newsletter week {week}", "tv"),
}
_CHANNEL_LABEL: Final = {
    "phone": "Phone",
    "chat": "Chat",
    "email": "E-mail",
    "branch": "Branch",
    "web": "Web",
    "app": "App",
    "social": "Social",
}
_SOCIAL: Final = {
    ("de", "pos"): (
        "Neues {item} ist da, super schnelle Lieferung!",
        "Der Service in der Filiale war heute richtig gut.",
        "Endlich schnelles Internet, {plan} läuft stabil.",
    ),
    ("de", "neg"): (
        "Seit Tagen Probleme mit dem {noun} und keiner ruft zurück. Danke für nichts, @shopexample!",
        "Paket schon wieder verspätet… @shopexample",
        "Dreimal angerufen, dreimal vertröstet.",
    ),
    ("en", "pos"): (
        "My new {item} arrived, super fast delivery!",
        "Great service in the store today.",
        "Finally fast internet, {plan} works a treat.",
    ),
    ("en", "neg"): (
        "Days of trouble with my {noun} and nobody calls back. Thanks for nothing @shopexample",
        "Parcel late again… @shopexample",
        "Called three times, fobbed off three times.",
    ),
}
_SURVEY_COMMENTS: Final = {
    ("de", "pos"): ("Schnelle Lieferung, alles bestens.", "Sehr freundliche Beratung.", "", ""),
    ("de", "neg"): (
        "Die Lieferung hat viel zu lange gedauert.",
        "Ich musste mehrmals anrufen.",
        "Niemand hat zurückgerufen.",
        "",
    ),
    ("en", "pos"): ("Quick delivery, all good.", "Very helpful staff.", "", ""),
    ("en", "neg"): ("Delivery took far too long.", "I had to call several times.", "Nobody called back.", ""),
}


_FOLD: Final = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
_ALERT_TOPIC: Final = {(it.name, code): topic for it in _CATALOG for code, _, _, topic in it.alerts}


def ascii_fold(text: str) -> str:
    """German transliteration first (ü→ue, ß→ss), then strip any other accents."""
    text = text.translate(_FOLD)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _utc(now: datetime) -> datetime:
    # Naive datetimes are taken as UTC; sub-second precision is dropped so "at <= now" holds after formatting.
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    return now.replace(microsecond=0)


def _iso(dt: datetime) -> str:
    return f"{dt:%Y-%m-%dT%H:%M:%SZ}"


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
