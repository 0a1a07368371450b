"""What a customer is talking about: topics, order/invoice numbers and product words, German or English.

Everything is matched on *folded* text (lower case, umlauts spelled out, ß as ss), so "Kündigung",
"Kuendigung" and "kundigung" meet the same stem. The lexicon is deliberately small and general:
it names how people speak about a topic, never a particular case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e", "à": "a"})
_WORD = re.compile(r"[a-z0-9]+")
# Order numbers as people write them: "order #88231", "Bestellung 51234", "Nr. 60001".
_NUMBER = re.compile(r"(?<![\w.-])#?(\d{4,12})(?![\w])")
# Invoice, ticket and similar references: "INV-3381", "RE 2024-17".
_REFERENCE = re.compile(r"\b([a-z]{2,5})[- ]?(\d{3,12})\b")


def fold(text: str) -> str:
    """Lower case with umlauts spelled out: the form every lexicon entry is written in."""
    return text.lower().translate(_FOLD)


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


# --- topics ------------------------------------------------------------------------------------

#: topic -> (word stems matched as prefixes, exact words, phrases = word sets that must all occur)
_LEXICON: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, ...], ...]]]] = {
    "delivery": (
        (
            "liefer",
            "paket",
            "sendung",
            "versand",
            "verschick",
            "zustell",
            "angekommen",
            "deliver",
            "package",
            "parcel",
            "shipment",
            "shipping",
            "shipped",
            "tracking",
            "courier",
            "arriv",
            "unterwegs",
        ),
        ("dhl", "hermes", "dpd", "ups", "gls", "eta", "track", "ship"),
        (
            ("wo", "bleibt"),
            ("noch", "nicht", "da"),
            ("where", "order"),
            ("not", "arrived"),
            ("still", "waiting"),
            ("warte", "bestellung"),
        ),
    ),
    "order": (
        ("bestell", "gekauft", "kaufe", "purchas", "auftrag"),
        ("order", "orders", "ordered", "bought", "kauf", "kaufen"),
        (),
    ),
    "return_refund": (
        (
            "rueckgabe",
            "retour",
            "zurueckgeschickt",
            "zurueckgesendet",
            "zurueckschick",
            "umtausch",
            "erstatt",
            "rueckerstatt",
            "gutschrift",
            "refund",
            "reimburs",
        ),
        ("return", "returned", "returning", "exchange", "geld"),
        (("sent", "back"), ("send", "back"), ("my", "money"), ("geld", "zurueck"), ("mein", "geld")),
    ),
    "billing": (
        (
            "rechnung",
            "zahlung",
            "bezahl",
            "abbuch",
            "abgebucht",
            "lastschrift",
            "mahnung",
            "betrag",
            "gebuehr",
            "invoice",
            "payment",
            "charge",
            "debit",
            "overdue",
            "dunning",
        ),
        ("bill", "bills", "billing", "billed", "pay", "paid", "konto", "iban", "sepa"),
        (("direct", "debit"),),
    ),
    "cancellation": (
        (
            "kuendig",
            "vertragsende",
            "cancel",
            "terminat",
            "competitor",
            "konkurrenz",
            "guenstiger",
            "billiger",
            "cheaper",
        ),
        ("anbieter", "provider"),
        (
            ("zu", "teuer"),
            ("too", "expensive"),
            ("switch", "provider"),
            ("vertrag", "beenden"),
            ("end", "contract"),
        ),
    ),
    "technical": (
        (
            "internet",
            "router",
            "modem",
            "wlan",
            "wifi",
            "verbindung",
            "stoerung",
            "ausfall",
            "empfang",
            "netzwerk",
            "connect",
            "outage",
            "disconnect",
            "glasfaser",
            "leitung",
            "fehler",
            "neustart",
            "reboot",
            "kaputt",
            "defekt",
            "broken",
        ),
        (
            "down",
            "offline",
            "dsl",
            "fibre",
            "fiber",
            "netz",
            "signal",
            "slow",
            "langsam",
            "error",
            "lte",
            "5g",
        ),
        (
            ("funktioniert", "nicht"),
            ("geht", "nicht"),
            ("not", "working"),
            ("doesn", "work"),
            ("stopped", "working"),
            ("kein", "internet"),
            ("no", "internet"),
        ),
    ),
    "complaint": (
        (
            "beschwer",
            "unzufrieden",
            "aergerlich",
            "unverschaemt",
            "frechheit",
            "inakzeptabel",
            "enttaeusch",
            "complain",
            "unacceptable",
            "disappoint",
            "furious",
            "outrag",
            "terrible",
        ),
        ("angry", "awful", "sauer"),
        (),
    ),
    "website_help": (
        (
            "gutschein",
            "rabattcode",
            "voucher",
            "coupon",
            "eingeben",
            "eingabe",
            "checkout",
            "warenkorb",
            "formular",
            "webseite",
            "website",
            "klick",
            "button",
        ),
        ("kasse", "cart", "basket", "seite", "page", "promo", "code", "enter", "field", "feld"),
        (
            ("finde", "nicht"),
            ("nicht", "finden"),
            ("can", "find"),
            ("cannot", "find"),
            ("couldn", "find"),
            ("where", "can"),
            ("how", "do", "i"),
            ("wo", "kann", "ich"),
            ("wie", "kann", "ich"),
            ("komme", "nicht", "weiter"),
            ("stuck",),
        ),
    ),
    "in_person": (
        (
            "filiale",
            "geschaeft",
            "ausprobier",
            "anschauen",
            "ansehen",
            "showroom",
            "persoenlich",
            "beratungstermin",
            "haendler",
            "dealer",
            "appointment",
        ),
        ("laden", "store", "branch", "termin", "vorort"),
        (
            ("vor", "ort"),
            ("in", "person"),
            ("see", "it"),
            ("try", "it"),
            ("try", "out"),
            ("in", "der", "naehe"),
            ("near", "me"),
            ("look", "at", "it"),
            ("try", "somewhere"),
            ("try", "before"),
            ("test", "before"),
            ("see", "before"),
            ("testen", "bevor"),
            ("probieren", "bevor"),
            ("live", "sehen"),
        ),
    ),
    "product_advice": (
        (
            "passend",
            "kompatib",
            "zubehoer",
            "empfehl",
            "recommend",
            "compatib",
            "accessor",
            "suitable",
            "geeignet",
            "alternativ",
            "upgrade",
        ),
        ("welche", "welcher", "welches", "which", "passt", "fits", "fit", "dazu", "suits"),
        (),
    ),
    "address": (
        ("adress", "umzug", "umgezogen", "anschrift", "address"),
        ("moved", "moving"),
        (),
    ),
    "account": (
        ("passwort", "password", "anmeld", "kundenkonto", "zugang", "login"),
        ("account", "konto"),
        (("sign", "in"), ("log", "in")),
    ),
}

#: Phrases that say "this is not the first time": a repeat contact.
_REPEAT: Final = (
    ("schon", "wieder"),
    ("immer", "noch"),
    ("noch", "immer"),
    ("already",),
    ("again",),
    ("still",),
    ("bereits",),
    ("nochmal",),
    ("erneut",),
    ("wieder",),
    ("third", "time"),
    ("second", "time"),
    ("zum", "dritten"),
    ("zum", "zweiten"),
    ("schon", "angerufen"),
    ("called", "yesterday"),
)

#: "It says delivered, but I have nothing": a delivery the customer disputes.
_NOT_RECEIVED: Final = (
    ("nichts", "bekommen"),
    ("nicht", "bekommen"),
    ("nicht", "erhalten"),
    ("nichts", "erhalten"),
    ("nie", "angekommen"),
    ("not", "received"),
    ("never", "arrived"),
    ("never", "received"),
    ("didn", "receive"),
    ("haven", "received"),
    ("nothing", "arrived"),
    ("kein", "paket"),
)

#: Words about buying something, past or future ("I bought", "bevor ich ihn kaufe").
_PURCHASE: Final = ("gekauft", "kauf", "bought", "purchas", "bestellt", "ordered")

#: German (and loan) words mapped to the English product word they mean, so "Fernseher" meets "TV".
_CONCEPT: Final[dict[str, str]] = {
    "fernseher": "tv",
    "fernsehgeraet": "tv",
    "television": "tv",
    "oled": "tv",
    "qled": "tv",
    "kamera": "camera",
    "fotoapparat": "camera",
    "jacke": "jacket",
    "hose": "trousers",
    "schuhe": "shoes",
    "schuh": "shoes",
    "handy": "smartphone",
    "mobiltelefon": "smartphone",
    "phone": "smartphone",
    "telefon": "smartphone",
    "kopfhoerer": "headphones",
    "headset": "headphones",
    "earbuds": "headphones",
    "drucker": "printer",
    "laptop": "notebook",
    "rechner": "computer",
    "pc": "computer",
    "uhr": "watch",
    "smartwatch": "watch",
    "waschmaschine": "washer",
    "kuehlschrank": "fridge",
    "refrigerator": "fridge",
    "staubsauger": "vacuum",
    "kaffeemaschine": "coffee",
    "kaffee": "coffee",
    "wasserkocher": "kettle",
    "laptops": "notebook",
    "spielkonsole": "console",
    "konsole": "console",
    "speicherkarte": "memorycard",
    "objektiv": "lens",
    "akku": "battery",
    "ladegeraet": "charger",
    "kabel": "cable",
    "huelle": "case",
    "vertrag": "contract",
    "tarif": "plan",
    "modem": "router",
    "wlan": "router",
    "wifi": "router",
    "internet": "router",
    "fritzbox": "router",
    "glasfaser": "fibre",
    "fiber": "fibre",
    "mobilfunk": "mobile",
    "sim": "mobile",
}

#: Words too common to say *which* thing a customer means.
_STOP: Final = frozenset(
    str.split(
        """
    aber alle also auch bitte dann danke dass denn doch eine einen einem einer habe haben hallo
    hatte heute ihre immer kann koennen mein meine meinen meinem meiner mich nach nicht noch oder
    schon sein sich sind soll sollte ueber unser warum weil wenn wieder wird wurde zwei gestern
    letzte letzten woche monat tage frage kurze guten morgen abend leider sehr viel
    about after again already also back been before being came come could does done from have
    hello help here just know last like make many more much need only other over please really
    same some still than thank thanks that their them then there these they thing this time told
    want week what when where which while will with would your yesterday today days ago two
    order orders ordered placed delivered shipped viewed searched contact customer bestellung
    bestellungen kunde event eur euro price preis new neu resolved open status
    filiale laden geschaeft store shop branch somewhere irgendwo vorher gern gerne beraten lassen
    wuerde moechte kaufen kaufe bevor these them those diese dieser dieses anschauen ansehen sehen
    probieren ausprobieren testen bekommen erhalten received arrived nichts nothing never
    """
    )
)


@dataclass(frozen=True, slots=True)
class Utterance:
    """What one text says, once analysed."""

    topics: dict[str, float] = field(default_factory=dict)
    #: order numbers and references ("inv3381"), folded, digits only for plain numbers
    references: frozenset[str] = frozenset()
    #: product words as concepts ("tv" for "Fernseher"), stop words removed
    products: frozenset[str] = frozenset()
    repeat: bool = False
    purchase: bool = False
    not_received: bool = False


def _has_phrase(tokens: set[str], phrase: tuple[str, ...]) -> bool:
    return all(word in tokens for word in phrase)


def topics_of(tokens: Iterable[str]) -> dict[str, float]:
    """Topic -> evidence (number of hits) for a list of folded words."""
    token_list = list(tokens)
    token_set = set(token_list)
    found: dict[str, float] = {}
    for topic, (stems, exact, phrases) in _LEXICON.items():
        hits = sum(1 for word in token_list if word in exact or word.startswith(stems))
        hits += sum(1 for phrase in phrases if _has_phrase(token_set, phrase))
        if hits:
            found[topic] = float(hits)
    return found


def concept(word: str) -> str:
    return _CONCEPT.get(word, word)


def product_words(tokens: Iterable[str]) -> frozenset[str]:
    """Words that may name a product or thing, as concepts (German mapped to English)."""
    return frozenset(
        concept(w) for w in tokens if (len(w) >= 4 or w in _CONCEPT) and not w.isdigit() and w not in _STOP
    )


def references_in(text: str) -> frozenset[str]:
    """Order numbers and references mentioned in a text, in the form `normalise_reference` gives."""
    folded = fold(text)
    found = {m.group(1) for m in _NUMBER.finditer(folded)}
    found.update(f"{m.group(1)}{m.group(2)}" for m in _REFERENCE.finditer(folded))
    return frozenset(found)


def normalise_reference(value: str) -> str:
    """The form a reference is compared in: folded, letters and digits only ("INV-3381" -> "inv3381")."""
    return "".join(_WORD.findall(fold(value)))


def analyse(text: str) -> Utterance:
    tokens = words(text)
    token_set = set(tokens)
    return Utterance(
        topics=topics_of(tokens),
        references=references_in(text),
        products=product_words(tokens),
        repeat=any(_has_phrase(token_set, phrase) for phrase in _REPEAT),
        purchase=any(word.startswith(_PURCHASE) for word in tokens),
        not_received=any(_has_phrase(token_set, phrase) for phrase in _NOT_RECEIVED),
    )


def similar(a: str, b: str) -> bool:
    """Whether two product words mean the same thing: equal, same stem, or one typo apart."""
    if a == b:
        return True
    if len(a) < 4 or len(b) < 4:
        return False
    if len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5]:
        return True  # kameras / kamera, headphones / headphone
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 5:
        return False
    return _within_one_edit(a, b)


def _within_one_edit(a: str, b: str) -> bool:
    if len(a) > len(b):
        a, b = b, a
    i = j = edits = 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            i += 1
            j += 1
            continue
        edits += 1
        if edits > 1:
            return False
        if len(a) == len(b):
            i += 1
        j += 1
    return edits + (len(b) - j) + (len(a) - i) <= 1


def shared_products(said: frozenset[str], about: frozenset[str]) -> list[str]:
    """The product words of `about` that the customer's words `said` name."""
    if not said or not about:
        return []
    return sorted(word for word in about if any(similar(word, s) for s in said))
