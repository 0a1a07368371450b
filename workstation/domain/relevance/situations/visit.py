"""Situations from the web visit and the customer's requests: stuck, product interest, in person."""

from __future__ import annotations

from workstation.domain.events import (
    ERROR_KINDS,
    EventLike,
)
from workstation.domain.messages import AND, QT_TRANSLATE_NOOP, Joined, Msg
from workstation.domain.relevance.journey import (
    _HELP_PAGES,
    _PURCHASE_PAGES,
    LOOP_RETURNS_STRONG,
    _is_form,
    _is_help,
    _is_product,
    _page_key,
    _str,
    _topics,
    _view_text,
)
from workstation.domain.relevance.phrasing import fold, product_words, shared_products, words
from workstation.domain.relevance.situations.base import FinderBase, Situation, _ago, _by_time, _money, _num
from workstation.domain.relevance.weights import weights

#: the named weights table (resources/relevance_weights.toml)
W = weights()


class VisitSituations(FinderBase):
    # -- the web visit --

    def session(self) -> None:
        visit = _by_time(self.h.session)
        interaction = self.case.interaction
        page_topics = _topics(f"{interaction.page_url or ''} {interaction.page_title or ''}")
        views = [e for e in visit if e.kind == "page_view"]
        signals: list[str] = []
        evidence: dict[str, EventLike] = {}
        seen: dict[str, list[EventLike]] = {}
        for event in views:
            seen.setdefault(_page_key(_str(event.data, "url")), []).append(event)
        loops = [(url, hits) for url, hits in seen.items() if url and len(hits) >= 2]
        if loops:
            # Each return to a page already seen is evidence: back and forth twice says more than once.
            returns = sum(len(hits) - 1 for _, hits in loops)
            if returns >= LOOP_RETURNS_STRONG:
                signals.append(
                    Msg(QT_TRANSLATE_NOOP("domain", "came back {n} times to pages already seen"), n=returns)
                )
            pages = Joined((f"'{_str(hits[-1].data, 'title') or url}'" for url, hits in loops[:2]), AND)
            signals.append(
                Msg(QT_TRANSLATE_NOOP("domain", "went back and forth between {pages}"), pages=pages)
            )
            for _, hits in loops:
                for e in hits:
                    evidence[e.id] = e
        help_views = [e for e in views if _is_help(e)]
        if help_views:
            help_titles = Joined(sorted({f"'{_str(e.data, 'title')}'" for e in help_views}), ", ")
            signals.append(
                Msg(QT_TRANSLATE_NOOP("domain", "read help pages {pages}"), pages=help_titles)
                if len(help_views) > 1
                else Msg(QT_TRANSLATE_NOOP("domain", "read help page {pages}"), pages=help_titles)
            )
            for e in help_views:
                evidence[e.id] = e
        form_seconds = W.limit("stuck_on_site", "long_form_seconds")
        long_forms = [e for e in views if _is_form(e) and (_num(e.data, "seconds") or 0) >= form_seconds]
        if long_forms:
            longest = max(long_forms, key=lambda e: _num(e.data, "seconds") or 0)
            signals.append(
                Msg(
                    QT_TRANSLATE_NOOP("domain", "{n} min on '{page}'"),
                    n=round((_num(longest.data, "seconds") or 0) / 60),
                    page=_str(longest.data, "title"),
                )
            )
            for e in long_forms:
                evidence[e.id] = e
        searches = [e for e in visit if e.kind == "search"]
        if len(searches) >= 2:
            signals.append(Msg(QT_TRANSLATE_NOOP("domain", "searched {n} times"), n=len(searches)))
            for e in searches:
                evidence[e.id] = e
        errors = [e for e in visit if e.kind in ERROR_KINDS]
        if errors:
            last_error = errors[-1].data
            where = _str(last_error, "screen") or _str(last_error, "form") or _str(last_error, "field")
            signals.append(
                Msg(QT_TRANSLATE_NOOP("domain", "error on '{page}'"), page=where or errors[-1].summary)
            )
            for e in errors:
                evidence[e.id] = e
        carts = [e for e in self.h.carts if e.at >= self.h.session_from]
        if carts:
            signals.append(
                Msg(
                    QT_TRANSLATE_NOOP("domain", "left a cart of {amount}"),
                    amount=_money(carts[-1].data.get("value")),
                )
            )
            for e in carts:
                evidence[e.id] = e
        strength = len(signals)
        if "website_help" in self.said.topics:
            strength += 2
            signals.append(Msg(QT_TRANSLATE_NOOP("domain", "says they cannot find their way")))
        page_url = fold(interaction.page_url or "")
        if page_url and (
            "website_help" in page_topics or any(p in page_url for p in _PURCHASE_PAGES + _HELP_PAGES)
        ):
            strength += 1
            signals.append(
                Msg(
                    QT_TRANSLATE_NOOP("domain", "chat started on '{page}'"),
                    page=interaction.page_title or interaction.page_url,
                )
            )
        if strength >= W.limit("stuck_on_site", "min_signals") and (
            evidence or "website_help" in self.said.topics
        ):
            refs = [e.id for e in sorted(evidence.values(), key=lambda e: (e.at, e.id), reverse=True)][:8]
            where = interaction.page_title or (
                _str(views[-1].data, "title") if views else Msg(QT_TRANSLATE_NOOP("domain", "the web site"))
            )
            self.add(
                Situation(
                    "stuck_on_site",
                    refs,
                    Msg(QT_TRANSLATE_NOOP("domain", "Stuck on the web site: {page}"), page=where),
                    signals,
                    W.base("stuck_on_site") + W.of("stuck_on_site", "per_signal") * strength,
                    views[-1].at if views else self.now,
                    W.half_life("stuck_on_site"),
                    {"website_help"} | page_topics,
                    {"page": where},
                    frozenset(),
                    frozenset(),
                )
            )
        # Long on products: interest (and, if they ask, the thing they want to see or buy).
        product_views = [e for e in views if _is_product(e)]
        dwell = sum(_num(e.data, "seconds") or 0 for e in product_views)
        if product_views and dwell >= W.limit("product_interest", "min_seconds"):
            by_dwell: dict[str, float] = {}
            titles: dict[str, str] = {}
            for e in product_views:
                key = _str(e.data, "url").split("#")[0]
                by_dwell[key] = by_dwell.get(key, 0) + (_num(e.data, "seconds") or 0)
                titles.setdefault(key, _str(e.data, "title"))
            top = max(by_dwell, key=lambda k: by_dwell[k])
            product = titles[top] or top
            refs = [
                e.id
                for e in sorted(
                    product_views,
                    key=lambda e: (
                        -(by_dwell[_str(e.data, "url").split("#")[0]]),
                        -(_num(e.data, "seconds") or 0),
                    ),
                )
            ][:6]
            words_seen = product_words(
                w
                for e in product_views
                for w in words(
                    f"{_str(e.data, 'title')} {_str(e.data, 'category')} "
                    f"{_str(e.data, 'url').rsplit('/', 1)[-1]}"
                )
            )
            self.add(
                Situation(
                    "product_interest",
                    refs,
                    Msg(
                        QT_TRANSLATE_NOOP("domain", "Looked at {product} for {n} min"),
                        product=product,
                        n=round(dwell / 60),
                    ),
                    [
                        Msg(
                            QT_TRANSLATE_NOOP(
                                "domain", "{n} min on product pages in this visit, most on '{product}'"
                            ),
                            n=round(dwell / 60),
                            product=product,
                        )
                    ],
                    W.base("product_interest") + min(dwell / 60, 30) * W.of("product_interest", "per_minute"),
                    product_views[-1].at,
                    W.half_life("product_interest"),
                    {"product_advice"},
                    {"product": product, "minutes": round(dwell / 60)},
                    words_seen,
                )
            )

    # -- what the customer asks for, beyond the history --

    def requests(self) -> None:
        if "in_person" in self.said.topics:
            interest = next((s for s in self.found if s.kind == "product_interest"), None)
            refs = list(interest.refs) if interest else []
            product = interest.attrs["product"] if interest else (self.case.interaction.page_title or "")
            products = interest.products if interest else frozenset()
            facts: list[str] = [Msg(QT_TRANSLATE_NOOP("domain", "asks to see or try it in person"))]
            if interest is not None:
                facts.extend(interest.facts)
            else:
                seen, product_seen = self._recently_viewed()
                if seen:
                    refs = [e.id for e in seen]
                    product = product or product_seen
                    products = product_words(w for e in seen for w in words(_view_text(e)))
                    facts.append(
                        Msg(
                            QT_TRANSLATE_NOOP("domain", "looked at '{product}' {ago}"),
                            product=product_seen,
                            ago=_ago(self.now, seen[0].at),
                        )
                    )
                else:
                    refs = self._matching_orders()[:2]
            self.add(
                Situation(
                    "wants_in_person",
                    refs,
                    Msg(
                        QT_TRANSLATE_NOOP("domain", "Wants to see {product} in person"),
                        product=product or Msg(QT_TRANSLATE_NOOP("domain", "it")),
                    ),
                    facts,
                    W.base("wants_in_person"),
                    self.now,
                    W.half_life("wants_in_person"),
                    {"in_person"},
                    {"product": product or Msg(QT_TRANSLATE_NOOP("domain", "the product"))},
                    products,
                )
            )
        if "product_advice" in self.said.topics or (self.said.purchase and self.said.products):
            best = self._best_recent_order()
            if best is not None:
                best.kind = "purchase_followup"
                best.facts = [*best.facts, Msg(QT_TRANSLATE_NOOP("domain", "asks what goes with it"))]
                best.base = W.base("purchase_followup")
                best.topics |= {"product_advice"}
            else:
                interest = next((s for s in self.found if s.kind == "product_interest"), None)
                if interest is not None:
                    interest.topics.add("product_advice")

    def _recently_viewed(self) -> tuple[list[EventLike], str]:
        """Product pages of the last days the customer's words point at (else the last day's
        most-viewed one), newest first, and the product's name."""
        views = [e for e in self.h.recent_views if e.kind == "page_view" and _is_product(e)]
        searches = [e for e in self.h.recent_views if e.kind == "search"]
        matched = [
            e
            for e in views + searches
            if shared_products(self.said.products, product_words(words(_view_text(e))))
        ]
        if not matched:
            day = [e for e in views if self.days(e.at) <= 1]
            matched = [max(day, key=lambda e: _num(e.data, "seconds") or 0)] if day else []
        matched.sort(key=lambda e: (e.kind != "page_view", -(_num(e.data, "seconds") or 0)))
        pages = [e for e in matched if e.kind == "page_view"]
        name = _str(pages[0].data, "title") if pages else _str(matched[0].data, "query") if matched else ""
        return matched[:4], name

    def _matching_orders(self) -> list[str]:
        refs: list[str] = []
        for s in self.found:
            is_order = s.kind.startswith("order") or s.kind == "recent_order"
            if is_order and shared_products(self.said.products, s.products):
                refs.extend(s.refs)
        return refs

    def _best_recent_order(self) -> Situation | None:
        orders = [s for s in self.found if s.kind == "recent_order" and s.stale is None]
        if not orders:
            return None
        matched = [s for s in orders if shared_products(self.said.products, s.products)]
        pool = matched or ([max(orders, key=lambda s: s.at)] if self.said.purchase else [])
        return max(pool, key=lambda s: s.at) if pool else None
