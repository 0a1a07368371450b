"""Parser properties: printing and re-parsing gives the same tree; no input crashes the parser."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from workstation.domain.routing_expr import (
    And,
    Comparison,
    Const,
    ExpressionError,
    Name,
    Node,
    Not,
    Or,
    compile_expression,
    parse_expression,
    to_source,
)

_RESERVED = {"and", "or", "not", "in", "has", "contains", "true", "false"}
OPS = ["==", "!=", "<", "<=", ">", ">=", "IN", "NOT IN", "HAS", "NOT HAS", "CONTAINS"]


def shape(node: Node | Const | Name) -> Any:
    """The tree without positions and source spellings: what the expression means structurally."""
    if isinstance(node, Const):
        return ("const", type(node.value).__name__, _plain(node.value))
    if isinstance(node, Name):
        return ("name", node.root, node.path)
    if isinstance(node, Comparison):
        return (node.op, shape(node.left), shape(node.right))
    if isinstance(node, Not):
        return ("NOT", shape(node.operand))
    kind = "AND" if isinstance(node, And) else "OR"
    return (kind, tuple(shape(op) for op in node.operands))


def _plain(value: object) -> Any:
    if isinstance(value, list):
        return tuple((type(v).__name__, _plain(v)) for v in value)
    return value


identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True).filter(
    lambda s: s.lower() not in _RESERVED
)
names = st.builds(
    lambda root, path: Name(root, tuple(path), "", 0, 0),
    st.sampled_from(["task", "worker", "subject"]),
    st.lists(identifiers, min_size=1, max_size=3),
) | st.builds(lambda root: Name(root, (), "", 0, 0), st.sampled_from(["task", "worker"]))
scalars = st.one_of(
    st.text(max_size=8),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)
literal_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=6)
consts = st.builds(lambda v: Const(v, "", 0, 0), literal_values)
operands = st.one_of(names, consts)
comparisons = st.builds(
    lambda op, a, b: Comparison(op, a, b, "", 0), st.sampled_from(OPS), operands, operands
)


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        st.builds(lambda n: Not(n, 0), children),
        st.builds(lambda ns: And(tuple(ns)), st.lists(children, min_size=2, max_size=3)),
        st.builds(lambda ns: Or(tuple(ns)), st.lists(children, min_size=2, max_size=3)),
    )


trees: st.SearchStrategy[Node] = st.recursive(comparisons, _extend, max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(trees)
def test_printing_and_reparsing_gives_the_same_tree(tree: Node) -> None:
    text = to_source(tree)
    reparsed = parse_expression(text)
    assert shape(reparsed) == shape(tree), text
    assert to_source(reparsed) == text  # the printed form is a fixed point


def test_printer_keeps_grouping_that_precedence_would_lose() -> None:
    for source, printed in [
        ("(a == 1 OR b = 2) AND NOT (c IN [1,'x'])", "(a == 1 OR b == 2) AND NOT c IN [1, 'x']"),
        ("a == 1 or b == 2 and c != 3", "a == 1 OR b == 2 AND c != 3"),
        ("NOT NOT task.x has 'it''s'", None),
        ("((a == 1))", "a == 1"),
        ("(a == 1 AND b == 2) AND c == 3", "(a == 1 AND b == 2) AND c == 3"),
        ("worker.skills HAS 'de\\'s' AND task == 1", "worker.skills HAS 'de\\'s' AND task == 1"),
    ]:
        try:
            tree = parse_expression(source)
        except ExpressionError:
            assert printed is None
            continue
        assert to_source(tree) == printed


TOKENS = [
    "task.a", "worker.b", "c", "'x'", '"y"', "1", "-2.5", "true", "[", "]", ",", "(", ")",
    "==", "=", "!=", "<", ">=", "IN", "NOT", "HAS", "CONTAINS", "AND", "OR", "'", "\\", ".", "-",
    "===", "&&", "é", "\n",
]  # fmt: skip


def _evaluates_or_errors(source: str) -> None:
    try:
        compiled = compile_expression(source)
    except ExpressionError as exc:
        assert 0 <= exc.position <= len(source)
        assert exc.message
        return
    task: dict[str, Any] = {"a": 1, "c": [1, "x"]}
    assert compiled.evaluate(task, {"b": "x"}) in (True, False)
    assert compiled.evaluate(task, {"b": "x"}, "worker") in (True, False)
    compiled.explain(task, {})


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_random_text_never_crashes_it_errors(source: str) -> None:
    _evaluates_or_errors(source)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=14).map(" ".join))
def test_random_token_soup_never_crashes_it_errors(source: str) -> None:
    _evaluates_or_errors(source)


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    for source in ["(" * 5000 + "a == 1" + ")" * 5000, "NOT " * 5000 + "a == 1", "a IN " + "[" * 5000]:
        _evaluates_or_errors(source)
