"""The customer's page as text, reduced from the same rrweb events the live view replays.

This is the agent's fallback when the live view (QtWebEngine) is missing or fails: URL, title, the
visible headings, the form fields with their values *as relayed* (masked on the customer's device),
the links on the page, and how many regions the page blocked from recording. It never sees more than
the relay carried, so it can never show more than the customer's masking let through.

rrweb's wire format (rrweb 2.x, `@rrweb/types`): every event is `{type, data, timestamp}` with
EventType DomContentLoaded 0, Load 1, FullSnapshot 2, IncrementalSnapshot 3, Meta 4, Custom 5,
Plugin 6; incremental `data.source` Mutation 0, MouseMove 1, MouseInteraction 2, Scroll 3,
ViewportResize 4, Input 5, ... Serialized nodes have NodeType Document 0, DocumentType 1,
Element 2, Text 3, CDATA 4, Comment 5.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

EVENT_FULL_SNAPSHOT = 2
EVENT_INCREMENTAL = 3
EVENT_META = 4
SOURCE_MUTATION = 0
SOURCE_SCROLL = 3
SOURCE_VIEWPORT_RESIZE = 4
SOURCE_INPUT = 5
NODE_DOCUMENT, NODE_DOCTYPE, NODE_ELEMENT, NODE_TEXT, NODE_CDATA, NODE_COMMENT = range(6)

HEADINGS = ("h1", "h2", "h3")
FIELD_TAGS = ("input", "textarea", "select")
NOT_FIELDS = frozenset({"hidden", "submit", "button", "image", "reset"})
INVISIBLE_TAGS = frozenset({"script", "style", "noscript", "template", "head"})
MASK_CHARS = frozenset("*•")
_SPACE = re.compile(r"\s+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class FormField(_Frozen):
    label: str
    kind: str
    #: The value as it arrived over the relay: masked ("****") unless the page allowlisted the field.
    value: str = ""
    checked: bool | None = None

    @property
    def masked(self) -> bool:
        return bool(self.value) and set(self.value) <= MASK_CHARS


class PageLink(_Frozen):
    text: str
    href: str


class PageState(_Frozen):
    url: str = ""
    title: str = ""
    headings: tuple[str, ...] = ()
    fields: tuple[FormField, ...] = ()
    links: tuple[PageLink, ...] = ()
    #: Regions the customer's page blocked from recording (card details, password): shown as boxes.
    blocked: int = 0
    width: int = 0
    height: int = 0
    scroll_y: int = 0
    #: Whether a full snapshot has arrived since the last (re)join; before that the page is unknown.
    complete: bool = False
    events: int = 0
    skipped: int = 0

    def as_text(self) -> str:
        """The page state as plain text for people (the fallback view, tooltips, logs of tests)."""
        if not self.complete:
            return "Waiting for the customer's page…"
        lines = [self.title or "(no title)", self.url, ""]
        if self.headings:
            lines += ["Headings:"] + [f"  {h}" for h in self.headings] + [""]
        if self.fields:
            lines.append("Form fields:")
            for f in self.fields:
                if f.checked is not None:
                    shown = "checked" if f.checked else "not checked"
                elif f.masked:
                    shown = "(masked)"
                else:
                    shown = f.value or "(empty)"
                lines.append(f"  {f.label} [{f.kind}]: {shown}")
            lines.append("")
        if self.blocked:
            lines += [f"{self.blocked} region(s) hidden by the customer's page (e.g. card details).", ""]
        if self.links:
            lines += ["Links:"] + [f"  {link.text} → {link.href}" for link in self.links[:40]]
        return "\n".join(lines).rstrip() + "\n"


@dataclass(slots=True, eq=False)
class _Node:
    id: int
    type: int
    tag: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    parent: int | None = None
    children: list[int] = field(default_factory=list)
    value: str | None = None
    checked: bool | None = None


class PageStateReducer:
    """Applies rrweb events one at a time; `state()` gives the current PageState.

    Malformed events (wrong shape, unknown node ids) are counted and skipped, never raised: the
    events come from a browser we do not control.
    """

    def __init__(self, *, max_nodes: int = 200_000) -> None:
        self._max_nodes = max_nodes
        self._nodes: dict[int, _Node] = {}
        self._root: int | None = None
        self._url = ""
        self._width = 0
        self._height = 0
        self._scroll_y = 0
        self._complete = False
        self.events = 0
        self.skipped = 0

    def reset(self) -> None:
        """Forget the page (the agent rejoins and waits for a fresh full snapshot)."""
        self._nodes.clear()
        self._root = None
        self._complete = False

    def apply_all(self, events: Iterable[Any]) -> int:
        """Apply several events; returns how many were applied (the rest were skipped)."""
        return sum(1 for event in events if self.apply(event))

    def apply(self, event: Any) -> bool:
        try:
            ok = self._apply(event)
        except (KeyError, TypeError, ValueError, AttributeError, RecursionError):
            ok = False
        if ok:
            self.events += 1
        else:
            self.skipped += 1
        return ok

    def _apply(self, event: Any) -> bool:
        if not isinstance(event, Mapping):
            return False
        kind, data = event.get("type"), event.get("data")
        if not isinstance(data, Mapping):
            return False
        if kind == EVENT_META:
            self._url = str(data.get("href") or "")[:2000]
            self._width, self._height = _int(data.get("width")), _int(data.get("height"))
            return True
        if kind == EVENT_FULL_SNAPSHOT:
            node = data.get("node")
            if not isinstance(node, Mapping):
                return False
            self._nodes.clear()
            self._root = None
            root = self._add_tree(node, None)
            if root is None:
                return False
            self._root = root
            offset = data.get("initialOffset")
            if isinstance(offset, Mapping):
                self._scroll_y = _int(offset.get("top"))
            self._complete = True
            return True
        if kind == EVENT_INCREMENTAL:
            source = data.get("source")
            if source == SOURCE_MUTATION:
                return self._mutate(data)
            if source == SOURCE_INPUT:
                node = self._nodes.get(_int(data.get("id"), -1))
                if node is None:
                    return False
                text = data.get("text")
                node.value = str(text) if text is not None else ""
                if "isChecked" in data:
                    node.checked = bool(data.get("isChecked"))
                return True
            if source == SOURCE_VIEWPORT_RESIZE:
                self._width, self._height = _int(data.get("width")), _int(data.get("height"))
                return True
            if source == SOURCE_SCROLL:
                if self._root is not None and _int(data.get("id"), -1) == self._root:
                    self._scroll_y = _int(data.get("y"))
                return True
            return isinstance(source, int)  # pointer, media, styles...: nothing for the text view
        return isinstance(kind, int)  # DomContentLoaded, Load, Custom, Plugin: nothing to reduce

    # --- the node mirror -------------------------------------------------------------------------

    def _add_tree(self, top: Mapping[str, Any], parent: int | None) -> int | None:
        """Add a serialized node and its subtree (iteratively: pages can be deep); None if malformed."""
        first: int | None = None
        stack: list[tuple[Mapping[str, Any], int | None]] = [(top, parent)]
        while stack:
            raw, parent_id = stack.pop()
            node = self._make(raw, parent_id)
            if node is None:
                if first is None:
                    return None
                continue
            if first is None:
                first = node.id
            elif parent_id is not None and parent_id in self._nodes:
                self._nodes[parent_id].children.append(node.id)
            children = raw.get("childNodes")
            if isinstance(children, list):
                stack.extend((child, node.id) for child in reversed(children) if isinstance(child, Mapping))
        return first

    def _make(self, raw: Mapping[str, Any], parent: int | None) -> _Node | None:
        node_id, node_type = raw.get("id"), raw.get("type")
        if not isinstance(node_id, int) or not isinstance(node_type, int):
            return None
        if len(self._nodes) >= self._max_nodes and node_id not in self._nodes:
            return None
        attrs = raw.get("attributes")
        node = _Node(
            id=node_id,
            type=node_type,
            tag=str(raw.get("tagName") or "").lower(),
            attrs=dict(attrs) if isinstance(attrs, Mapping) else {},
            text=str(raw.get("textContent") or ""),
            parent=parent,
        )
        self._nodes[node_id] = node
        return node

    def _mutate(self, data: Mapping[str, Any]) -> bool:
        # The replayer's order: removes, adds, texts, attributes.
        for removal in _list(data.get("removes")):
            node = self._nodes.get(_int(removal.get("id"), -1))
            if node is not None:
                self._remove(node)
        pending = [a for a in _list(data.get("adds")) if isinstance(a.get("node"), Mapping)]
        # Adds may name parents added later in the same batch: retry until no progress.
        while pending:
            waiting = []
            for add in pending:
                parent = self._nodes.get(_int(add.get("parentId"), -1))
                if parent is None:
                    waiting.append(add)
                    continue
                node_id = self._add_tree(add["node"], parent.id)
                if node_id is None:
                    continue
                before = add.get("nextId")
                if isinstance(before, int) and before in parent.children:
                    parent.children.insert(parent.children.index(before), node_id)
                else:
                    parent.children.append(node_id)
            if len(waiting) == len(pending):
                break  # orphans: their parents are not in the page (blocked, or never sent)
            pending = waiting
        for change in _list(data.get("texts")):
            node = self._nodes.get(_int(change.get("id"), -1))
            if node is not None:
                node.text = str(change.get("value") or "")
        for change in _list(data.get("attributes")):
            node = self._nodes.get(_int(change.get("id"), -1))
            attrs = change.get("attributes")
            if node is None or not isinstance(attrs, Mapping):
                continue
            for name, value in attrs.items():
                if value is None:
                    node.attrs.pop(name, None)
                else:
                    node.attrs[name] = value
                if name == "value" and node.tag in FIELD_TAGS:
                    node.value = None if value is None else str(value)
        return True

    def _remove(self, node: _Node) -> None:
        if node.parent is not None and node.parent in self._nodes:
            siblings = self._nodes[node.parent].children
            if node.id in siblings:
                siblings.remove(node.id)
        stack = [node.id]
        while stack:
            gone = self._nodes.pop(stack.pop(), None)
            if gone is not None:
                stack.extend(gone.children)

    # --- reading the page ------------------------------------------------------------------------

    def state(self) -> PageState:
        if self._root is None or not self._complete:
            return PageState(
                url=self._url,
                width=self._width,
                height=self._height,
                events=self.events,
                skipped=self.skipped,
            )
        title = ""
        headings: list[str] = []
        fields: list[FormField] = []
        links: list[PageLink] = []
        blocked = 0
        labels = self._labels()
        # Depth-first in document order, skipping hidden subtrees.
        stack = [(self._root, False)]
        while stack:
            node_id, hidden = stack.pop()
            node = self._nodes.get(node_id)
            if node is None or node.type not in (NODE_ELEMENT, NODE_DOCUMENT):
                continue
            tag = node.tag
            if tag == "title" and not title:
                title = self._text(node)
            is_blocked = "rr_width" in node.attrs or "rr-block" in str(node.attrs.get("class", "")).split()
            hidden = hidden or tag in INVISIBLE_TAGS or _hidden(node.attrs)
            if is_blocked:
                if not hidden:
                    blocked += 1
                continue
            if not hidden:
                if tag in HEADINGS:
                    text = self._text(node)
                    if text:
                        headings.append(text)
                elif tag in FIELD_TAGS:
                    fld = self._field(node, labels)
                    if fld is not None:
                        fields.append(fld)
                elif tag == "a" and node.attrs.get("href"):
                    text = self._text(node) or str(node.attrs.get("aria-label") or "")
                    links.append(PageLink(text=text[:200], href=str(node.attrs["href"])[:2000]))
            stack.extend((child, hidden) for child in reversed(node.children))
        return PageState(
            url=self._url,
            title=title,
            headings=tuple(headings),
            fields=tuple(fields),
            links=tuple(links),
            blocked=blocked,
            width=self._width,
            height=self._height,
            scroll_y=self._scroll_y,
            complete=True,
            events=self.events,
            skipped=self.skipped,
        )

    def _text(self, node: _Node, limit: int = 300) -> str:
        parts: list[str] = []
        stack = [node.id]
        while stack and sum(len(p) for p in parts) < limit * 2:
            current = self._nodes.get(stack.pop())
            if current is None:
                continue
            if current.type == NODE_TEXT:
                parts.append(current.text)
            elif current.type == NODE_ELEMENT and current.tag not in INVISIBLE_TAGS - {"head"}:
                stack.extend(reversed(current.children))
        return _SPACE.sub(" ", " ".join(parts)).strip()[:limit]

    def _labels(self) -> dict[str, str]:
        labels: dict[str, str] = {}
        for node in self._nodes.values():
            if node.tag == "label" and node.attrs.get("for"):
                labels[str(node.attrs["for"])] = self._text(node, 120)
        return labels

    def _field(self, node: _Node, labels: dict[str, str]) -> FormField | None:
        kind = str(node.attrs.get("type") or "text").lower() if node.tag == "input" else node.tag
        if kind in NOT_FIELDS:
            return None
        label = labels.get(str(node.attrs.get("id") or ""), "")
        parent = self._nodes.get(node.parent) if node.parent is not None else None
        while not label and parent is not None:
            if parent.tag == "label":
                label = self._text(parent, 120)
                break
            parent = self._nodes.get(parent.parent) if parent.parent is not None else None
        for key in ("aria-label", "placeholder", "name", "id"):
            if label:
                break
            label = str(node.attrs.get(key) or "")
        if kind in ("checkbox", "radio"):
            checked = node.checked if node.checked is not None else bool(node.attrs.get("checked"))
            return FormField(label=label or kind, kind=kind, checked=checked)
        value = node.value if node.value is not None else str(node.attrs.get("value") or "")
        return FormField(label=label or kind, kind=kind, value=value[:500])


def _hidden(attrs: Mapping[str, Any]) -> bool:
    if "hidden" in attrs or str(attrs.get("aria-hidden", "")).lower() == "true":
        return True
    style = attrs.get("style")
    return isinstance(style, str) and bool(_HIDDEN_STYLE.search(style))


def _int(value: Any, default: int = 0) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value == value and abs(value) < 1e15:
        return int(value)
    return default


def _list(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []
