"""What a customer means: topics by concept (stems, compounds, phrases), negation, settled clauses.

The concepts live in `workstation/resources/relevance_concepts.toml`. A word is compared by its
Snowball stems (German and English), with umlauts and ae/oe/ue spellings made equal, and a concept word
of 5+ letters also matches inside a compound ("Sonderkündigungsrecht", "Lieferstatus"). A negation
("nicht", "kein", "never", "can't", ...) covers the words near it in its clause: it cancels a wish
("ich will nicht kündigen") and is itself the evidence for some problems ("can't find", "nicht
angekommen"). A clause that says something is settled ("I found it", "danke für die Erstattung")
raises no problem.
"""

from __future__ import annotations

import re
import threading
import tomllib
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Final

import snowballstemmer

from workstation.domain.relevance.phrasing import _within_one_edit, product_words, references_in, words

__all__ = ["Reading", "Readings", "Utterance", "analyse", "topics_of", "topics_of_text"]

#: Weight of a concept word by its class in the TOML file; a topic is meant at THRESHOLD.
WEIGHTS: Final = {"strong": 1.0, "weak": 0.5, "hint": 0.25}
THRESHOLD: Final = 1.0
#: A negation covers words up to this many tokens after it (German also: before it, see _negated).
NEGATION_REACH: Final = 4
#: A phrase's words may have this many other words between them ("call me back").
PHRASE_GAP: Final = 2
#: Compounds: a concept word this long also matches inside a longer word.
COMPOUND_MIN: Final = 5
#: Typos: a word this long that matches nothing meets a concept word one edit away.
TYPO_MIN: Final = 6

#: Topics that only steer understanding and are not reported as what the customer talks about.
_INTERNAL: Final = frozenset({"resolved", "revoked", "no_marketing", "done_before"})
#: Topics about a problem: a settled clause ("it worked", "danke für ...") does not raise them.
_PROBLEMS: Final = frozenset({"delivery", "technical", "website_help", "return_refund", "billing"})

_NEGATORS: Final = frozenset(
    str.split(
        """nicht nichts nix kein keine keinen keinem keiner keines nie niemals nirgends not no never
        none nothing nowhere cannot dont cant wont didnt doesnt isnt arent wasnt werent hasnt havent
        hadnt couldnt wouldnt shouldnt"""
    )
)
#: Words that start a new clause for negation: "nicht kündigen, aber ...", "not X, just Y".
_CLAUSE_WORDS: Final = frozenset({"aber", "sondern", "jedoch", "but", "however", "nur", "just", "only"})
_CLAUSE_BREAK = re.compile(r"[.,;:!?()\n\u2013\u2014]+|\s-\s")
_DECIMAL = re.compile(r"(\d)[.,](\d)")
_TOKEN = re.compile(r"[a-z0-9äöüß]+(?:'[a-z]+)?")
_PLAIN = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "é": "e", "è": "e", "à": "a", "'": ""})
_PURCHASE: Final = ("gekauft", "kauf", "bought", "purchas", "bestellt", "ordered")
_NOT_RECEIVED: Final = frozenset({"angekommen", "bekommen", "erhalten", "received", "arrived", "arrive"})

_DE = snowballstemmer.stemmer("german")
_EN = snowballstemmer.stemmer("english")


def _plain(word: str) -> str:
    """Lower case, umlauts and their ae/oe/ue spellings made one ("kündigen", "kuendigen" -> "kundigen")."""
    flat = word.lower().translate(_PLAIN)
    return flat.replace("ae", "a").replace("oe", "o").replace("ue", "u")


@lru_cache(maxsize=65536)
def _keys(word: str) -> frozenset[str]:
    """The forms a word is compared in: plain, and its German and English stems."""
    plain = _plain(word)
    return frozenset({plain, _DE.stemWord(plain), _EN.stemWord(plain)})


@dataclass(frozen=True, slots=True)
class _Entry:
    topic: str
    weight: float
    #: True: counts only when a negation covers it ("nicht angekommen")
    when_negated: bool
    words: tuple[frozenset[str], ...]
    #: counts only next to other evidence for its topic ("Termin" needs a place to be a visit)
    context: bool
    #: the part that may stand inside a compound (single words of COMPOUND_MIN+ letters)
    core: str | None
    label: str


@dataclass(frozen=True, slots=True)
class _Lexicon:
    single: dict[str, tuple[_Entry, ...]]
    compounds: tuple[_Entry, ...]
    phrases: tuple[_Entry, ...]
    negatable: frozenset[str]
    #: single words of TYPO_MIN+ letters by their first two letters, for typo-tolerant matching
    by_start: dict[str, tuple[tuple[str, _Entry], ...]]


def _entry(topic: str, weight: float, when_negated: bool, text: str, context: bool = False) -> _Entry:
    parts = tuple(_keys(w) for w in text.split())
    core = None
    if len(parts) == 1:
        stems = sorted((k for k in parts[0] if len(k) >= COMPOUND_MIN), key=len)
        core = stems[0] if stems else None
    return _Entry(topic, weight, when_negated, parts, context, core, text)


def parse_concepts(text: str) -> _Lexicon:
    doc: dict[str, Any] = tomllib.loads(text)
    single: dict[str, list[_Entry]] = {}
    compounds: list[_Entry] = []
    phrases: list[_Entry] = []
    negatable = set()
    # An exact word wins over another word's stem: "Termin" is not "terminate".
    plain_words = {
        _plain(t): t
        for spec in doc["topic"].values()
        for cls in (*WEIGHTS, "negated")
        for t in spec.get(cls, [])
    }
    for topic, spec in doc["topic"].items():
        if spec.get("negatable"):
            negatable.add(topic)
        entries = [_entry(topic, w, False, t) for cls, w in WEIGHTS.items() for t in spec.get(cls, [])]
        entries += [_entry(topic, 1.0, True, t) for t in spec.get("negated", [])]
        entries += [_entry(topic, 1.0, False, t) for t in spec.get("phrases", [])]
        entries += [_entry(topic, WEIGHTS["weak"], False, t) for t in spec.get("weak_phrases", [])]
        entries += [_entry(topic, WEIGHTS["weak"], False, t, context=True) for t in spec.get("context", [])]
        for e in entries:
            if len(e.words) > 1:
                phrases.append(e)
                continue
            for key in e.words[0]:
                if plain_words.get(key, e.label) == e.label or key == _plain(e.label):
                    single.setdefault(key, []).append(e)
            if e.core is not None:
                compounds.append(e)
    by_start: dict[str, list[tuple[str, _Entry]]] = {}
    for entries_of_key in single.values():
        for e in entries_of_key:
            plain = _plain(e.label)
            if len(plain) >= TYPO_MIN and (plain, e) not in by_start.get(plain[:2], []):
                by_start.setdefault(plain[:2], []).append((plain, e))
    return _Lexicon(
        {k: tuple(v) for k, v in single.items()},
        tuple(compounds),
        tuple(phrases),
        frozenset(negatable),
        {k: tuple(v) for k, v in by_start.items()},
    )


@lru_cache(maxsize=1)
def lexicon() -> _Lexicon:
    text = resources.files("workstation.resources").joinpath("relevance_concepts.toml").read_text("utf-8")
    return parse_concepts(text)


@dataclass(frozen=True, slots=True)
class Utterance:
    """What one text says, once analysed."""

    #: topic -> evidence (sum of concept weights, at least THRESHOLD)
    topics: dict[str, float] = field(default_factory=dict)
    #: order numbers and references ("inv3381"), folded, digits only for plain numbers
    references: frozenset[str] = frozenset()
    #: product words as concepts ("tv" for "Fernseher"), stop words removed
    products: frozenset[str] = frozenset()
    repeat: bool = False
    purchase: bool = False
    not_received: bool = False
    #: topics the customer names but negates ("ich will nicht kündigen"), or settles
    negated: frozenset[str] = frozenset()
    #: the customer refuses advertising in this conversation
    no_marketing: bool = False


def _clauses(text: str) -> list[list[str]]:
    out: list[list[str]] = []
    text = _DECIMAL.sub(r"\1\2", text.lower().replace("\u2019", "'"))  # "49,99" is no clause break
    for part in _CLAUSE_BREAK.split(text):
        clause: list[str] = []
        for token in _TOKEN.findall(part):
            if token in _CLAUSE_WORDS and clause:
                out.append(clause)
                clause = []
            clause.append(token.replace("'", "") if token.endswith("n't") else token)
        if clause:
            out.append(clause)
    return out


def _negated(clause: Sequence[str], i: int, both_ways: bool) -> bool:
    """Whether a negation covers token i: one shortly before it; for problems stated by negation
    also one shortly after ("finde ... nicht"); and German verb-first clauses ("Kündigen will ich nicht")."""
    lo = max(0, i - NEGATION_REACH)
    if any(t in _NEGATORS for t in clause[lo:i]):
        return True
    if both_ways and any(t in _NEGATORS for t in clause[i + 1 : i + 1 + NEGATION_REACH]):
        return True
    return i == 0 and len(clause) > 1 and clause[-1] in _NEGATORS


def _matches(token: str, lex: _Lexicon) -> list[_Entry]:
    keys = _keys(token)
    found = [e for k in keys for e in lex.single.get(k, ())]
    plain = _plain(token)
    if len(plain) > COMPOUND_MIN:
        found += [
            e for e in lex.compounds if e.core is not None and len(plain) > len(e.core) and e.core in plain
        ]
    if not found and len(plain) >= TYPO_MIN:
        # a typo ("Lieferunf", "pakage"): one letter added, dropped or changed in a longer word
        found = [e for word, e in lex.by_start.get(plain[:2], ()) if _within_one_edit(plain, word)]
    return found


def _phrase_at(clause: Sequence[str], start: int, entry: _Entry) -> bool:
    pos = start
    for n, wanted in enumerate(entry.words):
        if n == 0:
            if not (_keys(clause[pos]) & wanted):
                return False
            continue
        for step in range(1, PHRASE_GAP + 2):
            if pos + step < len(clause) and _keys(clause[pos + step]) & wanted:
                pos += step
                break
        else:
            return False
    return True


#: Clauses whose matches are kept (a clause is a few words; 20 busy chats hold a few thousand).
CLAUSE_CACHE = 16_384


@lru_cache(maxsize=CLAUSE_CACHE)
def _clause_hits(clause: tuple[str, ...]) -> tuple[tuple[tuple[tuple[_Entry, bool], ...], ...], bool]:
    """For each token of one clause, the concepts it matches (its strongest reading per topic, then
    the phrases starting there), each with whether a negation covers it; and whether the clause
    states a non-receipt.

    Depends on the clause alone: a chat is ranked again after each customer message, and matching
    every earlier clause again was most of a re-rank (~20 ms of ~25 with 20 busy chats)."""
    lex = lexicon()
    tokens: list[tuple[tuple[_Entry, bool], ...]] = []
    not_received = False
    for i, token in enumerate(clause):
        # a negation is no concept itself, but may start a phrase ("nirgends zu sehen")
        hits = [] if token in _NEGATORS else _matches(token, lex)
        # one token counts once per topic, with its strongest reading
        best: dict[tuple[str, bool], _Entry] = {}
        for e in hits:
            key = (e.topic, e.when_negated)
            if key not in best or e.weight > best[key].weight:
                best[key] = e
        hits = [*best.values(), *(e for e in lex.phrases if _phrase_at(clause, i, e))]
        tokens.append(tuple((e, _negated(clause, i, both_ways=e.when_negated)) for e in hits))
        if _plain(token) in _NOT_RECEIVED and _negated(clause, i, both_ways=True):
            not_received = True
    return tuple(tokens), not_received


class _Evidence:
    """Topic evidence of a text read clause by clause, extendable by more lines.

    A line break ends a clause, so reading "a\nb" is reading "a" and then "b": a conversation's
    customer lines can be read once each, as they come, instead of all of them on every re-rank
    (with 20 busy chats the whole transcript was read again on each, 2/3 of a re-rank's CPU)."""

    __slots__ = ("_context", "_negated", "_not_received", "_scores", "_seen")

    def __init__(self) -> None:
        self._scores: dict[str, float] = {}
        self._negated: set[str] = set()
        self._seen: set[tuple[str, str]] = set()
        self._context: dict[str, float] = {}
        self._not_received = False

    def copy(self) -> _Evidence:
        other = _Evidence()
        other._scores, other._negated = dict(self._scores), set(self._negated)
        other._seen, other._context = set(self._seen), dict(self._context)
        other._not_received = self._not_received
        return other

    def read(self, text: str) -> None:
        lex = lexicon()
        for clause in _clauses(text):
            local: dict[str, float] = {}
            tokens, clause_not_received = _clause_hits(tuple(clause))
            self._not_received = self._not_received or clause_not_received
            for hits in tokens:
                for e, covered in hits:
                    if e.when_negated and not covered:
                        continue
                    if covered and not e.when_negated and e.topic in lex.negatable:
                        self._negated.add(e.topic)  # "ich will nicht kündigen"
                        continue
                    if (e.topic, e.label) in self._seen:
                        continue
                    self._seen.add((e.topic, e.label))
                    if e.context:
                        self._context[e.topic] = self._context.get(e.topic, 0.0) + e.weight
                        continue
                    local[e.topic] = local.get(e.topic, 0.0) + e.weight
            settled = local.get("resolved", 0.0) >= THRESHOLD
            revoked = local.get("revoked", 0.0) >= THRESHOLD
            done = local.get("done_before", 0.0) >= THRESHOLD
            for topic, weight in local.items():
                if (
                    (settled and topic in _PROBLEMS)
                    or (revoked and topic == "cancellation")
                    or (done and topic == "in_person")
                ):
                    self._negated.add(topic)
                    continue
                self._scores[topic] = self._scores.get(topic, 0.0) + weight

    def result(self) -> tuple[dict[str, float], set[str], bool]:
        """Topic -> summed weight, the topics negated or settled, and whether a non-receipt is
        stated, for everything read so far (context words count only for a topic also named)."""
        lex = lexicon()
        scores = dict(self._scores)
        for topic, weight in self._context.items():
            if scores.get(topic):
                scores[topic] += weight
        for topic in self._negated:
            if topic in lex.negatable and scores.get(topic, 0.0) < THRESHOLD:
                scores.pop(topic, None)
        return scores, set(self._negated), self._not_received


def _evidence(text: str) -> tuple[dict[str, float], set[str], bool]:
    """Topic -> summed weight, the topics negated or settled, and whether a non-receipt is stated."""
    evidence = _Evidence()
    evidence.read(text)
    return evidence.result()


@lru_cache(maxsize=8192)
def topics_of_text(text: str) -> dict[str, float]:
    """Topic -> evidence for a short text from the history (a contact topic, a page title); cached,
    because the same few topics recur across thousands of events. Do not mutate the result."""
    scores, _negated_topics, _nr = _evidence(text)
    return {t: s for t, s in scores.items() if s >= THRESHOLD and t not in _INTERNAL}


def topics_of(tokens: Iterable[str]) -> dict[str, float]:
    """Topic -> evidence for a list of words (kept for callers that already split a text)."""
    return dict(topics_of_text(" ".join(tokens)))


class Reading:
    """What the lines of a conversation say, read one line at a time: `Reading().extend(lines)`
    gives the same `utterance()` as `analyse("\n".join(lines))`, and extending it by the next lines
    reads only those (see `_Evidence`; words, references and product words do not cross a line
    break either). Not thread-safe: `copy()` one to extend it elsewhere."""

    __slots__ = ("_evidence", "_products", "_purchase", "_references")

    def __init__(self) -> None:
        self._evidence = _Evidence()
        self._references: set[str] = set()
        self._products: set[str] = set()
        self._purchase = False

    def copy(self) -> Reading:
        other = Reading()
        other._evidence = self._evidence.copy()
        other._references, other._products = set(self._references), set(self._products)
        other._purchase = self._purchase
        return other

    def extend(self, lines: Iterable[str]) -> Reading:
        for line in lines:
            self._evidence.read(line)
            tokens = words(line)
            self._references |= references_in(line)
            self._products |= product_words(tokens)
            self._purchase = self._purchase or any(word.startswith(_PURCHASE) for word in tokens)
        return self

    def utterance(self) -> Utterance:
        scores, negated, not_received = self._evidence.result()
        topics = {t: s for t, s in scores.items() if s >= THRESHOLD and t not in _INTERNAL}
        return Utterance(
            topics=topics,
            references=frozenset(self._references),
            products=frozenset(self._products),
            repeat=scores.get("follow_up", 0.0) >= 0.5,
            purchase=self._purchase,
            not_received=not_received,
            negated=frozenset(negated - set(topics)),
            no_marketing=scores.get("no_marketing", 0.0) >= THRESHOLD,
        )


def analyse(text: str) -> Utterance:
    return Reading().extend([text]).utterance()


#: Conversations whose reading is kept between rankings: an agent's open chats, with room to spare.
READINGS_KEPT: Final = 64


class Readings:
    """What the customer said so far, per conversation, kept between rankings (thread-safe).

    A conversation is ranked again after every customer line; `said` reads only the lines added
    since the last ranking of the same conversation. Anything else (a line edited or removed, another
    case with the same id) is read afresh: a kept reading is only used when its lines are an exact
    prefix of the new ones."""

    def __init__(self, kept: int = READINGS_KEPT) -> None:
        self._lock = threading.Lock()
        self._limit = kept
        self._kept: OrderedDict[str, tuple[tuple[str, ...], Reading]] = OrderedDict()

    def said(self, conversation_id: str, lines: Sequence[str]) -> Utterance:
        lines = tuple(lines)
        with self._lock:
            kept = self._kept.get(conversation_id)
        if kept is not None and lines[: len(kept[0])] == kept[0]:
            known, reading = kept
            if len(lines) > len(known):
                # Extend a copy: the kept one may be read by another thread's ranking meanwhile.
                reading = reading.copy().extend(lines[len(known) :])
        else:
            reading = Reading().extend(lines)
        if lines:  # a preview without lines must not push out the conversation's reading
            with self._lock:
                self._kept[conversation_id] = (lines, reading)
                self._kept.move_to_end(conversation_id)
                while len(self._kept) > self._limit:
                    self._kept.popitem(last=False)
        return reading.utterance()

    def __len__(self) -> int:
        return len(self._kept)
