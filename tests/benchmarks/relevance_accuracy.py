"""Held-back accuracy of the relevance engine on the paraphrase corpus, next to a keyword baseline.

    .venv/bin/python tests/benchmarks/relevance_accuracy.py [--half held|dev] [--failures]

Every phrasing of tests/data/relevance_paraphrases/ is put, as the customer's chat message, into the
history its file names (built here: `busy`, `busy_valued`, `quiet`, `loop`) and ranked by the engine;
it counts as right when the file's `expect` holds (`top_action`, `top3_any`, `never`). The keyword
baseline classifies the message alone by a few obvious words per intent (no stemming, no negation, no
history) and counts as right when it names the intent (for false-trigger phrasings: when the action it
implies is not one the phrasing must not raise). "history only" ranks every scenario with no message:
what the history alone already gets right.

Tune the engine on `--half dev`; report `--half held` (the default). Measures, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from workstation.domain.relevance import Card, RelevanceEngine, case_from_mapping  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "relevance_paraphrases"
NOW = "2026-11-20T14:00:00Z"
LANGS = ("de", "en")

#: The action each intent asks for (what the keyword baseline answers with).
INTENT_ACTION: dict[str, str | None] = {
    "track_order": "track_order",
    "return_refund": "process_return",
    "payment": "fix_payment",
    "device": "device_support",
    "callback_chase": "offer_callback",
    "cancel": "retention_offer",
    "cobrowse": "start_cobrowse",
    "cross_sell": "cross_sell",
    "in_person": "book_branch_appointment",
    "none": None,
}

#: The plain keyword baseline: the words anyone would first think of, matched as substrings.
BASELINE_WORDS: dict[str, tuple[str, ...]] = {
    "track_order": ("bestellung", "paket", "lieferung", "sendung", "order", "parcel", "delivery", "package"),
    "return_refund": ("rücksendung", "retoure", "erstattung", "zurück", "refund", "return", "money back"),
    "payment": ("zahlung", "rechnung", "lastschrift", "mahnung", "payment", "invoice", "debit", "bill"),
    "device": ("internet", "router", "wlan", "wifi", "modem", "verbindung", "connection"),
    "callback_chase": ("rückruf", "zurückrufen", "angerufen", "callback", "call back", "call me back"),
    "cancel": ("kündig", "cancel", "terminate", "vertrag beenden"),
    "cobrowse": ("finde nicht", "can't find", "cannot find", "webseite", "website", "seite", "page"),
    "cross_sell": ("passt", "zubehör", "empfehl", "fits", "accessor", "recommend", "suits", "compatible"),
    "in_person": ("filiale", "laden", "vor ort", "termin", "store", "branch", "in person", "appointment"),
}


def baseline_intent(text: str) -> str:
    low = text.lower()
    hits = {intent: sum(w in low for w in words) for intent, words in BASELINE_WORDS.items()}
    best = max(hits, key=lambda i: hits[i])
    return best if hits[best] else "none"


# --- the histories ---------------------------------------------------------------------------------


def _ev(eid: str, at: str, channel: str, kind: str, summary: str, **data: Any) -> dict[str, Any]:
    return {"id": eid, "at": at, "channel": channel, "kind": kind, "summary": summary, "data": data}


def _noise(seed: str, n: int = 60) -> list[dict[str, Any]]:
    """Old, settled background: page views, resolved contacts, delivered orders, surveys."""
    rnd = random.Random(seed)
    cats = ["gaming", "haushalt", "zubehoer", "smartphones", "laptops", "angebote"]
    out: list[dict[str, Any]] = []
    for i in range(n):
        day = f"2026-{rnd.randint(1, 9):02d}-{rnd.randint(1, 28):02d}T{rnd.randint(0, 23):02d}:00:00Z"
        pick = rnd.random()
        if pick < 0.6:
            cat = rnd.choice(cats)
            out.append(
                _ev(
                    f"n{i}",
                    day,
                    "web",
                    "page_view",
                    f"Viewed {cat}",
                    url=f"https://shop.example/c/{cat}",
                    title=cat.capitalize(),
                    category=cat,
                    seconds=rnd.randint(5, 120),
                )
            )
        elif pick < 0.75:
            topic = rnd.choice(["opening hours", "invoice copy", "password reset"])
            out.append(
                _ev(
                    f"n{i}",
                    day,
                    rnd.choice(["phone", "email", "chat"]),
                    "contact",
                    f"contact about {topic}",
                    topic=topic,
                    outcome="resolved",
                    sentiment=0.3,
                )
            )
        elif pick < 0.9:
            oid = str(10000 + i)
            out.append(
                _ev(
                    f"n{i}",
                    day,
                    "shop",
                    "order_placed",
                    f"Order {oid} placed",
                    order_id=oid,
                    value=40.0,
                    items=1,
                )
            )
            out.append(_ev(f"n{i}d", day, "logistics", "delivered", f"Order {oid} delivered", order_id=oid))
        else:
            out.append(_ev(f"n{i}", day, "email", "survey", "Survey NPS 8", nps=8, comment=""))
    return out


def _customer(lang: str, tier: str, clv: float) -> dict[str, Any]:
    return {
        "id": "c-para",
        "name": "Kim Test",
        "language": lang,
        "segment": "b2c",
        "value_tier": tier,
        "clv": clv,
        "churn_risk": 0.3,
        "consents": {"marketing": True, "cobrowse": True},
        "products": [
            {"id": "p-1", "name": "Fibre 250", "since": "2024-03-01"},
            {"id": "p-2", "name": "Mobile XL", "since": "2023-05-01"},
        ],
    }


def _busy(lang: str) -> list[dict[str, Any]]:
    invoice = "RE-2026-0042" if lang == "de" else "INV-3381"
    return [
        _ev(
            "t1",
            "2026-11-17T10:00:00Z",
            "shop",
            "order_placed",
            "Order 48213 placed (129.90 EUR)",
            order_id="48213",
            value=129.9,
            items=2,
        ),
        _ev(
            "t2",
            "2026-11-18T09:00:00Z",
            "logistics",
            "order_shipped",
            "Order 48213 shipped with DHL",
            order_id="48213",
            carrier="DHL",
            eta="2026-11-21T14:00:00Z",
        ),
        _ev(
            "r0",
            "2026-10-25T10:00:00Z",
            "shop",
            "order_placed",
            "Order 35190 placed: jacket (149.00 EUR)",
            order_id="35190",
            value=149.0,
            items=1,
        ),
        _ev(
            "r1", "2026-10-28T10:00:00Z", "logistics", "delivered", "Order 35190 delivered", order_id="35190"
        ),
        _ev(
            "r2",
            "2026-11-06T10:00:00Z",
            "web",
            "return_requested",
            "Return requested for order 35190",
            order_id="35190",
            reason="too small",
        ),
        _ev(
            "p1",
            "2026-11-17T06:00:00Z",
            "billing",
            "payment_failed",
            "Direct debit failed: 49.99 EUR",
            amount=49.99,
            reason="account closed",
        ),
        _ev(
            "p2",
            "2026-11-19T06:00:00Z",
            "billing",
            "invoice_overdue",
            f"Invoice {invoice} overdue",
            invoice_id=invoice,
            amount=49.99,
            days=3,
        ),
        _ev(
            "d1",
            "2026-11-19T20:00:00Z",
            "device",
            "device_alert",
            "Router R-200: no line sync",
            device="Router R-200",
            code="LOS",
            severity="critical",
            active=True,
        ),
        _ev(
            "k1",
            "2026-11-19T10:00:00Z",
            "phone",
            "contact",
            "Call: tariff change, callback promised",
            topic="tariff change",
            outcome="callback_promised",
            sentiment=-0.2,
        ),
    ]


def _quiet() -> list[dict[str, Any]]:
    return [
        _ev(
            "c1",
            "2026-11-11T10:00:00Z",
            "shop",
            "order_placed",
            "Order 70555 placed: Alpha 7 camera (1899 EUR)",
            order_id="70555",
            value=1899.0,
            items=1,
        ),
        _ev(
            "c2", "2026-11-13T10:00:00Z", "logistics", "delivered", "Order 70555 delivered", order_id="70555"
        ),
        _ev(
            "v0",
            "2026-11-20T13:20:00Z",
            "web",
            "page_view",
            "Viewed TV",
            url="https://shop.example/c/tv",
            title="Fernseher",
            category="tv",
            seconds=60,
        ),
        _ev(
            "v1",
            "2026-11-20T13:30:00Z",
            "web",
            "page_view",
            'Viewed OLED 65"',
            url="https://shop.example/p/oled-65",
            title="OLED 65 Zoll",
            category="tv",
            seconds=540,
        ),
    ]


def _loop() -> list[dict[str, Any]]:
    def view(eid: str, at: str, help_page: bool, seconds: int) -> dict[str, Any]:
        if help_page:
            return _ev(
                eid,
                at,
                "web",
                "page_view",
                "Viewed Help: vouchers",
                url="https://shop.example/hilfe/gutscheine",
                title="Hilfe: Gutscheine",
                category="help",
                seconds=seconds,
            )
        return _ev(
            eid,
            at,
            "web",
            "page_view",
            "Viewed checkout",
            url="https://shop.example/checkout/payment",
            title="Kasse – Zahlung",
            category="checkout",
            seconds=seconds,
        )

    return [
        *_quiet()[:2],
        view("w1", "2026-11-20T13:41:00Z", True, 95),
        view("w2", "2026-11-20T13:46:00Z", False, 140),
        view("w3", "2026-11-20T13:51:00Z", True, 80),
        view("w4", "2026-11-20T13:55:00Z", False, 200),
    ]


def scenario_case(scenario: str, lang: str, text: str | None) -> dict[str, Any]:
    """The case file for one phrasing (None: no message) in one of the named histories."""
    if scenario in ("busy", "busy_valued"):
        events = _busy(lang)
        tier, clv = ("gold", 3000.0) if scenario == "busy_valued" else ("silver", 900.0)
    elif scenario == "quiet":
        events, tier, clv = _quiet(), "gold", 2900.0
    elif scenario == "loop":
        events, tier, clv = _loop(), "silver", 650.0
    else:
        raise ValueError(f"unknown scenario {scenario!r}")
    interaction: dict[str, Any] = {"channel": "chat", "started": "2026-11-20T13:59:00Z", "messages": []}
    if scenario == "loop":
        interaction["page"] = {"url": "https://shop.example/checkout/payment", "title": "Kasse – Zahlung"}
    if text is not None:
        interaction["messages"] = [{"from": "customer", "at": "2026-11-20T13:59:20Z", "text": text}]
    return {
        "id": f"{scenario}-{lang}",
        "now": NOW,
        "customer": _customer(lang, tier, clv),
        "interaction": interaction,
        "events": events + _noise(f"{scenario}-{lang}"),
    }


# --- scoring ---------------------------------------------------------------------------------------


def holds(cards: Sequence[Card], expect: Mapping[str, Any]) -> bool:
    wanted = expect.get("top_action")
    if wanted and next((c.action for c in cards if c.kind == "action"), None) != wanted:
        return False
    any_refs = expect.get("top3_any") or []
    if any_refs and not {r for c in cards[:3] for r in c.refs} & set(any_refs):
        return False
    return not any(c.action in (expect.get("never") or []) for c in cards)


def load(half: str) -> list[tuple[str, str, str, dict[str, Any], str]]:
    """(intent, scenario, lang, expect, text) for every phrasing of one half."""
    items = []
    for path in sorted(CORPUS.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for lang in LANGS:
            for entry in doc[half][lang]:
                if isinstance(entry, dict):  # a false trigger: its own `never`
                    items.append(
                        (doc["intent"], doc["scenario"], lang, {"never": entry["never"]}, entry["text"])
                    )
                else:
                    items.append((doc["intent"], doc["scenario"], lang, doc["expect"], entry))
    return items


def evaluate(half: str, engine: RelevanceEngine) -> dict[str, Any]:
    items = load(half)
    per: dict[tuple[str, str], list[int]] = {}
    failures: list[str] = []
    for intent, scenario, lang, expect, text in items:
        ranking = engine.rank(case_from_mapping(scenario_case(scenario, lang, text)))
        ok_engine = holds(ranking.cards, expect)
        guess = baseline_intent(text)
        ok_base = INTENT_ACTION[guess] not in expect["never"] if intent == "none" else guess == intent
        counts = per.setdefault((intent, lang), [0, 0, 0])
        counts[0] += 1
        counts[1] += ok_engine
        counts[2] += ok_base
        if not ok_engine:
            top = [(c.action or c.situation, list(c.refs[:3])) for c in ranking.cards[:3]]
            failures.append(f"[{intent}/{lang}] {text!r} -> {top}")
    history_only = {}
    for path in sorted(CORPUS.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc["intent"] == "none":
            continue
        for lang in LANGS:
            ranking = engine.rank(case_from_mapping(scenario_case(doc["scenario"], lang, None)))
            history_only[(doc["intent"], lang)] = holds(ranking.cards, doc["expect"])
    return {"per": per, "failures": failures, "history_only": history_only}


def report(half: str, result: dict[str, Any], show_failures: bool) -> None:
    per: dict[tuple[str, str], list[int]] = result["per"]
    print(f"Paraphrase accuracy, {half} half ({CORPUS.relative_to(ROOT)})")
    print(f"  {'intent':<16}{'lang':<6}{'n':>4}   {'engine':>7}   {'keywords':>8}   history only")
    for (intent, lang), (n, eng, base) in sorted(per.items()):
        hist = result["history_only"].get((intent, lang))
        hist_s = "-" if hist is None else ("right" if hist else "wrong")
        print(f"  {intent:<16}{lang:<6}{n:>4}   {eng / n:>7.0%}   {base / n:>8.0%}   {hist_s}")
    for lang in (*LANGS, None):
        rows = [v for (i, lg), v in per.items() if lang is None or lg == lang]
        n = sum(r[0] for r in rows)
        eng = sum(r[1] for r in rows)
        base = sum(r[2] for r in rows)
        print(f"  {'ALL':<16}{lang or 'both':<6}{n:>4}   {eng / n:>7.1%}   {base / n:>8.1%}")
    if show_failures:
        print("\nEngine failures:")
        for line in result["failures"]:
            print("  " + line)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--half", choices=("held", "dev"), default="held")
    parser.add_argument("--failures", action="store_true", help="list the phrasings the engine gets wrong")
    args = parser.parse_args(argv)
    report(args.half, evaluate(args.half, RelevanceEngine()), args.failures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
