"""What demo customers write: chat openings from their open problems, replies, closing words."""

from __future__ import annotations

import random
import re
import zlib
from datetime import datetime
from typing import Any, Final

from workstation.demo.catalog import (
    _BY_NAME,
    _BY_SLUG,
    _CATALOG,
    _CATEGORY_TITLES,
    _DE_ART,
    _DE_PRON_ACC,
    _DE_ZU,
    _LADDERS,
    _SHOP_ITEMS,
    Event,
    _Item,
    _parse,
    _utc,
)
from workstation.demo.problems import _URGENCY, open_problems

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
