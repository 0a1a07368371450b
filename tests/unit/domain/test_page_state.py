"""The fallback page state reduced from rrweb events: title, headings, masked fields, links."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from workstation.domain.page_state import PageStateReducer


def el(node_id: int, tag: str, children: list[dict[str, Any]] | None = None, **attrs: Any) -> dict[str, Any]:
    return {
        "type": 2,
        "id": node_id,
        "tagName": tag,
        "attributes": {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()},
        "childNodes": children or [],
    }


def text(node_id: int, value: str) -> dict[str, Any]:
    return {"type": 3, "id": node_id, "textContent": value}


def checkout_page() -> list[dict[str, Any]]:
    body = el(
        5,
        "body",
        [
            el(6, "h1", [text(7, "  Checkout ")]),
            el(8, "h2", [text(9, "Hidden step")], style="display: none"),
            el(10, "label", [text(11, "E-mail")], for_="email"),
            el(12, "input", id="email", type="email", value="**************"),
            el(13, "label", [text(14, "Search"), el(15, "input", type="search", value="lamp")]),
            el(16, "div", class_="card rr-block", rr_width="300px", rr_height="80px"),
            el(17, "input", type="checkbox", name="newsletter"),
            el(18, "input", type="hidden", name="csrf", value="abc"),
            el(19, "a", [text(20, "Returns help")], href="http://shop.test/shop/help/returns"),
            el(21, "script", [text(22, "var x = 1")]),
        ],
    )
    doc = {
        "type": 0,
        "id": 1,
        "childNodes": [
            {"type": 1, "id": 2, "name": "html", "publicId": "", "systemId": ""},
            el(3, "html", [el(4, "head", [el(30, "title", [text(31, "Checkout – Demo shop")])]), body]),
        ],
    }
    return [
        {"type": 4, "data": {"href": "http://shop.test/shop/checkout", "width": 1280, "height": 720}},
        {"type": 2, "data": {"node": doc, "initialOffset": {"top": 0, "left": 0}}},
    ]


def test_full_snapshot_gives_title_headings_fields_links_and_blocked_regions() -> None:
    reducer = PageStateReducer()
    assert reducer.apply_all(checkout_page()) == 2
    state = reducer.state()
    assert state.complete and state.url == "http://shop.test/shop/checkout"
    assert (state.width, state.height) == (1280, 720)
    assert state.title == "Checkout – Demo shop"
    assert state.headings == ("Checkout",)  # the hidden h2 is not visible
    assert [(f.label, f.kind, f.value, f.masked) for f in state.fields if f.checked is None] == [
        ("E-mail", "email", "**************", True),
        ("Search", "search", "lamp", False),
    ]
    (box,) = [f for f in state.fields if f.checked is not None]
    assert (box.label, box.checked) == ("newsletter", False)
    assert state.blocked == 1
    assert [(link.text, link.href) for link in state.links] == [
        ("Returns help", "http://shop.test/shop/help/returns")
    ]
    text_view = state.as_text()
    assert "E-mail [email]: (masked)" in text_view and "1 region(s) hidden" in text_view
    assert "var x" not in text_view


def test_mutations_inputs_and_resizes_update_the_state() -> None:
    reducer = PageStateReducer()
    reducer.apply_all(checkout_page())
    reducer.apply_all(
        [
            {
                "type": 3,
                "data": {
                    "source": 0,
                    "removes": [{"parentId": 5, "id": 6}],
                    "adds": [
                        # the child names a parent added later in the same batch
                        {"parentId": 40, "nextId": None, "node": text(41, "Payment")},
                        {"parentId": 5, "nextId": 8, "node": el(40, "h1")},
                    ],
                    "texts": [{"id": 20, "value": "How returns work"}],
                    "attributes": [{"id": 8, "attributes": {"style": None}}],
                },
            },
            {"type": 3, "data": {"source": 5, "id": 15, "text": "desk lamp", "isChecked": False}},
            {"type": 3, "data": {"source": 5, "id": 17, "text": "on", "isChecked": True}},
            {"type": 3, "data": {"source": 4, "width": 800, "height": 600}},
            {"type": 3, "data": {"source": 1, "positions": [{"x": 1, "y": 2, "id": 5, "timeOffset": 0}]}},
        ]
    )
    state = reducer.state()
    assert state.headings == ("Payment", "Hidden step")
    assert [f.value for f in state.fields if f.kind == "search"] == ["desk lamp"]
    assert [f.checked for f in state.fields if f.kind == "checkbox"] == [True]
    assert state.links[0].text == "How returns work"
    assert (state.width, state.height) == (800, 600)
    assert reducer.skipped == 0


def test_a_new_page_replaces_the_old_one_and_rejoining_waits_for_a_snapshot() -> None:
    reducer = PageStateReducer()
    reducer.apply_all(checkout_page())
    reducer.reset()
    assert not reducer.state().complete
    assert reducer.state().as_text() == "Waiting for the customer's page…"
    doc = {
        "type": 0,
        "id": 1,
        "childNodes": [el(2, "html", [el(3, "body", [el(4, "h1", [text(5, "Lamps")])])])],
    }
    reducer.apply({"type": 4, "data": {"href": "http://shop.test/shop/p/lamp", "width": 1, "height": 1}})
    reducer.apply({"type": 2, "data": {"node": doc, "initialOffset": {"top": 10, "left": 0}}})
    state = reducer.state()
    assert state.headings == ("Lamps",) and state.fields == () and state.scroll_y == 10


def test_malformed_events_are_counted_and_skipped() -> None:
    reducer = PageStateReducer()
    reducer.apply_all(checkout_page())
    bad: list[Any] = [
        None,
        "text",
        {"type": 2, "data": {"node": "not a node"}},
        {"type": 3, "data": {"source": 5, "id": 9999, "text": "x"}},
        {"type": 3, "data": "nope"},
        {"type": "3", "data": {}},
    ]
    assert reducer.apply_all(bad) == 0
    assert reducer.skipped == len(bad)
    assert reducer.state().title == "Checkout – Demo shop"  # the page survived


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
EVENTISH = st.fixed_dictionaries(
    {
        "type": st.integers(0, 6),
        "data": st.dictionaries(
            st.sampled_from(
                ["source", "id", "node", "adds", "removes", "texts", "attributes", "href", "text"]
            ),
            JSON,
            max_size=5,
        ),
    }
)


@given(st.lists(EVENTISH | JSON, max_size=20))
def test_no_input_crashes_the_reducer(events: list[Any]) -> None:
    reducer = PageStateReducer()
    reducer.apply_all(checkout_page())
    reducer.apply_all(events)
    reducer.state().as_text()
    assert reducer.events + reducer.skipped == 2 + len(events)


def test_a_deep_page_does_not_recurse() -> None:
    node: dict[str, Any] = text(100_000, "deep")
    for depth in range(5000, 3, -1):
        node = el(depth, "div", [node])
    doc = {"type": 0, "id": 1, "childNodes": [el(2, "html", [el(3, "body", [node])])]}
    reducer = PageStateReducer()
    assert reducer.apply({"type": 2, "data": {"node": doc, "initialOffset": {"top": 0, "left": 0}}})
    assert reducer.state().complete
