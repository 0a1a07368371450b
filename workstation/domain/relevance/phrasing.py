"""What a customer is talking about: topics, order/invoice numbers and product words, German or English.

Everything is matched on *folded* text (lower case, umlauts spelled out, ß as ss), so "Kündigung",
"Kuendigung" and "kundigung" meet the same stem. The lexicon is deliberately small and general:
it names how people speak about a topic, never a particular case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e", "à": "a"})
_WORD = re.compile(r"[a-z0-9]+")
# Order numbers as people write them: "order #88231", "Bestellung 51234", "Nr. 60001".
_NUMBER = re.compile(r"(?<![\w.-])#?(\d{4,12})(?![\w])")
# Invoice, ticket and similar references: "INV-3381", "RE 2024-17".
_REFERENCE = re.compile(r"\b([a-z]{2,5})[- ]?(\d{2,12}(?:[- ]\d{2,12}){0,2})\b")
# Thousands-style or hyphenated digit groups: "48 213", "48-213", "2026-0042".
_GROUPED = re.compile(r"(?<![\w.,])\d{1,6}(?:[- ]\d{3,6})+(?![\w.,]\d)")


def fold(text: str) -> str:
    """Lower case with umlauts spelled out: the form every lexicon entry is written in."""
    return text.lower().translate(_FOLD)


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


# --- topics: see workstation/domain/relevance_understanding.py and resources/relevance_concepts.toml


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


def concept(word: str) -> str:
    return _CONCEPT.get(word, word)


def product_words(tokens: Iterable[str]) -> frozenset[str]:
    """Words that may name a product or thing, as concepts (German mapped to English)."""
    return frozenset(
        concept(w) for w in tokens if (len(w) >= 4 or w in _CONCEPT) and not w.isdigit() and w not in _STOP
    )


def references_in(text: str) -> frozenset[str]:
    """Order numbers and references mentioned in a text, in the form `normalise_reference` gives.

    People write one number many ways: "#48213", "Best.-Nr. 48213", "48 213", "48-213", "AB-48213",
    "RE 2026 0042", "INV-3381". Plain numbers of 4+ digits count alone; digit groups joined by a space
    or hyphen in thousands style ("48 213") or by hyphens also count joined; a short letter prefix
    before digit groups gives a reference ("re20260042", "inv3381").
    """
    folded = fold(text)
    found = {m.group(1) for m in _NUMBER.finditer(folded)}
    for m in _GROUPED.finditer(folded):
        digits = re.sub(r"[^0-9]", "", m.group(0))
        if 4 <= len(digits) <= 12:
            found.add(digits)
    for m in _REFERENCE.finditer(folded):
        digits = re.sub(r"[^0-9]", "", m.group(2))
        if len(digits) >= 3:  # "von 49", "seit 20": a word before a small number is no reference
            found.add(m.group(1) + digits)
        if len(digits) >= 4:
            found.add(digits)  # "AB-48213" names order 48213
    return frozenset(found)


def normalise_reference(value: str) -> str:
    """The form a reference is compared in: folded, letters and digits only ("INV-3381" -> "inv3381")."""
    return "".join(_WORD.findall(fold(value)))


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
