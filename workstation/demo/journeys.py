"""Deterministic generator of demo customers, their multi-channel journeys and their chat openings."""

from __future__ import annotations

import math
import random
import re
import unicodedata
import zlib
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any, Final

from workstation.domain.events import PAYMENT_PROBLEMS, collapse, contact_unresolved
from workstation.domain.timeline import CHANNELS  # re-exported: the simulator's channels

__all__ = [
    "CHANNELS",
    "DE_FIRST_NAMES",
    "DE_LAST_NAMES",
    "EN_FIRST_NAMES",
    "EN_LAST_NAMES",
    "EVENT_DATA_KEYS",
    "TOPICS",
    "ascii_fold",
    "make_chat_opening",
    "make_customer",
    "make_customer_reply",
    "make_history",
    "make_long_history",
    "open_problems",
]

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

# --------------------------------------------------------------------------------------------- people

DE_FIRST_NAMES: Final = (
    "Jana",
    "Lukas",
    "Jürgen",
    "Björn",
    "Sören",
    "Jörg",
    "Bärbel",
    "Günter",
    "Mia",
    "Leon",
    "Anna",
    "Felix",
    "Paul",
    "Lena",
    "Jonas",
    "Hannah",
    "Maximilian",
    "Katharina",
    "Tobias",
    "Lea",
    "Finn",
    "Sophie",
    "Käthe",
    "Jörn",
    "Ute",
    "Heike",
    "Uwe",
    "Dieter",
    "Sabine",
    "Matthias",
    "Stefanie",
    "Kai",
    "Frauke",
    "Malte",
    "Wiebke",
    "Hendrik",
)
DE_LAST_NAMES: Final = (
    "Kowalski",
    "Schäfer",
    "Müller",
    "Schröder",
    "Köhler",
    "Krüger",
    "Jäger",
    "Böhm",
    "Weiß",
    "Groß",
    "Hoffmann",
    "Wagner",
    "Becker",
    "Schulz",
    "Richter",
    "Neumann",
    "Wolf",
    "Braun",
    "Koch",
    "Fischer",
    "Meyer",
    "Möller",
    "Förster",
    "Schmitz",
    "Bauer",
    "Zimmermann",
    "Krämer",
    "Vogel",
    "Köster",
    "Dörr",
    "Hübner",
    "Brückner",
    "Schneider",
    "Lehmann",
    "Strauß",
    "Nowak",
    "Öztürk",
)
EN_FIRST_NAMES: Final = (
    "Oliver",
    "Amelia",
    "Harry",
    "Isla",
    "George",
    "Olivia",
    "Jack",
    "Emily",
    "Charlie",
    "Grace",
    "Oscar",
    "Chloe",
    "James",
    "Lucy",
    "William",
    "Poppy",
    "Alfie",
    "Freya",
    "Henry",
    "Evie",
    "Noah",
    "Ruby",
    "Arthur",
    "Daisy",
    "Samuel",
    "Ella",
    "Theo",
    "Megan",
    "Callum",
    "Niamh",
)
EN_LAST_NAMES: Final = (
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Evans",
    "Roberts",
    "Walker",
    "Wright",
    "Robinson",
    "Thompson",
    "Hughes",
    "Edwards",
    "Green",
    "Hall",
    "Wood",
    "Clarke",
    "Patel",
    "Khan",
    "Murphy",
    "O'Brien",
    "Campbell",
    "Stewart",
    "Morgan",
    "Cooper",
    "Harris",
    "Lewis",
)
_DE_COMPANIES: Final = (
    "{} Elektrotechnik GmbH",
    "Bäckerei {}",
    "Praxis Dr. {}",
    "Autohaus {} GmbH",
    "{} & Partner Steuerberatung",
    "Gärtnerei {}",
    "Kanzlei {}",
)
_EN_COMPANIES: Final = (
    "{} & Sons Ltd",
    "{} Plumbing Ltd",
    "{} Consulting Ltd",
    "The {} Bakery",
    "{} Dental Practice",
    "{} Logistics Ltd",
)

_TIERS: Final = ("bronze", "silver", "gold", "platinum")
_CLV_RANGE: Final = {
    "bronze": (40.0, 600.0),
    "silver": (600.0, 2000.0),
    "gold": (2000.0, 8000.0),
    "platinum": (8000.0, 30000.0),
}
# Product "since" dates need an anchor; without `now` a fixed one keeps a seed alone reproducible.
_DEFAULT_ANCHOR: Final = datetime(2025, 1, 1, tzinfo=UTC)

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


# -------------------------------------------------------------------------------------------- customers


def make_customer(rng: random.Random, customer_id: str, *, now: datetime | None = None) -> dict[str, Any]:
    """A customer shaped like a relevance case's `customer`, plus `email`, `phone` (and `company` for b2b)."""
    lang = "de" if rng.random() < 0.6 else "en"
    first = rng.choice(DE_FIRST_NAMES if lang == "de" else EN_FIRST_NAMES)
    last = rng.choice(DE_LAST_NAMES if lang == "de" else EN_LAST_NAMES)
    segment = "b2b" if rng.random() < 0.15 else "b2c"
    # Most customers are small; business accounts skew to the upper tiers.
    weights = (45, 30, 17, 8) if segment == "b2c" else (15, 35, 32, 18)
    tier = rng.choices(_TIERS, weights=weights)[0]
    lo, hi = _CLV_RANGE[tier]
    clv = round(lo + (hi - lo) * rng.random() ** 1.6, 2)
    churn = round(min(0.97, rng.betavariate(1.6, 4.0)), 2)
    consents = {"marketing": rng.random() < 0.62, "cobrowse": rng.random() < 0.72}
    anchor = _utc(now) if now is not None else _DEFAULT_ANCHOR
    customer: dict[str, Any] = {
        "id": customer_id,
        "name": f"{first} {last}",
        "language": lang,
        "segment": segment,
    }
    if segment == "b2b":
        pattern = rng.choice(_DE_COMPANIES if lang == "de" else _EN_COMPANIES)
        customer["company"] = pattern.format(
            last if rng.random() < 0.6 else rng.choice(DE_LAST_NAMES if lang == "de" else EN_LAST_NAMES)
        )
    customer |= {
        "value_tier": tier,
        "clv": clv,
        "churn_risk": churn,
        "consents": consents,
        "products": _make_products(rng, segment, tier, anchor),
    }
    local = f"{_mail_part(first)}.{_mail_part(last)}"
    if segment == "b2b":
        local = f"{_mail_part(first)[0]}.{_mail_part(last)}"
    if rng.random() < 0.3:
        local += str(rng.randint(1, 99))
    domain = rng.choice(
        ("example.de", "example.de", "example.com") if lang == "de" else ("example.com", "example.org")
    )
    customer["email"] = f"{local}@{domain}"
    # Number ranges reserved for fiction: Berlin 555 (as the brief asks) and Ofcom's 020 7946 0xxx.
    customer["phone"] = (
        f"+49 30 555-{rng.randint(0, 9999):04d}"
        if lang == "de"
        else f"+44 20 7946 0{rng.randint(0, 999):03d}"
    )
    return customer


def _mail_part(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "", ascii_fold(text).lower())


def _make_products(rng: random.Random, segment: str, tier: str, anchor: datetime) -> list[dict[str, str]]:
    extra = _TIERS.index(tier) * 0.08  # better tiers own a little more
    picks: list[tuple[str, datetime]] = []

    def since(lo_days: int = 400, hi_days: int = 2400) -> datetime:
        return anchor - timedelta(days=rng.randint(lo_days, hi_days))

    if segment == "b2b":
        line = since()
        picks += [("Business Fibre 500", line), ("Router R-200", line)]
        if rng.random() < 0.6 + extra:
            picks.append(("Business Mobile 10", since()))
        if rng.random() < 0.4:
            picks.append((rng.choice(("Nova X5", "Nova X5 Pro")), since(400, 900)))
    else:
        if rng.random() < 0.7 + extra:
            line = since()
            ladder = ("DSL 50", "Fibre 100", "Fibre 250", "Fibre 1000")
            plan = rng.choices(ladder, weights=(15, 30, 35, 20))[0]
            picks.append((plan, line))
            if rng.random() < 0.85:
                picks.append(("Router R-200", line))
            if rng.random() < 0.2 + extra:
                picks.append(("Mesh Wi-Fi Point M3", since(400, 1500)))
            if rng.random() < 0.15 + extra:
                picks.append(("TV Stream", since(400, 1500)))
        if rng.random() < 0.55:
            picks.append((rng.choice(("Mobile S", "Mobile M", "Mobile XL")), since()))
        if rng.random() < 0.3 + extra:
            picks.append((rng.choice(("Nova X5", "Nova X5 Pro", "Pixelon 8")), since(400, 1100)))
        if rng.random() < 0.18 + extra:
            picks.append(("Smart Thermostat T3", since(400, 1500)))
        if rng.random() < 0.12:
            picks.append(("SoundPeak ANC 700", since(400, 1100)))
    return [{"id": _BY_NAME[name].pid, "name": name, "since": f"{when:%Y-%m-%d}"} for name, when in picks]


# ---------------------------------------------------------------------------------------------- history


def make_history(
    rng: random.Random, customer: dict[str, Any], now: datetime, *, first_event_id: int = 1, months: int = 12
) -> list[Event]:
    """A customer's timeline over the last `months` months: coherent journeys, some still open at `now`."""
    gen = _Gen(rng, customer, _utc(now), months * 30.44)
    activity = (
        1.0
        + 0.25 * _TIERS.index(customer.get("value_tier", "bronze"))
        + (0.4 if customer.get("segment") == "b2b" else 0.0)
    )
    # Open journeys and the last journey's overshoot come on top, so aim a little under 150.
    target = int(min(135, rng.triangular(20, 120, 35) * activity) * months / 12)
    raws = gen.consent_events() + gen.open_journeys()
    while len(raws) < max(target, 1):
        raws += gen.natural_journey()
    return _finalize(raws, first_event_id)


def make_long_history(
    rng: random.Random,
    customer: dict[str, Any],
    now: datetime,
    n_events: int,
    *,
    first_event_id: int = 1,
    months: int | None = None,
) -> list[Event]:
    """Exactly `n_events` events (for benchmarks): the same journeys repeated over a longer span."""
    # About 30 events a day: busy, but journeys do not pile up on the same hours (100k → about 8 years).
    span = months if months is not None else max(12, math.ceil(n_events / 1000))
    gen = _Gen(rng, customer, _utc(now), span * 30.44)
    raws = gen.consent_events() + gen.open_journeys()
    if len(raws) > n_events:
        # Too few events for the set pieces: cutting them could split a consent change from the mail that
        # caused it, so drop them and keep a plain timeline with an unchanging consent.
        gen.drop_consent_change()
        raws = []
    while len(raws) < n_events:
        journey = gen.natural_journey()
        if len(raws) + len(journey) > n_events:
            # Trimming a journey could orphan a shipment from its order; single-event fillers cannot.
            journey = [gen.filler() for _ in range(n_events - len(raws))]
        raws += journey
    return _finalize(raws, first_event_id)


def _finalize(raws: list[_Raw], first_event_id: int) -> list[Event]:
    raws.sort(key=itemgetter(0))  # stable: a journey's same-second events keep their causal order
    out: list[Event] = []
    for i, (at, channel, kind, summary, data) in enumerate(raws):
        for key, value in data.items():
            if isinstance(value, datetime):
                data[key] = _iso(value)
        out.append(
            {
                "id": f"e{first_event_id + i}",
                "at": _iso(at),
                "channel": channel,
                "kind": kind,
                "summary": summary,
                "data": data,
            }
        )
    return out


class _Gen:
    """Journey templates for one customer; every journey is internally ordered by cause and effect."""

    def __init__(self, rng: random.Random, customer: dict[str, Any], now: datetime, span_days: float) -> None:
        self.rng = rng
        self.customer = customer
        self.lang = "de" if customer.get("language") == "de" else "en"
        self.now = now
        self.start = now - timedelta(days=span_days)
        self.span_s = max(1, int((now - self.start).total_seconds()))
        self.order_ids: set[str] = set()
        self.invoice_ids: set[str] = set()
        self.devices: list[tuple[_Item, datetime]] = []  # connected devices and when the customer got them
        self.plans: list[_Item] = []
        self.upgraded: set[str] = set()
        self.threads: dict[str, list[tuple[datetime, datetime]]] = {}  # disjoint busy spans, sorted
        for product in customer.get("products", []):
            item = _BY_PID.get(product.get("id", "")) or _BY_NAME.get(product.get("name", ""))
            if item is None:
                continue
            if item.kind == "plan":
                self.plans.append(item)
            elif item.kind == "device":
                self.devices.append((item, _parse(product["since"] + "T00:00:00+00:00")))
        self._setup_consent()
        self._natural: tuple[tuple[Callable[[datetime], list[_Raw]], float], ...] = (
            (self.browse, 30),
            (self.campaign, 8),
            (self.purchase_journey, 16),
            (self.checkout, 4),
            (self.app_trouble, 3),
            (self.service_contact, 10),
            (self.device_issue, 6),
            (self.payment, 3),
            (self.complaint, 2),
            (self.retention, 6 * float(customer.get("churn_risk", 0.2)) if self.plans else 0),
            (self.contract, 3 if self.plans else 0),
            (self.move, 1),
            (self.store_visit, 2),
            (self.survey, 3),
            (self.social, 2),
        )
        self._natural_fns = tuple(fn for fn, w in self._natural if w > 0)
        self._natural_cum = tuple(_cumulative([w for _, w in self._natural if w > 0]))

    # ---- time helpers

    def _rand_time(self) -> datetime:
        t = self.start + timedelta(seconds=self.rng.randrange(self.span_s))
        return self._daytime(t)

    def _daytime(self, t: datetime) -> datetime:
        # People act between breakfast and late evening; keeps timelines believable for agents.
        # Only ever moved forward, so nothing lands before the window; overshooting `now` gets clipped.
        if 7 <= t.hour <= 22:
            return t
        day = t if t.hour < 7 else t + timedelta(days=1)
        return day.replace(hour=self.rng.randint(8, 21), minute=self.rng.randint(0, 59))

    def _after(self, t: datetime, lo_h: float, hi_h: float) -> datetime:
        return t + timedelta(seconds=self.rng.randint(max(60, int(lo_h * 3600)), max(60, int(hi_h * 3600))))

    def _later_day(self, t: datetime, lo_d: int, hi_d: int, lo_hour: int = 8, hi_hour: int = 20) -> datetime:
        rng = self.rng
        d = (t + timedelta(days=rng.randint(lo_d, hi_d))).replace(
            hour=rng.randint(lo_hour, hi_hour), minute=rng.randint(0, 59), second=rng.randint(0, 59)
        )
        return d if d > t else t + timedelta(minutes=rng.randint(5, 90))

    # ---- id helpers

    def _order_id(self) -> str:
        # Five digits like the cases; widen only when a benchmark history would exhaust them.
        lo, hi = (10000, 99999) if len(self.order_ids) < 30000 else (100000, 9999999)
        while True:
            oid = str(self.rng.randint(lo, hi))
            if oid not in self.order_ids:
                self.order_ids.add(oid)
                return oid

    def _invoice_id(self) -> str:
        lo, hi = (1000, 9999) if len(self.invoice_ids) < 3000 else (10000, 9999999)
        while True:
            iid = f"INV-{self.rng.randint(lo, hi)}"
            if iid not in self.invoice_ids:
                self.invoice_ids.add(iid)
                return iid

    # ---- consent timeline

    def _setup_consent(self) -> None:
        rng = self.rng
        final = bool(self.customer.get("consents", {}).get("marketing", False))
        self.consent_after = final
        self.consent_before = final
        self.consent_at: datetime | None = None
        # A visible change must agree with the customer's current consent: opt-in or withdrawal, never both.
        if rng.random() < (0.25 if final else 0.5):
            self.consent_at = min(self._rand_time(), self.now)  # a change after now would be invisible
            self.consent_before = not final

    def drop_consent_change(self) -> None:
        self.consent_at = None
        self.consent_before = self.consent_after

    def marketing_at(self, t: datetime) -> bool:
        if self.consent_at is None or t >= self.consent_at:
            return self.consent_after
        return self.consent_before

    def consent_events(self) -> list[_Raw]:
        at = self.consent_at
        if at is None or at > self.now:
            return []
        out: list[_Raw] = []
        if self.consent_after:
            out.append(
                (
                    at,
                    self.rng.choice(("web", "app")),
                    "consent_changed",
                    "Marketing consent given",
                    {"marketing": True},
                )
            )
            return out
        if self.rng.random() < 0.5:
            name = self._campaign_name(at, self.rng.choice(tuple(_CAMPAIGNS)))[0]
            out.append(
                (
                    at - timedelta(seconds=self.rng.randint(20, 300)),
                    "email",
                    "campaign_response",
                    f"Campaign '{name}': unsubscribed",
                    {"campaign": name, "response": "unsubscribed"},
                )
            )
            channel = "email"
        else:
            channel = self.rng.choice(("web", "app", "phone"))
        out.append((at, channel, "consent_changed", "Marketing consent withdrawn", {"marketing": False}))
        return out

    # ---- journey selection

    def natural_journey(self) -> list[_Raw]:
        fn = self._natural_fns[_pick_index(self.rng, self._natural_cum)]
        # A journey started shortly before now is cut at now: that is how natural open states arise. Cutting
        # by time is causally safe, since every cause is earlier than its effect.
        events = [e for e in fn(self._rand_time()) if e[0] <= self.now]
        if not events or not self._reserve(events):
            events = [e for e in self.browse(self._rand_time()) if e[0] <= self.now]
        return events or [self.filler()]

    def _reserve(self, events: list[_Raw]) -> bool:
        """Claim the service threads a journey occupies; refuse it if one is already busy at that time.

        Two outages of the same router code or two "late delivery" complaints running at once would
        interleave ("open, open, resolved, resolved") into something no agent could read.
        """
        spans = _threads(events)
        for key, (lo, hi) in spans.items():
            taken = self.threads.get(key)
            if taken and _overlaps(taken, lo, hi):
                return False
        for key, span in spans.items():
            insort(self.threads.setdefault(key, []), span)
        return True

    def filler(self) -> _Raw:
        t = min(self._rand_time(), self.now)
        item = self._shop_item()
        if self.rng.random() < 0.3:
            return self._search(t, item)
        return self._page(t, self.rng.choice(("web", "app")), item)

    _OPEN_WEIGHTS: Final = {
        "delayed": 18,
        "in_transit": 14,
        "not_shipped": 6,
        "return": 10,
        "payment": 10,
        "device": 12,
        "complaint": 8,
        "cancellation": 8,
        "checkout": 8,
        "contact": 6,
    }
    # How long ago the journey stopped, by open state: an agent sees fresh trouble and some older loose ends.
    _OPEN_GAP_H: Final = {
        "delayed": (1, 72),
        "in_transit": (1, 12),
        "not_shipped": (1, 20),
        "return": (24, 240),
        "payment": (24, 288),
        "device": (1, 48),
        "complaint": (24, 240),
        "cancellation": (24, 168),
        "checkout": (0.2, 6),
        "contact": (1, 120),
    }

    def open_journeys(self) -> list[_Raw]:
        rng = self.rng
        count = rng.choices((0, 1, 2), weights=(40, 45, 15))[0]
        kinds = dict(self._OPEN_WEIGHTS)
        if not any(since <= self.now - timedelta(days=61) and item.alerts for item, since in self.devices):
            kinds.pop("device")
        if not self.plans or float(self.customer.get("churn_risk", 0)) < 0.35:
            kinds.pop("cancellation")
        out: list[_Raw] = []
        for _ in range(count):
            kind = rng.choices(list(kinds), weights=list(kinds.values()))[0]
            kinds.pop(kind)
            out += self._open_journey(kind)
        return out

    def _open_journey(self, kind: str) -> list[_Raw]:
        # Built from a point well in the past (so ownership and consent checks see a settled state), then
        # moved up to just before `now`.
        rng = self.rng
        base = (self.now - timedelta(days=60)).replace(
            hour=rng.randint(8, 20), minute=rng.randint(0, 59), second=rng.randint(0, 59)
        )
        builders: dict[str, Callable[[], list[_Raw]]] = {
            "delayed": lambda: self.purchase_journey(base, stop="delayed"),
            "in_transit": lambda: self.purchase_journey(base, stop="shipped"),
            "not_shipped": lambda: self.purchase_journey(base, stop="placed"),
            "return": lambda: self.purchase_journey(base, stop="returned"),
            "payment": lambda: self.payment(base, stop=self.rng.choice(("failed", "overdue"))),
            "device": lambda: self.device_issue(base, stop=self.rng.choice(("alert", "contact", "contact"))),
            "complaint": lambda: (
                self.purchase_journey(base, stop="complaint")
                if self.rng.random() < 0.4
                else self.complaint(base, stop="open")
            ),
            "cancellation": lambda: self.retention(base, stop="intent"),
            "checkout": lambda: self.checkout(base, stop="abandoned"),
            "contact": lambda: self.service_contact(base, stop="unresolved"),
        }
        events = builders[kind]()
        if not events:
            return []
        lo, hi = self._OPEN_GAP_H[kind]
        target = self.now - timedelta(seconds=self.rng.randint(int(lo * 3600), int(hi * 3600)))
        last = max(e[0] for e in events)
        # Whole days keep wall-clock times (ETAs at 18:00, deliveries by day) believable after the move.
        shift = timedelta(days=(target - last) // timedelta(days=1))
        events = [_shifted(e, shift) for e in events]
        if events[0][0] < self.start or not self._reserve(events):
            return []
        return events

    # ---- building blocks

    def _shop_item(self) -> _Item:
        return self.rng.choices(_SHOP_ITEMS, weights=_SHOP_WEIGHTS)[0]

    def _title(self, item: _Item) -> str:
        return item.name_de if self.lang == "de" else item.name

    def _page(self, t: datetime, channel: str, item: _Item, seconds: int | None = None) -> _Raw:
        title = self._title(item)
        secs = seconds if seconds is not None else int(5 + self.rng.expovariate(1 / 70))
        return (
            t,
            channel,
            "page_view",
            f"Viewed {title}",
            {"url": f"/products/{item.slug}", "title": title, "category": item.category, "seconds": secs},
        )

    def _category_page(self, t: datetime, channel: str, category: str) -> _Raw:
        title = _CATEGORY_TITLES[category][0 if self.lang == "de" else 1]
        secs = int(4 + self.rng.expovariate(1 / 40))
        return (
            t,
            channel,
            "page_view",
            f"Viewed {title}",
            {"url": f"/category/{category}", "title": title, "category": category, "seconds": secs},
        )

    def _site_page(
        self, t: datetime, channel: str, url: str, de: str, en: str, category: str, seconds: int
    ) -> _Raw:
        title = de if self.lang == "de" else en
        return (
            t,
            channel,
            "page_view",
            f"Viewed {title}",
            {"url": url, "title": title, "category": category, "seconds": seconds},
        )

    def _search(self, t: datetime, item: _Item) -> _Raw:
        query = self.rng.choice(item.search_de if self.lang == "de" else item.search_en)
        return (t, self.rng.choice(("web", "app")), "search", f"Searched '{query}'", {"query": query})

    def _contact(
        self,
        t: datetime,
        channel: str,
        topic: str,
        outcome: str,
        sentiment: float,
        *,
        order_id: str | None = None,
    ) -> _Raw:
        label = outcome.replace("_", " ")
        data: dict[str, Any] = {
            "topic": topic,
            "outcome": outcome,
            "sentiment": round(max(-1.0, min(1.0, sentiment)), 2),
        }
        if order_id:
            data["order_id"] = order_id
        if channel in ("chat", "email"):
            data["transcript"] = _transcript(self.lang, channel, topic, outcome, order_id, t)
        return (t, channel, "contact", f"{_CHANNEL_LABEL[channel]} contact about {topic}, {label}", data)

    def _survey_event(self, t: datetime, good: bool) -> _Raw:
        rng = self.rng
        nps = rng.choice((7, 8, 8, 9, 9, 10, 10)) if good else rng.choice((0, 2, 3, 4, 5, 5, 6, 6))
        comment = rng.choice(_SURVEY_COMMENTS[(self.lang, "pos" if nps >= 7 else "neg")])
        return (t, "email", "survey", f"Survey NPS {nps}", {"nps": nps, "comment": comment})

    def _social_event(self, t: datetime, positive: bool, item: _Item | None = None) -> _Raw:
        rng = self.rng
        text = rng.choice(_SOCIAL[(self.lang, "pos" if positive else "neg")])
        item = item or self._shop_item()
        plan = self.plans[0].name if self.plans else "Fibre 250"
        noun = item.noun_de if self.lang == "de" else item.noun_en
        text = text.format(item=item.name, plan=plan, noun=noun)
        sentiment = round(rng.uniform(0.4, 0.95) if positive else rng.uniform(-0.95, -0.4), 2)
        mood = "positive" if positive else "negative"
        return (
            t,
            "social",
            "social_post",
            f"Social post ({mood}): {text}",
            {"text": text, "sentiment": sentiment},
        )

    def _session(self, t: datetime, focus: _Item | None = None) -> list[_Raw]:
        """A browsing session: maybe a search, a category page, a few product pages (awareness/interest)."""
        rng = self.rng
        channel = "web" if rng.random() < 0.65 else "app"
        focus = focus or self._shop_item()
        out: list[_Raw] = []
        if rng.random() < 0.4:
            query = rng.choice(focus.search_de if self.lang == "de" else focus.search_en)
            out.append((t, channel, "search", f"Searched '{query}'", {"query": query}))
            t += timedelta(seconds=rng.randint(3, 20))
        if rng.random() < 0.6:
            out.append(self._category_page(t, channel, focus.category))
            t += timedelta(seconds=out[-1][4]["seconds"] + rng.randint(1, 10))
        siblings = [it for it in _CATALOG if it.category == focus.category and it is not focus]
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            if siblings:
                out.append(self._page(t, channel, rng.choice(siblings)))
                t += timedelta(seconds=out[-1][4]["seconds"] + rng.randint(1, 10))
        out.append(self._page(t, channel, focus, int(20 + rng.expovariate(1 / 90))))
        return out

    # ---- journeys (awareness / interest)

    def browse(self, t: datetime) -> list[_Raw]:
        return self._session(t)

    def campaign(self, t: datetime) -> list[_Raw]:
        rng = self.rng
        if not self.marketing_at(t):
            return self._session(t)  # no consent, no campaign mail
        name, promoted = self._campaign_name(t, rng.choice(tuple(_CAMPAIGNS)))
        clicked = rng.random() < 0.35
        out: list[_Raw] = [
            (
                t,
                "email",
                "campaign_response",
                f"Campaign '{name}': {'clicked' if clicked else 'ignored'}",
                {"campaign": name, "response": "clicked" if clicked else "ignored"},
            )
        ]
        if not clicked:
            return out
        t = self._after(t, 0.01, 0.2)
        out.append(self._page(t, "web", promoted))
        if promoted.kind != "plan" and rng.random() < 0.25:
            out += self.purchase_journey(self._after(t, 0.1, 72), item=promoted, browse=False)
        return out

    def _campaign_name(self, t: datetime, key: str) -> tuple[str, _Item]:
        de, en, target = _CAMPAIGNS[key]
        name = (de if self.lang == "de" else en).format(week=t.isocalendar().week)
        if target in _BY_NAME:
            return name, _BY_NAME[target]
        return name, self.rng.choice([it for it in _CATALOG if it.category == target])

    # ---- journeys (purchase and logistics)

    def purchase_journey(
        self, t: datetime, *, item: _Item | None = None, stop: str | None = None, browse: bool = True
    ) -> list[_Raw]:
        """Interest → (abandoned cart) → order → shipped → (delayed) → delivered → (return → refund)."""
        rng = self.rng
        item = item or self._shop_item()
        if item.kind == "plan":
            item = self._shop_item()
        lines = [(item, 1)]
        if item.category in _ACCESSORIES_FOR and rng.random() < 0.3:
            lines.append((_BY_NAME[rng.choice(_ACCESSORIES_FOR[item.category])], 1))
        if self.customer.get("segment") == "b2b" and rng.random() < 0.4:
            lines[0] = (item, rng.randint(2, 10))
        value = round(sum(it.price * n for it, n in lines) * (0.9 if rng.random() < 0.12 else 1.0), 2)
        count = sum(n for _, n in lines)
        out: list[_Raw] = []
        if browse:
            out += self._session(t, item)
            t = out[-1][0] + timedelta(seconds=out[-1][4]["seconds"])
        if rng.random() < 0.2:
            channel = out[-1][1] if out else "web"
            out.append(
                (
                    t,
                    channel,
                    "cart_abandoned",
                    f"Cart abandoned: {count} item(s), {value:.2f} EUR",
                    {"value": value, "items": count},
                )
            )
            t = self._later_day(t, 1, 5, 8, 22)
            out.append(self._page(t, rng.choice(("web", "app")), item))
            t += timedelta(seconds=out[-1][4]["seconds"])
        t += timedelta(seconds=rng.randint(30, 400))
        oid = self._order_id()
        names = ", ".join(f"{n}× {it.name}" if n > 1 else it.name for it, n in lines)
        out.append(
            (
                t,
                "shop",
                "order_placed",
                f"Order {oid} placed: {names} ({value:.2f} EUR)",
                {"order_id": oid, "value": value, "items": count},
            )
        )
        if stop == "placed":
            return out
        shipped = self._after(t, 3, 40)
        eta = (shipped + timedelta(days=rng.randint(1, 3))).replace(hour=18, minute=0, second=0)
        carrier = rng.choices(_CARRIERS, weights=_CARRIER_WEIGHTS)[0]
        out.append(
            (
                shipped,
                "logistics",
                "order_shipped",
                f"Order {oid} shipped with {carrier}",
                {"order_id": oid, "carrier": carrier, "eta": eta},
            )
        )
        if stop == "shipped":
            return out
        delayed = stop in ("delayed", "complaint") or rng.random() < 0.15
        due = eta
        t = shipped
        complaint_topic = ""
        if delayed:
            reason = rng.choice(_DELAY_REASONS)
            t = max(self._after(shipped, 2, 6), eta - timedelta(seconds=rng.randint(2 * 3600, 20 * 3600)))
            due = (eta + timedelta(days=rng.randint(1, 4))).replace(hour=18, minute=0, second=0)
            out.append(
                (
                    t,
                    "logistics",
                    "delivery_delayed",
                    f"Order {oid} delayed: {reason}",
                    {"order_id": oid, "new_eta": due, "reason": reason},
                )
            )
            if rng.random() < 0.2:
                t = self._after(t, 1, 20)
                out.append(self._social_event(t, False, item))
            if stop == "complaint" or rng.random() < 0.4:
                t = self._daytime(self._after(t, 2, 30))  # people call in waking hours
                outcome = rng.choice(("unresolved", "resolved")) if stop is None else "unresolved"
                channel = rng.choice(("chat", "phone", "email"))
                mood = rng.uniform(-0.8, 0.1)
                out.append(self._contact(t, channel, "delivery status", outcome, mood, order_id=oid))
            if stop == "complaint" or rng.random() < 0.1:
                t = self._after(t, 1, 24)
                complaint_topic = "late delivery"
                severity = "high" if self.customer.get("value_tier") in ("gold", "platinum") else "medium"
                out.append(
                    (
                        t,
                        rng.choice(("phone", "email")),
                        "complaint",
                        f"Complaint: {complaint_topic}, open",
                        {"topic": complaint_topic, "severity": severity, "status": "open", "order_id": oid},
                    )
                )
            if stop in ("delayed", "complaint"):
                return out
        # Deliveries happen in the daytime on the due day, after everything before them.
        arrived = max(self._after(t, 0.2, 2), due.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59)))
        out.append((arrived, "logistics", "delivered", f"Order {oid} delivered", {"order_id": oid}))
        t = arrived
        if complaint_topic:
            t = self._later_day(t, 1, 6)
            out.append(
                (
                    t,
                    "phone",
                    "complaint",
                    f"Complaint: {complaint_topic}, resolved",
                    {"topic": complaint_topic, "severity": "medium", "status": "resolved", "order_id": oid},
                )
            )
        returned = stop == "returned" or rng.random() < 0.1
        if returned:
            reason = rng.choice(_RETURN_REASONS)
            t = self._later_day(t, 1, 14)
            out.append(
                (
                    t,
                    rng.choice(("web", "app", "app", "branch")),
                    "return_requested",
                    f"Return requested for order {oid} ({reason})",
                    {"order_id": oid, "reason": reason},
                )
            )
            if stop == "returned":
                if rng.random() < 0.3:
                    t = self._later_day(t, 5, 12)
                    out.append(
                        self._contact(
                            t,
                            rng.choice(("email", "phone")),
                            "refund status",
                            "unresolved",
                            rng.uniform(-0.6, 0.0),
                        )
                    )
                return out
            t = self._later_day(t, 4, 14)
            # Only the main line goes back; its refund carries its share of any order discount.
            full = sum(it.price * n for it, n in lines)
            amount = value if len(lines) == 1 else round(value * item.price * lines[0][1] / full, 2)
            out.append(
                (
                    t,
                    "billing",
                    "refund_issued",
                    f"Refund of {amount:.2f} EUR issued for order {oid}",
                    {"order_id": oid, "amount": amount},
                )
            )
        elif item.kind == "device":
            self.devices.append((item, arrived))
        if rng.random() < 0.2:
            out.append(self._survey_event(self._later_day(t, 1, 4), not delayed and not returned))
        elif not delayed and not returned and rng.random() < 0.05:
            out.append(self._social_event(self._after(arrived, 1, 30), True, item))
        return out

    def checkout(self, t: datetime, *, stop: str | None = None) -> list[_Raw]:
        """Lost at checkout: cart, payment page, maybe an app error, abandoned cart, often a later order."""
        rng = self.rng
        item = self._shop_item()
        out = self._session(t, item)
        channel = out[-1][1]
        t = out[-1][0] + timedelta(seconds=out[-1][4]["seconds"])
        out.append(
            self._site_page(
                t, channel, "/checkout/cart", "Warenkorb", "Basket", "checkout", rng.randint(15, 90)
            )
        )
        t += timedelta(seconds=out[-1][4]["seconds"])
        out.append(
            self._site_page(
                t,
                channel,
                "/checkout/payment",
                "Kasse – Zahlung",
                "Checkout – Payment",
                "checkout",
                rng.randint(120, 700),
            )
        )
        t += timedelta(seconds=out[-1][4]["seconds"])
        if channel == "app" and rng.random() < 0.5:
            screen, code, message = _APP_ERRORS[2]
            out.append(
                (
                    t,
                    "app",
                    "app_error",
                    f"App error on {screen}: {message} ({code})",
                    {"screen": screen, "code": code, "message": message},
                )
            )
            t += timedelta(seconds=rng.randint(5, 60))
        value = item.price
        out.append(
            (
                t,
                channel,
                "cart_abandoned",
                f"Cart abandoned: 1 item(s), {value:.2f} EUR",
                {"value": value, "items": 1},
            )
        )
        if stop == "abandoned" or rng.random() < 0.4:
            return out
        return out + self.purchase_journey(self._after(t, 0.5, 72), item=item, browse=False)

    # ---- journeys (service)

    def app_trouble(self, t: datetime) -> list[_Raw]:
        rng = self.rng
        screen, code, message = rng.choice(_APP_ERRORS[:2] + _APP_ERRORS[3:])
        out: list[_Raw] = [
            (
                t,
                "app",
                "app_error",
                f"App error on {screen}: {message} ({code})",
                {"screen": screen, "code": code, "message": message},
            )
        ]
        if rng.random() < 0.5:
            t = self._after(t, 0.01, 0.3)
            out.append(
                (
                    t,
                    "app",
                    "app_error",
                    f"App error on {screen}: {message} ({code})",
                    {"screen": screen, "code": code, "message": message},
                )
            )
        if rng.random() < 0.4:
            t = self._daytime(self._after(t, 0.05, 5))
            topic = "app login" if screen == "login" else "app problem"
            out.append(self._contact(t, "chat", topic, "resolved", rng.uniform(-0.2, 0.6)))
        return out

    def service_contact(self, t: datetime, *, stop: str | None = None) -> list[_Raw]:
        rng = self.rng
        channel = rng.choices(("phone", "email", "chat", "branch"), weights=(40, 25, 25, 10))[0]
        if stop == "unresolved":
            topic = rng.choice(tuple(_OPEN_CONTACT_TOPICS))
            outcome = rng.choice(("unresolved", "callback_promised"))
            return [self._contact(t, channel, topic, outcome, rng.uniform(-0.6, 0.1))]
        topic = rng.choice(_GENERAL_CONTACT_TOPICS)
        if rng.random() < 0.85:
            out = [self._contact(t, channel, topic, "resolved", rng.uniform(0.0, 0.9))]
        else:
            # A loose end that gets tied up: first contact not resolved, a later one is.
            out = [
                self._contact(
                    t, channel, topic, rng.choice(("unresolved", "callback_promised")), rng.uniform(-0.5, 0.2)
                )
            ]
            t = self._later_day(t, 1, 4)
            out.append(self._contact(t, "phone", topic, "resolved", rng.uniform(0.0, 0.7)))
        if rng.random() < 0.15:
            out.append(self._survey_event(self._later_day(out[-1][0], 0, 2), True))
        return out

    def device_issue(self, t: datetime, *, stop: str | None = None) -> list[_Raw]:
        """Device alert → contacts (callbacks, repeat calls, maybe a complaint) → resolved → alert cleared."""
        rng = self.rng
        owned = [it for it, since in self.devices if since <= t and it.alerts]
        if not owned:
            return []
        item = rng.choice(owned)
        # An open issue is never just a pending firmware note.
        serious = tuple(a for a in item.alerts if a[2] != "info")
        alerts = item.alerts if stop is None or not serious else serious
        code, message, severity, topic = rng.choice(alerts)
        data = {"device": item.name, "code": code, "severity": severity, "active": True}
        out: list[_Raw] = [(t, "device", "device_alert", f"{item.name}: {message}", data)]
        if stop == "alert":
            return out
        if severity == "info" and stop is None:
            t = self._after(t, 4, 96)
            cleared = data | {"active": False}
            out.append((t, "device", "device_alert", f"{item.name}: {message} cleared", cleared))
            return out
        channels = ("phone", "chat", "phone", "email")
        t = self._daytime(self._after(t, 0.3, 20))
        outcome = rng.choices(("resolved", "callback_promised", "unresolved"), weights=(45, 35, 20))[0]
        if stop == "contact":
            outcome = rng.choice(("callback_promised", "unresolved"))
        out.append(self._contact(t, rng.choice(channels), topic, outcome, rng.uniform(-0.7, 0.2)))
        if outcome != "resolved" and rng.random() < 0.15:
            out.append(self._social_event(self._after(t, 1, 10), False, item))
        if stop == "contact":
            if rng.random() < 0.4:
                t = self._daytime(self._after(t, 20, 30))
                out.append(
                    self._contact(
                        t,
                        "phone",
                        topic,
                        rng.choice(("unresolved", "callback_promised")),
                        rng.uniform(-0.9, -0.2),
                    )
                )
            return out
        complaint = False
        if outcome != "resolved":
            t = self._daytime(self._after(t, 18, 50))
            outcome = "resolved" if rng.random() < 0.6 else "unresolved"
            out.append(self._contact(t, "phone", topic, outcome, rng.uniform(-0.8, 0.4)))
            if outcome != "resolved":
                # Third contact on the same unresolved topic: escalated as a complaint.
                t = self._daytime(self._after(t, 18, 50))
                sentiment = rng.uniform(-1.0, -0.4)
                out.append(self._contact(t, rng.choice(channels), topic, "unresolved", sentiment))
                t = self._after(t, 0.1, 3)
                complaint = True
                out.append(
                    (
                        t,
                        rng.choice(("phone", "email")),
                        "complaint",
                        "Complaint: repeated outage, open",
                        {"topic": "repeated outage", "severity": "high", "status": "open"},
                    )
                )
                t = self._daytime(self._after(t, 24, 96))
                out.append(self._contact(t, "phone", topic, "resolved", rng.uniform(-0.2, 0.5)))
        t = self._after(t, 0.2, 30)
        out.append((t, "device", "device_alert", f"{item.name}: {message} cleared", data | {"active": False}))
        if complaint:
            t = self._later_day(t, 1, 5)
            out.append(
                (
                    t,
                    "email",
                    "complaint",
                    "Complaint: repeated outage, resolved",
                    {"topic": "repeated outage", "severity": "high", "status": "resolved"},
                )
            )
        if rng.random() < 0.25:
            out.append(self._survey_event(self._later_day(t, 1, 3), not complaint))
        return out

    def payment(self, t: datetime, *, stop: str | None = None) -> list[_Raw]:
        """Payment failed → (invoice overdue →) settled; settling is a resolved 'payment' contact."""
        rng = self.rng
        # The monthly bill of their plans, or an instalment for customers without a contract.
        amount = round(sum(p.price for p in self.plans), 2) if self.plans else rng.choice((24.99, 29.99))
        reason = rng.choice(_PAYMENT_REASONS)
        label = "Card payment" if reason.startswith("card") else "Direct debit"
        out: list[_Raw] = [
            (
                t,
                "billing",
                "payment_failed",
                f"{label} failed: {amount:.2f} EUR ({reason})",
                {"amount": amount, "reason": reason},
            )
        ]
        if stop == "failed":
            return out
        if stop == "overdue" or rng.random() < 0.45:
            days = rng.randint(3, 30)
            t = self._later_day(t, 7 + days, 7 + days)
            iid = self._invoice_id()
            out.append(
                (
                    t,
                    "billing",
                    "invoice_overdue",
                    f"Invoice {iid} overdue: {amount:.2f} EUR ({days} days)",
                    {"invoice_id": iid, "amount": amount, "days": days},
                )
            )
            if stop == "overdue":
                return out
        t = self._later_day(t, 1, 6)
        channel = rng.choice(("phone", "email", "chat", "branch"))
        out.append(
            (
                t,
                channel,
                "contact",
                f"{_CHANNEL_LABEL[channel]} contact about payment, resolved ({amount:.2f} EUR settled)",
                {"topic": "payment", "outcome": "resolved", "sentiment": round(rng.uniform(-0.2, 0.6), 2)},
            )
        )
        return out

    def complaint(self, t: datetime, *, stop: str | None = None) -> list[_Raw]:
        """A stand-alone complaint (invoice, staff, faulty device) with follow-up contact and resolution."""
        rng = self.rng
        topic = rng.choice(("wrong invoice", "unfriendly staff", "defective device"))
        out: list[_Raw] = []
        if topic == "wrong invoice":
            out.append(
                self._contact(
                    t,
                    rng.choice(("phone", "email")),
                    "invoice dispute",
                    "unresolved",
                    rng.uniform(-0.8, -0.2),
                )
            )
        elif topic == "unfriendly staff":
            out.append(self._contact(t, "branch", "product advice", "unresolved", rng.uniform(-0.9, -0.4)))
        else:
            owned = [it for it, since in self.devices if since <= t]
            if owned:
                name = rng.choice(owned).name
                out.append(
                    (
                        t,
                        "device",
                        "device_alert",
                        f"{name}: hardware fault",
                        {"device": name, "code": "HW", "severity": "critical", "active": True},
                    )
                )
            else:
                topic = "wrong invoice"
                sentiment = rng.uniform(-0.8, -0.2)
                out.append(self._contact(t, "phone", "invoice dispute", "unresolved", sentiment))
        t = self._after(t, 0.5, 48)
        severity = rng.choices(("low", "medium", "high"), weights=(25, 50, 25))[0]
        out.append(
            (
                t,
                rng.choice(("email", "phone", "branch")),
                "complaint",
                f"Complaint: {topic}, open",
                {"topic": topic, "severity": severity, "status": "open"},
            )
        )
        if stop == "open":
            if rng.random() < 0.4:
                t = self._later_day(t, 2, 7)
                out.append(self._contact(t, "phone", topic, "callback_promised", rng.uniform(-0.7, -0.1)))
            return out
        t = self._later_day(t, 2, 10)
        # The follow-up closes the thread the customer opened, so no unresolved contact lingers behind it.
        thread = "invoice dispute" if topic == "wrong invoice" else topic
        out.append(self._contact(t, "phone", thread, "resolved", rng.uniform(-0.2, 0.6)))
        if out[0][2] == "device_alert":
            out.append(
                (
                    self._after(t, 24, 120),
                    "device",
                    "device_alert",
                    f"{out[0][4]['device']}: hardware fault cleared",
                    out[0][4] | {"active": False},
                )
            )
            t = out[-1][0]
        t = self._after(t, 0.1, 48)
        out.append(
            (
                t,
                "email",
                "complaint",
                f"Complaint: {topic}, resolved",
                {"topic": topic, "severity": severity, "status": "resolved"},
            )
        )
        if rng.random() < 0.3:
            out.append(self._survey_event(self._later_day(t, 1, 3), rng.random() < 0.5))
        return out

    def retention(self, t: datetime, *, stop: str | None = None) -> list[_Raw]:
        """At-risk customer: dissatisfaction → cancellation intent → retention offer (contract change)."""
        rng = self.rng
        if not self.plans:
            return []
        plan = rng.choice(self.plans)
        reason = rng.choice(_CANCEL_REASONS)
        out: list[_Raw] = []
        if rng.random() < 0.4:
            out.append(self._survey_event(t, False))
            t = self._later_day(t, 1, 20)
        channel = rng.choice(("email", "phone", "chat"))
        out.append(
            (
                t,
                channel,
                "cancellation_intent",
                f"{_CHANNEL_LABEL[channel]}: wants to cancel {plan.name} ({reason})",
                {"product": plan.name, "reason": reason},
            )
        )
        if stop == "intent":
            return out
        t = self._later_day(t, 0, 5)
        out.append(self._contact(t, "phone", "retention offer", "resolved", rng.uniform(0.1, 0.7)))
        higher = _next_rung(plan.name)
        changes = ["retention discount 20% for 12 months", "10 EUR monthly credit for 12 months"]
        if higher:
            changes.append(f"upgrade to {higher} at the current price")
        change = rng.choice(changes)
        out.append(
            (
                t + timedelta(minutes=rng.randint(1, 15)),
                "phone",
                "contract_change",
                f"Contract {plan.name}: {change}",
                {"product": plan.name, "change": change},
            )
        )
        return out

    def contract(self, t: datetime) -> list[_Raw]:
        rng = self.rng
        if not self.plans:
            return []
        plan = rng.choice(self.plans)
        out = self._session(t, plan) if rng.random() < 0.6 else []
        if out:
            t = out[-1][0] + timedelta(seconds=out[-1][4]["seconds"] + rng.randint(10, 600))
        changes = ["renewed for 24 months", "switched to paperless billing"]
        lower = _prev_rung(plan.name)
        if lower and plan.name not in self.upgraded:
            changes += [f"upgraded from {lower}"] * 2
        if plan.name.startswith("Mobile"):
            changes.append("added EU roaming option")
        change = rng.choice(changes)
        if change.startswith("upgraded"):
            self.upgraded.add(plan.name)  # a plan is reached from the rung below only once
        channel = rng.choice(("web", "phone", "branch", "app"))
        out.append(
            (
                t,
                channel,
                "contract_change",
                f"Contract {plan.name}: {change}",
                {"product": plan.name, "change": change},
            )
        )
        return out

    def move(self, t: datetime) -> list[_Raw]:
        rng = self.rng
        channel = rng.choice(("web", "app", "phone"))
        out: list[_Raw] = [(t, channel, "address_change", "Postal address changed", {})]
        lines = [p for p in self.plans if p.name in _INTERNET_PLANS]
        if lines:
            t = self._later_day(t, 0, 3)
            out.append(self._contact(t, "phone", "moving", "resolved", rng.uniform(0.0, 0.6)))
            t = self._later_day(t, 3, 14)
            out.append(
                (
                    t,
                    "phone",
                    "contract_change",
                    f"Contract {lines[0].name}: line moved to new address",
                    {"product": lines[0].name, "change": "line moved to new address"},
                )
            )
        return out

    def store_visit(self, t: datetime) -> list[_Raw]:
        """Wants to see it in person: product pages → branch appointment → visit → sometimes a purchase."""
        rng = self.rng
        item = rng.choice(_BIG_ITEMS)
        out = self._session(t, item)
        t = out[-1][0] + timedelta(seconds=out[-1][4]["seconds"] + rng.randint(30, 900))
        branch = rng.choice(_BRANCHES[self.lang])
        when = self._later_day(t, 1, 8, 10, 17).replace(minute=rng.choice((0, 30)), second=0)
        topic = f"try {item.name}" if rng.random() < 0.7 else "product advice"
        out.append(
            (
                t,
                rng.choice(("web", "phone", "app")),
                "appointment",
                f"Appointment booked at {branch}: {topic}",
                {"branch": branch, "at": when, "topic": topic},
            )
        )
        out.append(
            self._contact(
                when + timedelta(minutes=rng.randint(0, 20)),
                "branch",
                "product advice",
                "resolved",
                rng.uniform(0.2, 0.9),
            )
        )
        if rng.random() < 0.5:
            out += self.purchase_journey(self._after(out[-1][0], 1, 72), item=item, browse=False)
        return out

    def survey(self, t: datetime) -> list[_Raw]:
        return [self._survey_event(t, self.rng.random() < 0.75)]

    def social(self, t: datetime) -> list[_Raw]:
        return [self._social_event(t, True)]


_FOREVER: Final = datetime.max.replace(tzinfo=UTC)


def _threads(events: list[_Raw]) -> dict[str, tuple[datetime, datetime]]:
    """Service threads in a journey (an alert, a complaint topic, billing, a plan) and the span each is busy.

    A thread whose last event leaves it open stays busy for good: nothing may reopen it later.
    """
    spans: dict[str, list[Any]] = {}
    for at, _, kind, _, data in events:
        if kind == "device_alert":
            key, closed = f"alert:{data['device']}:{data['code']}", not data["active"]
        elif kind == "complaint":
            key, closed = f"complaint:{data['topic']}", data["status"] == "resolved"
        elif kind in ("payment_failed", "invoice_overdue"):
            key, closed = "payment", False
        elif kind == "contact" and data["topic"] == "payment":
            key, closed = "payment", data["outcome"] == "resolved"
        elif kind in ("cancellation_intent", "contract_change"):
            key, closed = f"plan:{data['product']}", kind == "contract_change"
        else:
            continue
        span = spans.get(key)
        if span is None:
            spans[key] = [at, at, closed]
        else:
            span[0], span[1], span[2] = min(span[0], at), max(span[1], at), closed
    return {key: (lo, hi if closed else _FOREVER) for key, (lo, hi, closed) in spans.items()}


def _overlaps(taken: list[tuple[datetime, datetime]], lo: datetime, hi: datetime) -> bool:
    # `taken` is sorted and disjoint, so only the neighbours of the insertion point can overlap.
    i = bisect_left(taken, (lo, lo))
    if i > 0 and taken[i - 1][1] >= lo:
        return True
    return i < len(taken) and taken[i][0] <= hi


def _shifted(raw: _Raw, shift: timedelta) -> _Raw:
    at, channel, kind, summary, data = raw
    data = {k: (v + shift if isinstance(v, datetime) else v) for k, v in data.items()}
    return (at + shift, channel, kind, summary, data)


def _cumulative(weights: list[float]) -> list[float]:
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick_index(rng: random.Random, cumulative: tuple[float, ...]) -> int:
    x = rng.random() * cumulative[-1]
    for i, c in enumerate(cumulative):
        if x < c:
            return i
    return len(cumulative) - 1


def _prev_rung(name: str) -> str | None:
    for ladder in _LADDERS:
        if name in ladder and ladder.index(name) > 0:
            return ladder[ladder.index(name) - 1]
    return None


def _next_rung(name: str) -> str | None:
    for ladder in _LADDERS:
        if name in ladder and ladder.index(name) < len(ladder) - 1:
            return ladder[ladder.index(name) + 1]
    return None


# -------------------------------------------------------------------------------------- open problems


def open_problems(history: list[Event], now: datetime) -> list[dict[str, Any]]:
    """Journeys still open at `now`, read from the events alone (works on stored histories too).

    Each problem: {"topic": chat topic, "problem": what is open, "refs": [event ids], "event": the latest
    event of it, ...details}. Most urgent first.
    """
    now = _utc(now)
    events = sorted(
        _one_per_event(e for e in history if _parse(e["at"]) <= now), key=lambda e: _parse(e["at"])
    )
    orders: dict[str, dict[str, Event]] = {}
    alerts: dict[tuple[str, str], Event] = {}
    alert_contacts: dict[tuple[str, str], list[Event]] = {}
    complaints: dict[str, Event] = {}
    cancels: dict[str, Event] = {}
    payments: list[Event] = []
    contacts: dict[str, Event] = {}
    checkout: Event | None = None
    for ev in events:
        kind, data = ev["kind"], ev["data"]
        if "order_id" in data:
            orders.setdefault(str(data["order_id"]), {})[kind] = ev
            if kind == "order_placed":
                checkout = None
        elif kind == "device_alert":
            key = (data["device"], data["code"])
            if data["active"]:
                alerts[key] = ev
                alert_contacts[key] = []
            else:
                alerts.pop(key, None)
        elif kind == "complaint":
            complaints[data["topic"]] = ev
        elif kind == "cancellation_intent":
            cancels[data["product"]] = ev
        elif kind == "contract_change":
            cancels.pop(data["product"], None)
        elif kind in PAYMENT_PROBLEMS:
            payments.append(ev)
        elif kind == "contact":
            contacts[data["topic"]] = ev
            if data["topic"] == "payment" and contact_unresolved(data) is False:
                payments.clear()
            for key in alerts:
                if data["topic"] == _ALERT_TOPIC.get(key, "defective device"):
                    alert_contacts[key].append(ev)
        elif kind == "cart_abandoned" or (kind == "app_error" and data.get("screen") == "checkout"):
            checkout = ev
    out: list[dict[str, Any]] = []
    for oid, steps in orders.items():
        placed = steps.get("order_placed")
        if placed is None:
            continue
        refs = [s["id"] for s in steps.values()]
        base = {"order_id": oid, "refs": refs, "placed": placed, "shipped": steps.get("order_shipped")}
        if "delivered" not in steps:
            if "delivery_delayed" in steps:
                late = steps["delivery_delayed"]
                out.append(base | {"topic": "delivery", "problem": "delayed", "event": late})
            elif "order_shipped" in steps:
                moving = steps["order_shipped"]
                out.append(base | {"topic": "delivery", "problem": "in_transit", "event": moving})
            elif now - _parse(placed["at"]) < timedelta(days=7):
                out.append(base | {"topic": "delivery", "problem": "not_shipped", "event": placed})
        elif "return_requested" in steps and "refund_issued" not in steps:
            ret = steps["return_requested"]
            out.append(base | {"topic": "return", "problem": "pending_return", "event": ret})
    for key, ev in alerts.items():
        related = [c for c in alert_contacts[key] if contact_unresolved(c["data"]) is not False]
        out.append(
            {
                "topic": "device",
                "problem": "device_alert",
                "event": ev,
                "device": key[0],
                "code": key[1],
                "refs": [ev["id"]] + [c["id"] for c in related],
                "contacts": related,
            }
        )
    if payments:
        last = payments[-1]
        refs = [p["id"] for p in payments]
        out.append({"topic": "payment", "problem": last["kind"], "event": last, "refs": refs})
    for topic, ev in complaints.items():
        if ev["data"]["status"] == "open":
            out.append(
                {
                    "topic": "complaint",
                    "problem": "complaint",
                    "event": ev,
                    "refs": [ev["id"]],
                    "complaint_topic": topic,
                }
            )
    for product, ev in cancels.items():
        out.append(
            {
                "topic": "cancellation",
                "problem": "cancellation_intent",
                "event": ev,
                "refs": [ev["id"]],
                "product": product,
            }
        )
    if checkout is not None and now - _parse(checkout["at"]) < timedelta(days=2):
        out.append({"topic": "checkout", "problem": "checkout", "event": checkout, "refs": [checkout["id"]]})
    for topic, ev in contacts.items():
        if topic in _OPEN_CONTACT_TOPICS and contact_unresolved(ev["data"]) is not False:
            out.append(
                {
                    "topic": _OPEN_CONTACT_TOPICS[topic],
                    "problem": "contact",
                    "event": ev,
                    "refs": [ev["id"]],
                    "contact_topic": topic,
                }
            )
    out.sort(key=lambda p: (-_URGENCY[p["problem"]], p["event"]["at"]))
    return out


def _one_per_event(history: Iterable[Event]) -> list[Event]:
    """One record per event (workstation.domain.events.collapse: a call the telephony system and
    the CRM both logged is one contact), the later record's fields filling in the first's."""
    groups = collapse(
        list(history),
        kind=itemgetter("kind"),
        at=lambda e: _parse(e["at"]),
        channel=lambda e: str(e.get("channel", "")),
        summary=lambda e: str(e.get("summary", "")),
        data=lambda e: e.get("data") or {},
    )
    out = []
    for group in groups:
        merged = dict(group[0])
        for later in group[1:]:
            merged["data"] = {
                **merged.get("data", {}),
                **{k: v for k, v in later["data"].items() if v not in (None, "")},
            }
        out.append(merged)
    return out


_URGENCY: Final = {
    "delayed": 5,
    "device_alert": 4,
    "in_transit": 3,
    "invoice_overdue": 3,
    "payment_failed": 3,
    "complaint": 3,
    "cancellation_intent": 3,
    "checkout": 3,
    "pending_return": 3,
    "not_shipped": 2,
    "contact": 2,
}

# ---------------------------------------------------------------------------------------------- chat

# Greetings are prefixed to bodies; the body's first word is lower-cased after a greeting where German or
# English grammar wants it ("Hallo, mein Internet ...", but "Hi, I ...").
_GREET: Final = {
    "de": ("Hallo, ", "Guten Tag, ", "Hi, ", "Moin, ", ""),
    "en": ("Hi, ", "Hello, ", "Hey, ", ""),
}
_LOWER_AFTER_GREETING: Final = frozenset(
    {
        "Mein",
        "Meine",
        "Das",
        "Der",
        "Die",
        "Ich",
        "Wo",
        "Wann",
        "Warum",
        "Kann",
        "Ist",
        "Wie",
        "Was",
        "Bei",
        "Laut",
        "Gibt",
        "Seit",
        "Kurze",
        "In",
        "Welches",
        "Muss",
        "My",
        "The",
        "Where",
        "When",
        "Why",
        "Can",
        "Is",
        "Has",
        "How",
        "What",
        "What's",
        "Do",
        "Quick",
        "Which",
        "Order",
    }
)

_OPENINGS: Final[dict[tuple[str, str], tuple[str, ...]]] = {
    ("delayed_past", "de"): (
        "Wo bleibt meine Bestellung {order}? Sie sollte schon {due} da sein.",
        "Meine Bestellung {order} ist immer noch nicht angekommen. Laut {carrier} gibt es eine Verzögerung – "
        "wann kommt sie denn jetzt?",
        "In der Sendungsverfolgung zu Bestellung {order} steht nur „verzögert“. Können Sie mir sagen, "
        "wann das Paket kommt?",
        "Bestellung {order} hätte {due} kommen sollen und ist immer noch nicht da. Ich brauche das dringend!",
    ),
    ("delayed_past", "en"): (
        "Where is my order #{order}? It was due {due}.",
        "My order {order} still hasn't arrived. {carrier} says it's delayed – when will it actually come?",
        "The tracking for order #{order} just says 'delayed'. Can you tell me when the parcel will arrive?",
        "Order {order} should have arrived {due} and it's still not here. I really need it!",
    ),
    ("delayed_future", "de"): (
        "Ich habe eine Nachricht bekommen, dass sich meine Bestellung {order} verzögert. Wann kommt sie denn "
        "jetzt?",
        "Laut {carrier} verspätet sich Bestellung {order}. Kommt das Paket wenigstens diese Woche noch?",
    ),
    ("delayed_future", "en"): (
        "I got a message that my order #{order} is delayed. When will it arrive now?",
        "{carrier} says order {order} is running late. Will it at least come this week?",
    ),
    ("in_transit", "de"): (
        "Wann genau kommt meine Bestellung {order}? Laut Sendungsverfolgung ist sie mit {carrier} unterwegs.",
        "Kann ich bei Bestellung {order} noch die Lieferadresse ändern?",
        "Muss ich {due} zu Hause sein, wenn Bestellung {order} kommt, oder kann {carrier} das Paket beim "
        "Nachbarn abgeben?",
    ),
    ("in_transit", "en"): (
        "When exactly will my order #{order} arrive? Tracking says it's on its way with {carrier}.",
        "Can I still change the delivery address for order {order}?",
        "Do I need to be at home {due} for order #{order}, or can {carrier} leave it with a neighbour?",
    ),
    ("not_shipped", "de"): (
        "Kurze Frage: wurde meine Bestellung {order} schon verschickt?",
        "Ich habe {placed} bestellt (Bestellung {order}) und noch keine Versandbestätigung bekommen. "
        "Ist alles in Ordnung?",
    ),
    ("not_shipped", "en"): (
        "Quick question: has my order #{order} shipped yet?",
        "I ordered {placed} (order {order}) and haven't had a shipping confirmation yet. Is everything ok?",
    ),
    ("pending_return", "de"): (
        "Ich habe {item_acc} {ago} zurückgeschickt (Bestellung {order}). Wann bekomme ich mein Geld zurück?",
        "Wo bleibt meine Erstattung für Bestellung {order}? Die Rücksendung habe ich {ago} angemeldet.",
        "Ist meine Rücksendung zu Bestellung {order} schon bei Ihnen angekommen? Ich warte noch auf "
        "das Geld.",
    ),
    ("pending_return", "en"): (
        "Where is my money? I sent {item_en} back {ago} (order {order}).",
        "I returned order #{order} {ago} and still haven't got a refund.",
        "Has my return for order {order} arrived yet? I'm still waiting for the money.",
    ),
    ("payment_failed", "de"): (
        "Ich habe eine E-Mail bekommen, dass meine Zahlung über {amount} nicht geklappt hat. Wie kann "
        "ich das jetzt begleichen?",
        "Warum wurde meine Abbuchung über {amount} zurückgewiesen? Auf meinem Konto ist genug Geld.",
        "Meine Zahlung über {amount} ist fehlgeschlagen. Wo kann ich eine neue Zahlungsart hinterlegen?",
    ),
    ("payment_failed", "en"): (
        "I got an email saying my payment of {amount} failed. How can I settle it now?",
        "Why was my payment of {amount} rejected? There's enough money in my account.",
        "My payment of {amount} failed. Where can I add a new payment method?",
    ),
    ("invoice_overdue", "de"): (
        "Ich habe eine Mahnung für Rechnung {invoice} über {amount} bekommen. Kann ich das per Überweisung "
        "bezahlen?",
        "Ich habe eine Zahlungserinnerung zu {invoice} erhalten – ich dachte, das wäre längst "
        "abgebucht worden?",
    ),
    ("invoice_overdue", "en"): (
        "I received a reminder for invoice {invoice} ({amount}). Can I pay by bank transfer?",
        "I got a payment reminder for {invoice} – I thought that had been paid ages ago?",
    ),
    ("complaint", "de"): (
        "Ich habe mich {ago} über {ctopic} beschwert und bis heute keine Antwort bekommen.",
        "Meine Beschwerde über {ctopic} ist immer noch offen. Ich möchte jetzt endlich eine Lösung.",
        "Was ist eigentlich mit meiner Beschwerde über {ctopic}? Es meldet sich niemand.",
    ),
    ("complaint", "en"): (
        "I complained about {ctopic} {ago} and still haven't heard back.",
        "My complaint about {ctopic} is still open. I'd like a proper answer, please.",
        "What's happening with my complaint about {ctopic}? Nobody gets back to me.",
    ),
    ("cancellation_intent", "de"): (
        "Ich möchte meinen Vertrag {product} kündigen. {reason}",
        "Ich habe Ihnen {ago} mitgeteilt, dass ich {product} kündigen will. Wie geht es jetzt weiter?",
        "Wie kann ich {product} zum nächstmöglichen Termin kündigen? {reason}",
    ),
    ("cancellation_intent", "en"): (
        "I want to cancel my {product} contract. {reason}",
        "I told you {ago} that I want to cancel {product}. What happens now?",
        "How do I cancel {product} at the earliest possible date? {reason}",
    ),
    ("checkout", "de"): (
        "Ich finde nicht, wo ich meinen Gutscheincode eingeben kann.",
        "Bei der Zahlung kommt immer eine Fehlermeldung. Was mache ich falsch?",
        "Ich hänge in der Kasse fest – nach „Jetzt kaufen“ lädt die Seite einfach nicht weiter.",
        "Kann ich auch auf Rechnung bezahlen? Ich sehe die Option nicht.",
    ),
    ("checkout", "en"): (
        "I can't find where to enter my voucher code.",
        "I keep getting an error at payment. What am I doing wrong?",
        "I'm stuck at checkout – the page just doesn't load after 'Buy now'.",
        "Can I pay by invoice? I can't see the option.",
    ),
    ("contact:invoice dispute", "de"): (
        "Ich hatte mich {ago} wegen meiner Rechnung gemeldet, und man wollte sich zurückmelden. Gibt es "
        "schon etwas Neues?",
        "Meine Rechnung ist immer noch falsch. Ich habe {ago} schon deswegen Bescheid gegeben.",
    ),
    ("contact:invoice dispute", "en"): (
        "I got in touch {ago} about my invoice and was told someone would get back to me. Any news?",
        "My invoice is still wrong. I already told you about it {ago}.",
    ),
    ("contact:tariff question", "de"): (
        "Ich hatte {ago} wegen eines Tarifwechsels angefragt und warte noch auf Antwort.",
    ),
    ("contact:tariff question", "en"): (
        "I asked about changing my plan {ago} and I'm still waiting for an answer.",
    ),
    ("contact:login problem", "de"): (
        "Ich kann mich immer noch nicht in mein Kundenkonto einloggen. Ich hatte mich {ago} schon gemeldet.",
    ),
    ("contact:login problem", "en"): ("I still can't log in to my account. I already got in touch {ago}.",),
    ("product", "de"): (
        "Ist {name_nom} gerade lieferbar?",
        "Kann ich mir {name_acc} irgendwo vor Ort anschauen, bevor ich {pron} kaufe?",
        "Welches Zubehör passt {name_zu}?",
        "Gibt es für {name_acc} gerade ein Angebot?",
        "Wie lange dauert die Lieferung für {name_acc}?",
    ),
    ("product", "en"): (
        "Is the {name} in stock at the moment?",
        "Can I see the {name} somewhere in a store before I buy it?",
        "Which accessories go with the {name}?",
        "Is there a deal on the {name} right now?",
        "How long does delivery take for the {name}?",
    ),
    ("plan", "de"): (
        "Ist {plan} an meiner Adresse verfügbar?",
        "Was kostet {plan} im Monat, und gibt es eine Mindestlaufzeit?",
    ),
    ("plan", "en"): (
        "Is {plan} available at my address?",
        "How much is {plan} per month, and is there a minimum term?",
    ),
    ("plan_switch", "de"): ("Kann ich von {current} auf {plan} wechseln? Was kostet das?",),
    ("plan_switch", "en"): ("Can I switch from {current} to {plan}? How much would that be?",),
}
_DEVICE_BODIES: Final[dict[str, tuple[str, str]]] = {
    "Router R-200/LOS": (
        "Mein Internet geht {since} nicht mehr, am Router leuchtet die DSL-Lampe rot.",
        "My internet has been down {since}, the DSL light on the router is red.",
    ),
    "Router R-200/RESYNC": (
        "Mein Internet bricht {since} ständig ab, mehrmals am Tag.",
        "My internet keeps dropping out {since}, several times a day.",
    ),
    "Router R-200/WIFI": (
        "Das WLAN ist {since} total langsam und bricht dauernd ab.",
        "The Wi-Fi has been really slow and keeps dropping {since}.",
    ),
    "Router R-200/FW": (
        "Der Router sagt, es gibt ein Firmware-Update. Muss ich da etwas machen?",
        "The router says there's a firmware update. Do I need to do anything?",
    ),
    "Mesh Wi-Fi Point M3/OFFLINE": (
        "Mein Mesh-Repeater ist {since} offline, oben habe ich kein WLAN mehr.",
        "My mesh point has been offline {since}, no Wi-Fi upstairs any more.",
    ),
    "Smart Thermostat T3/OFFLINE": (
        "Mein Thermostat ist {since} offline und die Heizung reagiert nicht.",
        "My thermostat has been offline {since} and the heating isn't responding.",
    ),
    "Smart Thermostat T3/BAT": (
        "Das Thermostat meldet „Batterie schwach“. Welche Batterien brauche ich?",
        "The thermostat says 'battery low'. Which batteries do I need?",
    ),
    "Smart Thermostat T3/SENSOR": (
        "Das Thermostat zeigt {since} einen Sensorfehler, die Temperatur stimmt nicht.",
        "The thermostat has shown a sensor error {since} and the temperature is wrong.",
    ),
    "Smart Plug Duo/OFFLINE": (
        "Die smarte Steckdose ist {since} offline und lässt sich nicht mehr schalten.",
        "The smart plug has been offline {since} and I can't switch it any more.",
    ),
}
_COMPLAINT_TOPICS: Final = {
    "late delivery": ("die verspätete Lieferung", "the late delivery"),
    "defective device": ("das defekte Gerät", "the faulty device"),
    "repeated outage": ("die ständigen Ausfälle", "the constant outages"),
    "wrong invoice": ("die falsche Rechnung", "the wrong invoice"),
    "unfriendly staff": ("das unfreundliche Personal in der Filiale", "the unfriendly staff in your store"),
}
_CANCEL_REASON_TEXT: Final = {
    "price": ("Die Konkurrenz ist deutlich günstiger.", "The competitor is much cheaper."),
    "competitor offer": ("Ich habe ein besseres Angebot bekommen.", "I've had a better offer elsewhere."),
    "moving abroad": ("Ich ziehe ins Ausland.", "I'm moving abroad."),
    "poor service": (
        "Ich bin mit dem Service einfach nicht zufrieden.",
        "I'm just not happy with the service.",
    ),
    "repeated outages": ("Das Internet fällt ständig aus.", "The internet keeps going down."),
}
_PAGES: Final[dict[str, tuple[tuple[str, str, str], ...]]] = {
    "delivery": (
        ("/account/orders/{order}", "Bestellung {order}", "Order {order}"),
        ("/account/orders", "Meine Bestellungen", "My orders"),
        ("/help/delivery", "Hilfe – Lieferung", "Help – Delivery"),
    ),
    "return": (
        ("/account/returns", "Meine Rücksendungen", "My returns"),
        ("/help/returns", "Hilfe – Rücksendung & Erstattung", "Help – Returns & refunds"),
    ),
    "payment": (
        ("/account/invoices", "Meine Rechnungen", "My invoices"),
        ("/help/payment", "Hilfe – Zahlung", "Help – Payment"),
    ),
    "device": (
        ("/help/devices/{slug}", "Hilfe – {name}", "Help – {name}"),
        ("/help/internet", "Hilfe – Internet & WLAN", "Help – Internet & Wi-Fi"),
    ),
    "complaint": (("/help/contact", "Kontakt", "Contact us"), ("/account", "Mein Konto", "My account")),
    "cancellation": (
        ("/account/contracts", "Meine Verträge", "My contracts"),
        ("/help/cancellation", "Hilfe – Kündigung", "Help – Cancellation"),
    ),
    "checkout": (
        ("/checkout/payment", "Kasse – Zahlung", "Checkout – Payment"),
        ("/checkout/cart", "Warenkorb", "Basket"),
    ),
}
_DE_WEEKDAYS: Final = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
_EN_WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def make_chat_opening(
    rng: random.Random, customer: dict[str, Any], history: list[Event], now: datetime
) -> dict[str, Any]:
    """The customer's first chat message and the shop page they are on; about their open journey if any."""
    now = _utc(now)
    lang = "de" if customer.get("language") == "de" else "en"
    problems = open_problems(history, now)
    if problems and rng.random() < 0.9:
        weights = [_URGENCY[p["problem"]] for p in problems]
        problem = rng.choices(problems, weights=weights)[0]
        topic, text, page = _problem_opening(rng, lang, problem, now)
    elif rng.random() < 0.2:
        topic = "checkout"
        text = rng.choice(_OPENINGS[("checkout", lang)])
        page = _page(rng, lang, "checkout", {})
    else:
        topic = "product"
        text, page = _product_opening(rng, lang, customer, history)
    greeting = rng.choice(_GREET[lang])
    return {"topic": topic, "language": lang, "channel": "chat", "page": page, "text": _greet(greeting, text)}


def _greet(greeting: str, body: str) -> str:
    if not greeting:
        return body
    first, _, rest = body.partition(" ")
    if first in _LOWER_AFTER_GREETING:
        body = f"{first.lower()} {rest}"
    return greeting + body


def _page(rng: random.Random, lang: str, topic: str, fields: dict[str, str]) -> dict[str, str]:
    options = _PAGES[topic]
    if "order" not in fields:
        options = tuple(o for o in options if "{order}" not in o[0]) or options
    url, de, en = rng.choice(options)
    return {"url": url.format(**fields), "title": (de if lang == "de" else en).format(**fields)}


def _problem_opening(
    rng: random.Random, lang: str, problem: dict[str, Any], now: datetime
) -> tuple[str, str, dict[str, str]]:
    kind = problem["problem"]
    topic = problem["topic"]
    ev = problem["event"]
    data = ev["data"]
    at = _parse(ev["at"])
    fields: dict[str, str] = {"ago": _ago(at, now, lang)}
    key = kind
    if topic in ("delivery", "return"):
        fields["order"] = problem["order_id"]
        shipped = problem.get("shipped")
        if shipped is not None:
            fields["carrier"] = shipped["data"]["carrier"]
            eta = _parse(shipped["data"]["eta"])
            fields["due"] = _day_phrase(eta, now, lang)
            # A shipment whose ETA passed without a delay notice is just as late for the customer.
            if kind == "in_transit" and eta.date() < now.date():
                key = "delayed_past"
            elif kind == "delayed":
                key = "delayed_past" if eta.date() < now.date() else "delayed_future"
        fields["placed"] = _day_phrase(_parse(problem["placed"]["at"]), now, lang)
        item = _order_item(problem["placed"])
        if item is not None:
            art = _DE_ART[item.gender][1]
            fields["item_acc"] = f"{art} {item.noun_de}"
            fields["item_en"] = f"the {item.noun_en}"
        else:
            fields["item_acc"], fields["item_en"] = "die Ware", "the items"
    elif topic == "payment" and kind != "contact":
        fields["amount"] = _money(float(data["amount"]), lang)
        fields["invoice"] = str(data.get("invoice_id", ""))
    elif kind == "complaint":
        de, en = _COMPLAINT_TOPICS.get(problem["complaint_topic"], (problem["complaint_topic"],) * 2)
        fields["ctopic"] = de if lang == "de" else en
    elif kind == "cancellation_intent":
        fields["product"] = data["product"]
        de, en = _CANCEL_REASON_TEXT.get(data["reason"], ("", ""))
        fields["reason"] = de if lang == "de" else en
    elif kind == "contact":
        key = f"contact:{problem['contact_topic']}"
    if kind == "device_alert":
        text = _device_opening(rng, lang, problem, now)
        item = _BY_NAME.get(problem["device"])
        slug_fields = {"slug": item.slug if item else "internet", "name": problem["device"]}
        return topic, text, _page(rng, lang, "device", slug_fields)
    text = rng.choice(_OPENINGS[(key, lang)]).format(**fields).strip()
    if topic == "product":  # a chased-up plan question: the customer is looking at the plans again
        return topic, text, {"url": "/category/plans", "title": _CATEGORY_TITLES["plans"][lang != "de"]}
    if key == "contact:login problem":  # still cannot sign in, so that is the page they are stuck on
        return topic, text, {"url": "/account/login", "title": "Anmelden" if lang == "de" else "Sign in"}
    return topic, text, _page(rng, lang, topic, fields)


def _device_opening(rng: random.Random, lang: str, problem: dict[str, Any], now: datetime) -> str:
    at = _parse(problem["event"]["at"])
    body_de, body_en = _DEVICE_BODIES.get(
        f"{problem['device']}/{problem['code']}",
        (
            f"Mein Gerät {problem['device']} meldet {{since}} eine Störung.",
            f"My {problem['device']} has been reporting a fault {{since}}.",
        ),
    )
    text = (body_de if lang == "de" else body_en).format(since=_since_phrase(at, now, lang))
    contacts = problem.get("contacts") or []
    if contacts:
        last = contacts[-1]
        ago = _ago(_parse(last["at"]), now, lang)
        promised = last["data"]["outcome"] == "callback_promised"
        if lang == "de":
            text += (
                f" Ich habe {ago} schon angerufen, und man hat mir einen Rückruf versprochen."
                if promised
                else f" Ich hatte mich deswegen {ago} schon gemeldet."
            )
        else:
            text += (
                f" I already called {ago} and someone promised to call me back."
                if promised
                else f" I already got in touch about this {ago}."
            )
    return text


def _product_opening(
    rng: random.Random, lang: str, customer: dict[str, Any], history: list[Event]
) -> tuple[str, dict[str, str]]:
    # Browsing customers ask about what they were just looking at.
    item: _Item | None = None
    for ev in reversed(history):
        if ev["kind"] == "page_view" and str(ev["data"].get("url", "")).startswith("/products/"):
            item = _BY_SLUG.get(ev["data"]["url"].rsplit("/", 1)[-1])
            if item is not None:
                break
    if item is None:
        item = rng.choice(
            _SHOP_ITEMS + tuple(it for it in _CATALOG if it.kind == "plan" and "Business" not in it.name)
        )
    page = {"url": f"/products/{item.slug}", "title": item.name_de if lang == "de" else item.name}
    if item.kind == "plan":
        owned = [
            str(p.get("name"))
            for p in customer.get("products", [])
            if _same_ladder(item.name, str(p.get("name"))) and p.get("name") != item.name
        ]
        if owned:
            text = rng.choice(_OPENINGS[("plan_switch", lang)]).format(current=owned[0], plan=item.name)
        else:
            text = rng.choice(_OPENINGS[("plan", lang)]).format(plan=item.name)
        return text, page
    art = _DE_ART[item.gender]
    name = item.name_de
    text = rng.choice(_OPENINGS[("product", lang)]).format(
        name=item.name,
        name_nom=f"{art[0]} {name}",
        name_acc=f"{art[1]} {name}",
        name_zu=f"{_DE_ZU[item.gender]} {name}",
        pron=_DE_PRON_ACC[item.gender],
    )
    return text, page


def _same_ladder(a: str, b: str) -> bool:
    return any(a in ladder and b in ladder for ladder in _LADDERS)


def _order_item(placed: Event) -> _Item | None:
    # The order's main item is only named in its summary ("Order 88231 placed: Router R-200, ... (x EUR)").
    match = re.search(r"placed: (.+?) \(", placed.get("summary", ""))
    if not match:
        return None
    first = re.sub(r"^\d+× ", "", match.group(1).split(", ")[0])
    return _BY_NAME.get(first)


def _money(amount: float, lang: str) -> str:
    return f"{amount:.2f} €".replace(".", ",") if lang == "de" else f"€{amount:.2f}"


def _day_phrase(when: datetime, now: datetime, lang: str) -> str:
    """'gestern' / 'am Montag' / 'am 12.11.' and 'yesterday' / 'on Monday' / 'on 12 November'."""
    diff = (now.date() - when.date()).days
    if lang == "de":
        if diff in (0, 1, -1):
            return {0: "heute", 1: "gestern", -1: "morgen"}[diff]
        if abs(diff) < 7:
            return f"am {_DE_WEEKDAYS[when.weekday()]}"
        return f"am {when.day}.{when.month}."
    if diff in (0, 1, -1):
        return {0: "today", 1: "yesterday", -1: "tomorrow"}[diff]
    if abs(diff) < 7:
        return f"on {_EN_WEEKDAYS[when.weekday()]}"
    return f"on {when.day} {_EN_MONTHS[when.month - 1]}"


def _since_phrase(when: datetime, now: datetime, lang: str) -> str:
    diff = (now.date() - when.date()).days
    if lang == "de":
        if diff <= 1:
            return "seit heute" if diff <= 0 else "seit gestern"
        return f"seit {_DE_WEEKDAYS[when.weekday()]}" if diff < 7 else f"seit dem {when.day}.{when.month}."
    if diff <= 1:
        return "since this morning" if diff <= 0 else "since yesterday"
    if diff < 7:
        return f"since {_EN_WEEKDAYS[when.weekday()]}"
    return f"since {when.day} {_EN_MONTHS[when.month - 1]}"


def _ago(when: datetime, now: datetime, lang: str) -> str:
    days = (now.date() - when.date()).days
    if lang == "de":
        if days <= 1:
            return "heute" if days <= 0 else "gestern"
        return f"vor {days} Tagen" if days < 14 else f"vor {days // 7} Wochen"
    if days <= 1:
        return "today" if days <= 0 else "yesterday"
    return f"{days} days ago" if days < 14 else f"{days // 7} weeks ago"


# ---------------------------------------------------------------------------------------------- replies

_FOLLOW_UPS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "delivery": {
        "de": (
            "Ok, und wann genau kommt sie jetzt?",
            "Kann ich das Paket auch in einer Packstation abholen?",
            "Und was ist, wenn ich dann nicht zu Hause bin?",
            "Bekomme ich eine neue Sendungsnummer?",
        ),
        "en": (
            "Ok, and when will it arrive?",
            "Can I pick the parcel up from a locker instead?",
            "And what if I'm not at home then?",
            "Will I get a new tracking number?",
        ),
    },
    "payment": {
        "de": (
            "Kann ich auch per PayPal zahlen?",
            "Muss ich jetzt Mahngebühren zahlen?",
            "Und läuft die nächste Abbuchung dann wieder normal?",
        ),
        "en": (
            "Can I pay by PayPal instead?",
            "Will there be a late fee?",
            "And will the next payment go through normally again?",
        ),
    },
    "return": {
        "de": (
            "Wie lange dauert die Erstattung denn normalerweise?",
            "Geht das Geld auf mein Konto oder auf die Karte?",
            "Brauchen Sie noch die Sendungsnummer der Rücksendung?",
        ),
        "en": (
            "How long does a refund usually take?",
            "Will the money go to my bank account or my card?",
            "Do you need the tracking number of the return?",
        ),
    },
    "cancellation": {
        "de": (
            "Was wäre das für ein Angebot genau?",
            "Und bis wann läuft mein Vertrag noch?",
            "Hm, das klingt interessant. Gilt das dauerhaft?",
        ),
        "en": (
            "What exactly would that offer be?",
            "And when does my contract end?",
            "Hm, that sounds interesting. Is that permanent?",
        ),
    },
    "device": {
        "de": (
            "Ich habe das Gerät schon neu gestartet, das hat nichts gebracht.",
            "Muss ich zu Hause sein, wenn ein Techniker kommt?",
            "Wie lange wird das dauern?",
        ),
        "en": (
            "I've already restarted it, that didn't help.",
            "Do I need to be at home if a technician comes?",
            "How long will that take?",
        ),
    },
    "product": {
        "de": (
            "Und wie lange ist die Lieferzeit?",
            "Gibt es dazu gerade ein Angebot?",
            "Kann ich das auch in der Filiale abholen?",
        ),
        "en": (
            "And how long is delivery?",
            "Is there an offer on it at the moment?",
            "Can I pick it up in a store?",
        ),
    },
    "complaint": {
        "de": (
            "Und wann kann ich mit einer Antwort rechnen?",
            "Ich erwarte schon eine kleine Entschädigung.",
            "Bitte sorgen Sie dafür, dass sich diesmal wirklich jemand meldet.",
        ),
        "en": (
            "And when can I expect an answer?",
            "I do expect some compensation.",
            "Please make sure someone actually gets back to me this time.",
        ),
    },
    "checkout": {
        "de": (
            "Ah, jetzt sehe ich es. Wird der Rabatt direkt abgezogen?",
            "Es klappt immer noch nicht.",
            "Kann ich die Bestellung auch telefonisch aufgeben?",
        ),
        "en": (
            "Ah, now I see it. Is the discount taken off straight away?",
            "It still doesn't work.",
            "Can I place the order by phone instead?",
        ),
    },
}
_CLOSINGS: Final = {
    "de": (
        "Danke, das hilft mir weiter!",
        "Alles klar, vielen Dank!",
        "Super, danke für die schnelle Hilfe.",
        "Ok, danke. Schönen Tag noch!",
    ),
    "en": (
        "Thanks, that helps!",
        "Great, thank you!",
        "Ok, thanks. Have a nice day!",
        "Perfect, thanks for the quick help.",
    ),
}
_ASKS_ORDER: Final = re.compile(r"bestellnummer|auftragsnummer|order (?:number|no)", re.IGNORECASE)
_OFFERS_COBROWSE: Final = re.compile(r"co-?brows|bildschirm|mitsehen|screen|show you|zeigen", re.IGNORECASE)
_OFFERS_VOUCHER: Final = re.compile(
    r"gutschein|voucher|entschädigung|compensat|goodwill|kulanz", re.IGNORECASE
)
_OFFERS_CALLBACK: Final = re.compile(r"rückruf|zurückrufen|call you back|callback|call back", re.IGNORECASE)


def make_customer_reply(
    rng: random.Random, customer: dict[str, Any], opening: dict[str, Any], agent_text: str, turn: int
) -> str | None:
    """The customer's answer to `agent_text`, or None once they are done.

    `turn` counts the replies this customer already sent after the opening (0 for the first reply), which
    is how the simulator keeps its per-chat state. A customer sends 2–4 replies: follow-ups, then thanks.
    """
    lang = "de" if (customer.get("language") or opening.get("language")) == "de" else "en"
    # How patient this customer is in this chat is a property of the chat, not of the call order: a stable
    # hash means asking twice for the same turn gives the same "done or not".
    seed = zlib.crc32(f"{customer.get('id')}|{opening.get('text')}".encode())
    replies = 2 + seed % 3
    turn = max(0, turn)
    if turn >= replies:
        return None
    if turn == replies - 1:
        return rng.choice(_CLOSINGS[lang])
    de = lang == "de"
    if _ASKS_ORDER.search(agent_text):
        found = re.search(r"\b\d{5,7}\b", str(opening.get("text", "")))
        if found:
            return f"Die Bestellnummer ist {found.group()}." if de else f"It's {found.group()}."
        return (
            "Die Nummer habe ich gerade nicht zur Hand, sie müsste in meinem Kundenkonto stehen."
            if de
            else "I don't have the number to hand, it should be in my account."
        )
    if _OFFERS_COBROWSE.search(agent_text):
        if customer.get("consents", {}).get("cobrowse"):
            return rng.choice(
                ("Ja, gerne, zeigen Sie es mir.", "Ja, das wäre super.")
                if de
                else ("Sure, go ahead and show me.", "Yes please, show me.")
            )
        # No cobrowse consent: the customer declines, as the consent says.
        return (
            "Lieber nicht. Können Sie es mir einfach beschreiben?"
            if de
            else "I'd rather not. Can you just describe it?"
        )
    if _OFFERS_VOUCHER.search(agent_text):
        return "Oh, das ist nett, danke!" if de else "Oh, that's nice, thank you!"
    if _OFFERS_CALLBACK.search(agent_text):
        return "Ok, und wann ruft mich jemand an?" if de else "Ok, and when will someone call me?"
    options = _FOLLOW_UPS.get(str(opening.get("topic")), _FOLLOW_UPS["product"])[lang]
    # Walk the follow-ups in a per-chat order so one chat never asks the same thing twice.
    return options[(seed + turn) % len(options)]


_TRANSCRIPT_OPENINGS = {
    "de": (
        "Guten Tag, ich habe eine Frage zum Thema {topic}{order}.",
        "Hallo, es geht um {topic}{order}. Können Sie mir helfen?",
        "Ich melde mich wegen {topic}{order}.",
    ),
    "en": (
        "Hello, I have a question about {topic}{order}.",
        "Hi, this is about {topic}{order}. Can you help me?",
        "I am getting in touch about {topic}{order}.",
    ),
}
_TRANSCRIPT_REPLIES = {
    ("de", "resolved"): (
        "Ich habe es mir angesehen und direkt für Sie erledigt.",
        "Danke, das hilft mir. Schönen Tag noch!",
    ),
    ("de", "unresolved"): (
        "Das kann ich leider nicht sofort klären, ich gebe es an die Fachabteilung.",
        "Das ist ärgerlich. Ich warte auf Ihre Nachricht.",
    ),
    ("de", "callback_promised"): (
        "Eine Kollegin ruft Sie bis morgen zurück.",
        "Gut, ich warte auf den Rückruf.",
    ),
    ("en", "resolved"): (
        "I have looked into it and sorted it out for you.",
        "Thanks, that helps. Have a good day!",
    ),
    ("en", "unresolved"): (
        "I cannot settle this right away; I am passing it to the specialist team.",
        "That is annoying. I will wait to hear from you.",
    ),
    ("en", "callback_promised"): (
        "A colleague will call you back by tomorrow.",
        "Fine, I will wait for the call.",
    ),
}


def _transcript(
    lang: str, channel: str, topic: str, outcome: str, order_id: str | None, t: datetime
) -> list[dict[str, str]]:
    """A short, plausible exchange for a past chat or e-mail (read-only in the desktop's history).

    Chosen from the contact's own fields, not from the journey's random stream, so adding
    transcripts did not change any generated history."""
    order = (f" (Bestellung {order_id})" if lang == "de" else f" (order {order_id})") if order_id else ""
    openings = _TRANSCRIPT_OPENINGS[lang]
    opening = openings[(t.day + len(topic)) % len(openings)].format(topic=topic, order=order)
    agent, customer = _TRANSCRIPT_REPLIES.get((lang, outcome), _TRANSCRIPT_REPLIES[(lang, "unresolved")])
    greeting = "Guten Tag! Ich sehe mir das an." if lang == "de" else "Hello! Let me have a look."
    lines = [("customer", opening), ("agent", greeting), ("agent", agent), ("customer", customer)]
    return [{"sender": sender, "text": text} for sender, text in lines]
