"""Journey phases of events and what kind of page a page view is (help, form, product)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from workstation.domain.events import (
    AWARENESS_KINDS,
    PURCHASE_KINDS,
    SERVICE_KINDS,
    EventLike,
)
from workstation.domain.relevance.phrasing import fold
from workstation.domain.relevance.understanding import topics_of_text

#: The journey phases, in order (journey_phase() and Ranking.phase name one of them).
PHASES: Final = ("awareness", "interest", "purchase", "service")

_PURCHASE_PAGES: Final = ("checkout", "kasse", "cart", "warenkorb", "basket", "payment", "zahlung")
_HELP_PAGES: Final = ("hilfe", "help", "faq", "support", "kontakt", "contact", "service")
_ACCOUNT_PAGES: Final = ("konto", "account", "login", "anmeld", "kuendig", "cancel", "profil")


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _topics(text: str) -> set[str]:
    return set(topics_of_text(text))


def journey_phase(kind: str, data: Mapping[str, Any] | None = None) -> str:
    """Which of awareness → interest → purchase → service an event belongs to."""
    if kind in SERVICE_KINDS:
        return "service"
    if kind in PURCHASE_KINDS:
        return "purchase"
    if kind in AWARENESS_KINDS:
        return "awareness"
    if kind == "page_view" and data:
        where = fold(f"{data.get('url', '')} {data.get('category', '')}")
        if any(p in where for p in _PURCHASE_PAGES):
            return "purchase"
        if any(p in where for p in _HELP_PAGES + _ACCOUNT_PAGES):
            return "service"
        if "angebot" in where or "offer" in where or "sale" in where or "campaign" in where:
            return "awareness"
    return "interest"


#: Returns to already-seen pages in one visit from which a loop counts as two signals, not one.
LOOP_RETURNS_STRONG: Final = 2


def _page_key(url: str) -> str:
    """One page whatever the query, fragment, trailing slash or case ("/Hilfe/?x=1#a" = "/hilfe")."""
    return url.split("#")[0].split("?")[0].rstrip("/").lower()


def _view_text(event: EventLike) -> str:
    data = event.data
    slug = _str(data, "url").split("#")[0].rsplit("/", 1)[-1]
    return f"{_str(data, 'title')} {_str(data, 'category')} {slug} {_str(data, 'query')}"


def _page_topics(event: EventLike) -> set[str]:
    data = event.data
    return _topics(f"{_str(data, 'url')} {_str(data, 'title')} {_str(data, 'category')}")


def _where(event: EventLike) -> str:
    data = event.data
    return fold(f"{_str(data, 'url')} {_str(data, 'category')}")


def _is_help(event: EventLike) -> bool:
    where = _where(event)
    return any(f"/{p}" in where or where.endswith(f" {p}") for p in _HELP_PAGES)


def _is_form(event: EventLike) -> bool:
    where = _where(event)
    return any(p in where for p in _PURCHASE_PAGES + _ACCOUNT_PAGES)


def _is_product(event: EventLike) -> bool:
    if _is_help(event) or _is_form(event):
        return False
    url = fold(_str(event.data, "url"))
    return "/p/" in url or "/product" in url or "/produkt" in url or "/artikel" in url
