"""The routing expression language (shared/routing/README.md): tokenizer, parser, closure compiler, explain.

Grammar (keywords case-insensitive; NOT binds tightest, then comparisons, then AND, then OR)::

    expression := and_expr ("OR" and_expr)*
    and_expr   := not_expr ("AND" not_expr)*
    not_expr   := "NOT" not_expr | "(" expression ")" | comparison
    comparison := operand operator operand
    operator   := "==" | "=" | "!=" | "<" | "<=" | ">" | ">=" | "IN" | "NOT" "IN" | "HAS" | "NOT" "HAS"
                | "CONTAINS"
    operand    := string | number | "TRUE" | "FALSE" | list | name
    list       := "[" [literal ("," literal)*] "]"      (literals only, nesting allowed, may be empty)
    name       := identifier ("." identifier)*         (identifier: a letter or "_", then letters/digits/"_")

Decisions where the spec is silent (each is tested in tests/unit/domain/test_routing_expr.py):

* Either side of a comparison may be a literal or a name: ``'de' IN task.languages``,
  ``task.language IN worker.languages`` and ``1 == 1`` all work.
* ``NOT`` negates the comparison or parenthesised group that follows it (``NOT a == 1`` is
  ``NOT (a == 1)``); NOT applied to a bare value is meaningless, values are not booleans.
* A comparison is required everywhere: a bare value (``task.escalated``, ``true``) is an error.
* ``!=`` is the negation of ``==`` once both sides are present: ``'3' != 3`` is true.
  Operators that do not apply to the operand types are false, negated forms included: ``<`` on
  a string and a number, ``IN``/``NOT IN`` whose right side is not a list, ``HAS``/``NOT HAS``
  whose left side is not a list, ``CONTAINS`` on a number.
* JSON ``null`` counts as missing (there is no null literal to compare it with); a path through a
  non-object (``task.language.x`` where language is a string) is missing. Paths do not index lists.
* Objects (JSON dicts, reachable only through names) are equal to objects with the same keys and
  strictly equal values, like lists; they never order, and are elements like any other value.
* Equality is strict all the way down: ``[1] == [true]`` is false, ``[1] == [1.0]`` is true.
* ``NOT CONTAINS`` is not an operator (the spec lists only ``CONTAINS``); write ``NOT (a CONTAINS b)``.
* Strings accept the escapes ``\\\\``, ``\\'``, ``\\"``, ``\\n``, ``\\t``; any other backslash is an error.
* Numbers: ``-?digits[.digits][e[+-]digits]``; a minus sign must touch its digits (``- 1`` is an error).
* ``task``/``worker`` as the first segment choose the mapping; any other name reads the subject. The
  path ``task`` alone is the whole task object. Keywords cannot be bare names (``in == 1`` is an
  error) but can be later segments (``task.in``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias, TypeGuard

__all__ = [
    "And",
    "Comparison",
    "CompiledExpression",
    "Const",
    "Explained",
    "ExplainedOperand",
    "ExpressionError",
    "Name",
    "Node",
    "Not",
    "Operand",
    "Or",
    "compile_expression",
    "parse_expression",
    "render_value",
    "to_source",
]

Attributes: TypeAlias = Mapping[str, object]
# Compiled closures take (task, worker, subject-mapping); resolving the subject once per evaluate
# keeps that choice out of every attribute read.
_Predicate: TypeAlias = Callable[[Attributes, Attributes, Attributes], bool]
_Getter: TypeAlias = Callable[[Attributes, Attributes, Attributes], object]
_Operator: TypeAlias = Callable[[object, object], bool]

Root: TypeAlias = Literal["task", "worker", "subject"]

# Deeper nesting than this is certainly a generated or hostile rule; refusing it keeps the
# recursive parser and the nested closures far from Python's recursion limit.
_MAX_DEPTH: Final = 64


class ExpressionError(ValueError):
    """An expression that does not parse; `position` is the 0-based offset it points at."""

    def __init__(self, reason: str, position: int, expected: str = "") -> None:
        self.reason = reason
        self.position = position
        self.expected = expected
        self.message = f"{reason} at position {position}" + (f": {expected}" if expected else "")
        super().__init__(self.message)


# --------------------------------------------------------------------------------------------
# Tokens

_KEYWORDS: Final = frozenset({"AND", "OR", "NOT", "IN", "HAS", "CONTAINS"})
_COMPARISON_SYMBOLS: Final = {"==": "==", "=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_OPERATOR_HINTS: Final = {
    "===": "use ==",
    "!==": "use !=",
    "<>": "use !=",
    "=<": "use <=",
    "=>": "use >=",
    "!": "use NOT, or != to compare",
    "&&": "use AND",
    "&": "use AND",
    "||": "use OR",
    "|": "use OR",
}

_SPACE = re.compile(r"\s+")
# Identifiers may use any Unicode letter: attribute keys come from JSON, which allows them.
_NAME = re.compile(r"[^\W\d]\w*(?:\.[^\W\d]\w*)*")
# ASCII digits only: str.isdigit() and \d also accept superscripts and other scripts' digits.
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_DIGITS: Final = frozenset("0123456789")
_NUMBER_TAIL = re.compile(r"[\w.]+")
# Runs of these characters are read whole so that `===` or `<>` is reported as one unknown
# operator rather than as a confusing `==` followed by a stray `=`.
_SYMBOLS = re.compile(r"[=!<>~&|^%*/+]+")
_ESCAPES: Final = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t"}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "literal", "name", "keyword", "op", "(", ")", "[", "]", ",", "end"
    text: str  # as written (keywords upper-cased, `=` normalised to `==`)
    start: int
    end: int
    value: object = None


def _describe(token: _Token, source: str) -> str:
    if token.kind == "end":
        return "unexpected end of expression"
    shown = source[token.start : token.end]
    if len(shown) > 30:
        shown = shown[:27] + "..."
    return f"unexpected {shown!r}"


def _read_string(source: str, start: int) -> tuple[str, int]:
    quote = source[start]
    parts: list[str] = []
    i = start + 1
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == quote:
            return "".join(parts), i + 1
        if ch == "\\":
            if i + 1 >= n:
                break
            escaped = _ESCAPES.get(source[i + 1])
            if escaped is None:
                raise ExpressionError(
                    f"unknown escape '\\{source[i + 1]}'", i, "use \\\\, \\', \\\", \\n or \\t"
                )
            parts.append(escaped)
            i += 2
            continue
        parts.append(ch)
        i += 1
    raise ExpressionError("unterminated string", start, f"no closing {quote} before the end")


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch.isspace():
            match = _SPACE.match(source, i)
            assert match is not None
            i = match.end()
            continue
        if ch in "()[],":
            tokens.append(_Token(ch, ch, i, i + 1))
            i += 1
            continue
        if ch in "'\"":
            text, end = _read_string(source, i)
            tokens.append(_Token("literal", source[i:end], i, end, text))
            i = end
            continue
        if ch in _DIGITS or (ch == "-" and i + 1 < n and source[i + 1] in _DIGITS):
            number = _NUMBER.match(source, i)
            assert number is not None
            end = number.end()
            tail = _NUMBER_TAIL.match(source, end)
            if tail is not None:
                raise ExpressionError(f"malformed number {source[i : tail.end()]!r}", i)
            text = number.group()
            value: object = float(text) if number.group(1) or number.group(2) else int(text)
            tokens.append(_Token("literal", text, i, end, value))
            i = end
            continue
        if ch == "-":
            raise ExpressionError("unexpected '-'", i, "a minus sign must be followed directly by digits")
        name = _NAME.match(source, i)
        if name is not None:
            end = name.end()
            if end < n and source[end] == ".":
                raise ExpressionError(f"expected an attribute name after '{name.group()}.'", end + 1)
            text = name.group()
            upper = text.upper()
            if upper in _KEYWORDS:
                tokens.append(_Token("keyword", upper, i, end))
            elif upper in ("TRUE", "FALSE"):
                tokens.append(_Token("literal", text, i, end, upper == "TRUE"))
            else:
                tokens.append(_Token("name", text, i, end))
            i = end
            continue
        symbols = _SYMBOLS.match(source, i)
        if symbols is not None:
            text = symbols.group()
            canonical = _COMPARISON_SYMBOLS.get(text)
            if canonical is None:
                hint = _OPERATOR_HINTS.get(text, "operators are ==, =, !=, <, <=, >, >=")
                raise ExpressionError(f"unknown operator {text!r}", i, hint)
            tokens.append(_Token("op", canonical, i, symbols.end()))
            i = symbols.end()
            continue
        raise ExpressionError(f"unexpected character {ch!r}", i)
    tokens.append(_Token("end", "", n, n))
    return tokens


# --------------------------------------------------------------------------------------------
# Syntax tree


@dataclass(frozen=True, slots=True)
class Const:
    """A literal operand: str, int, float, bool or a list of those."""

    value: object
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Name:
    """An attribute path: `root` says which mapping it reads, `path` the keys below it."""

    root: Root
    path: tuple[str, ...]
    text: str
    start: int
    end: int


Operand: TypeAlias = Const | Name


@dataclass(frozen=True, slots=True)
class Comparison:
    """`left op right`; `op` is canonical: ==, !=, <, <=, >, >=, IN, NOT IN, HAS, NOT HAS, CONTAINS."""

    op: str
    left: Operand
    right: Operand
    text: str
    start: int


@dataclass(frozen=True, slots=True)
class Not:
    """NOT applied to a comparison or a group."""

    operand: Node
    start: int


@dataclass(frozen=True, slots=True)
class And:
    """Two or more conditions that must all hold."""

    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Two or more conditions of which one must hold."""

    operands: tuple[Node, ...]


Node: TypeAlias = Comparison | Not | And | Or


class _Parser:
    """Recursive descent over the token list; one method per grammar rule."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokenize(source)
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def _advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _fail(self, expected: str) -> ExpressionError:
        return ExpressionError(_describe(self.token, self.source), self.token.start, expected)

    def _enter(self, at: int) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise ExpressionError("expression nested too deeply", at, f"at most {_MAX_DEPTH} levels")

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise ExpressionError("empty expression", 0)
        node = self._or()
        token = self.token
        if token.kind == ")":
            raise ExpressionError("unexpected ')'", token.start, "no matching '('")
        if token.kind != "end":
            raise self._fail("expected AND, OR or the end of the expression")
        return node

    def _or(self) -> Node:
        operands = [self._and()]
        while self.token.kind == "keyword" and self.token.text == "OR":
            self._advance()
            operands.append(self._and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def _and(self) -> Node:
        operands = [self._not()]
        while self.token.kind == "keyword" and self.token.text == "AND":
            self._advance()
            operands.append(self._not())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def _not(self) -> Node:
        token = self.token
        if token.kind == "keyword" and token.text == "NOT":
            self._advance()
            self._enter(token.start)
            operand = self._not()
            self.depth -= 1
            return Not(operand, token.start)
        if token.kind == "(":
            self._advance()
            self._enter(token.start)
            inner = self._or()
            self.depth -= 1
            if self.token.kind != ")":
                if self.token.kind == "end":
                    raise self._fail(f"expected ')' to close the '(' at position {token.start}")
                raise self._fail("expected AND, OR or ')'")
            self._advance()
            return inner
        return self._comparison()

    def _comparison(self) -> Comparison:
        left = self._operand()
        token = self.token
        if token.kind == "op" or (token.kind == "keyword" and token.text in ("IN", "HAS", "CONTAINS")):
            op = self._advance().text
        elif token.kind == "keyword" and token.text == "NOT":
            self._advance()
            following = self.token
            if following.kind == "keyword" and following.text in ("IN", "HAS"):
                op = "NOT " + self._advance().text
            elif following.kind == "keyword" and following.text == "CONTAINS":
                raise ExpressionError(
                    "unknown operator 'NOT CONTAINS'", token.start, "write NOT (a CONTAINS b)"
                )
            else:
                raise self._fail("expected IN or HAS after NOT")
        else:
            expected = "expected a comparison operator (==, !=, <, <=, >, >=, IN, HAS, CONTAINS)"
            if token.kind == "name":  # a word where an operator belongs: most likely a misspelt one
                raise ExpressionError(f"unknown operator {token.text!r}", token.start, expected)
            raise self._fail(expected)
        right = self._operand()
        return Comparison(op, left, right, self.source[left.start : right.end], left.start)

    def _operand(self) -> Operand:
        token = self.token
        if token.kind == "literal":
            self._advance()
            return Const(token.value, token.text, token.start, token.end)
        if token.kind == "[":
            value = self._list()
            end = self.tokens[self.index - 1].end
            return Const(value, self.source[token.start : end], token.start, end)
        if token.kind == "name":
            self._advance()
            parts = tuple(token.text.split("."))
            root: Root = "subject"
            if parts[0] in ("task", "worker"):
                root = "task" if parts[0] == "task" else "worker"
                parts = parts[1:]
            return Name(root, parts, token.text, token.start, token.end)
        raise self._fail("expected a value")

    def _list(self) -> list[object]:
        opening = self._advance()
        self._enter(opening.start)
        items: list[object] = []
        if self.token.kind == "]":
            self._advance()
            self.depth -= 1
            return items
        while True:
            token = self.token
            if token.kind == "literal":
                self._advance()
                items.append(token.value)
            elif token.kind == "[":
                items.append(self._list())
            elif token.kind == "name":
                raise self._fail("expected a literal (lists hold literals only)")
            else:
                raise self._fail("expected a literal")
            if self.token.kind == ",":
                self._advance()
                continue
            if self.token.kind == "]":
                self._advance()
                self.depth -= 1
                return items
            if self.token.kind == "end":
                raise self._fail(f"expected ',' or ']' to close the '[' at position {opening.start}")
            raise self._fail("expected ',' or ']'")


# --------------------------------------------------------------------------------------------
# Semantics. Missing (and JSON null) is None: every operator is false when either side is None.


def _is_number(value: object) -> TypeGuard[int | float]:
    # bool is an int subclass in Python; the language keeps them apart (`true == 1` is false).
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_list(value: object) -> TypeGuard[Sequence[object]]:
    return isinstance(value, list | tuple)


def _same(a: object, b: object) -> bool:
    """Strict equality of two present values: no coercion, bool apart from numbers, deep for lists/objects."""
    kind = type(a)
    if kind is type(b) and (kind is str or kind is int or kind is float or kind is bool):
        return a == b  # the common case, decided without the checks below
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, str):
        return isinstance(b, str) and a == b
    if _is_number(a):
        return _is_number(b) and a == b
    if _is_list(a):
        return _is_list(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping):
        return (
            isinstance(b, Mapping)
            and len(a) == len(b)
            and all(key in b and _same(value, b[key]) for key, value in a.items())
        )
    if a is None or b is None:  # null inside a list or object; top-level nulls never get here
        return a is b
    return type(a) is type(b) and a == b


def _member(value: object, items: Sequence[object]) -> bool:
    # Plain loops here and in any_of/all_of: a generator inside any() costs an allocation per call.
    for item in items:  # noqa: SIM110
        if _same(value, item):
            return True
    return False


def _eq(a: object, b: object) -> bool:
    return a is not None and b is not None and _same(a, b)


def _ne(a: object, b: object) -> bool:
    return a is not None and b is not None and not _same(a, b)


def _lt(a: object, b: object) -> bool:
    if isinstance(a, str):
        return isinstance(b, str) and a < b
    return _is_number(a) and _is_number(b) and a < b


def _le(a: object, b: object) -> bool:
    if isinstance(a, str):
        return isinstance(b, str) and a <= b
    return _is_number(a) and _is_number(b) and a <= b


def _gt(a: object, b: object) -> bool:
    if isinstance(a, str):
        return isinstance(b, str) and a > b
    return _is_number(a) and _is_number(b) and a > b


def _ge(a: object, b: object) -> bool:
    if isinstance(a, str):
        return isinstance(b, str) and a >= b
    return _is_number(a) and _is_number(b) and a >= b


def _in(a: object, b: object) -> bool:
    return a is not None and _is_list(b) and _member(a, b)


def _not_in(a: object, b: object) -> bool:
    return a is not None and _is_list(b) and not _member(a, b)


def _has(a: object, b: object) -> bool:
    return b is not None and _is_list(a) and _member(b, a)


def _not_has(a: object, b: object) -> bool:
    return b is not None and _is_list(a) and not _member(b, a)


def _contains(a: object, b: object) -> bool:
    if isinstance(a, str):
        return isinstance(b, str) and b in a
    return b is not None and _is_list(a) and _member(b, a)


_OPERATORS: Final[Mapping[str, _Operator]] = {
    "==": _eq,
    "!=": _ne,
    "<": _lt,
    "<=": _le,
    ">": _gt,
    ">=": _ge,
    "IN": _in,
    "NOT IN": _not_in,
    "HAS": _has,
    "NOT HAS": _not_has,
    "CONTAINS": _contains,
}


def _step(value: object, key: str) -> object:
    if isinstance(value, dict):  # JSON objects are dicts: skip the slower ABC check
        return value.get(key)
    if isinstance(value, Mapping):
        return value.get(key)
    return None


def _resolve(name: Name, task: Attributes, worker: Attributes, subject: Attributes) -> object:
    value: object = task if name.root == "task" else worker if name.root == "worker" else subject
    for key in name.path:
        value = _step(value, key)
        if value is None:
            return None
    return value


# --------------------------------------------------------------------------------------------
# Compilation to closures. Each builder returns (predicate, constant): constant is the folded
# value when the result does not depend on the attributes, so `1 == 1 OR ...` costs nothing.


def _getter(operand: Operand) -> _Getter:
    if isinstance(operand, Const):
        constant = operand.value
        return lambda t, w, s: constant
    index = ("task", "worker", "subject").index(operand.root)
    path = operand.path
    # Specialised for the common depths; a closure per depth avoids a loop and a tuple per read.
    if len(path) == 0:
        return [lambda t, w, s: t, lambda t, w, s: w, lambda t, w, s: s][index]
    if len(path) == 1:
        (k,) = path
        return [lambda t, w, s: t.get(k), lambda t, w, s: w.get(k), lambda t, w, s: s.get(k)][index]
    if len(path) == 2:
        k1, k2 = path

        def two(root: Attributes) -> object:
            value = root.get(k1)
            return value.get(k2) if isinstance(value, dict) else _step(value, k2)

        return [lambda t, w, s: two(t), lambda t, w, s: two(w), lambda t, w, s: two(s)][index]

    def deep(root: Attributes) -> object:
        value: object = root
        for key in path:
            value = _step(value, key)
            if value is None:
                return None
        return value

    return [lambda t, w, s: deep(t), lambda t, w, s: deep(w), lambda t, w, s: deep(s)][index]


def _compile_comparison(node: Comparison) -> tuple[_Predicate, bool | None]:
    op = _OPERATORS[node.op]
    left, right = node.left, node.right
    if isinstance(left, Const) and isinstance(right, Const):
        result = op(left.value, right.value)
        return (lambda t, w, s: result), result
    get_left = _getter(left)
    if isinstance(right, Const):
        constant = right.value
        # The most frequent rule shapes (`name == 'x'`, `name != 'x'`) get the type test inlined.
        if isinstance(constant, str) and node.op == "==":

            def equals_string(t: Attributes, w: Attributes, s: Attributes) -> bool:
                value = get_left(t, w, s)
                return isinstance(value, str) and value == constant

            return equals_string, None
        if isinstance(constant, str) and node.op == "!=":

            def differs_from_string(t: Attributes, w: Attributes, s: Attributes) -> bool:
                value = get_left(t, w, s)
                return value is not None and (not isinstance(value, str) or value != constant)

            return differs_from_string, None
        return (lambda t, w, s: op(get_left(t, w, s), constant)), None
    get_right = _getter(right)
    return (lambda t, w, s: op(get_left(t, w, s), get_right(t, w, s))), None


def _compile(node: Node) -> tuple[_Predicate, bool | None]:
    if isinstance(node, Comparison):
        return _compile_comparison(node)
    if isinstance(node, Not):
        if isinstance(node.operand, Not):  # NOT NOT x is x
            return _compile(node.operand.operand)
        inner, constant = _compile(node.operand)
        if constant is not None:
            return (lambda t, w, s: not constant), not constant
        return (lambda t, w, s: not inner(t, w, s)), None
    # AND and OR: a constant operand either decides the whole or drops out of it.
    decisive = isinstance(node, Or)
    predicates: list[_Predicate] = []
    for operand in node.operands:
        predicate, constant = _compile(operand)
        if constant is decisive:
            return (lambda t, w, s: decisive), decisive
        if constant is None:
            predicates.append(predicate)
    if not predicates:
        return (lambda t, w, s: not decisive), not decisive
    if len(predicates) == 1:
        return predicates[0], None
    if len(predicates) == 2:
        first, second = predicates
        if decisive:
            return (lambda t, w, s: first(t, w, s) or second(t, w, s)), None
        return (lambda t, w, s: first(t, w, s) and second(t, w, s)), None
    parts = tuple(predicates)
    if decisive:

        def any_of(t: Attributes, w: Attributes, s: Attributes) -> bool:
            for part in parts:  # noqa: SIM110
                if part(t, w, s):
                    return True
            return False

        return any_of, None

    def all_of(t: Attributes, w: Attributes, s: Attributes) -> bool:
        for part in parts:  # noqa: SIM110
            if not part(t, w, s):
                return False
        return True

    return all_of, None


# --------------------------------------------------------------------------------------------
# Explanations


def render_value(value: object) -> str:
    """A resolved value in the language's own notation; None (missing or null) shows as <missing>."""
    if value is None:
        return "<missing>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\t", "\\t")
        return f"'{escaped}'"
    if _is_list(value):
        return "[" + ", ".join(render_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {render_value(item)}" for key, item in value.items()) + "}"
    return repr(value)


@dataclass(frozen=True, slots=True)
class ExplainedOperand:
    """One side of an explained comparison: `path` is None for a literal; `value` None means missing."""

    text: str
    path: str | None
    value: object

    @property
    def missing(self) -> bool:
        return self.path is not None and self.value is None

    def __str__(self) -> str:
        return self.text if self.path is None else f"{self.path} = {render_value(self.value)}"


@dataclass(frozen=True, slots=True)
class Explained:
    """Why one comparison held or not; `negated` when an odd number of NOTs apply to it."""

    text: str
    op: str
    left: ExplainedOperand
    right: ExplainedOperand
    held: bool
    negated: bool

    def __str__(self) -> str:
        line = f"{self.left} {self.op} {self.right} {'✓' if self.held else '✗'}"
        return line + " (under NOT)" if self.negated else line


#: Why an expression does not hold: a failing comparison, or ("and" | "or", the failing parts).
Unmet: TypeAlias = "Explained | tuple[str, tuple[Unmet, ...]]"


def _explain_operand(
    operand: Operand, task: Attributes, worker: Attributes, subject: Attributes
) -> ExplainedOperand:
    if isinstance(operand, Const):
        return ExplainedOperand(operand.text, None, operand.value)
    return ExplainedOperand(operand.text, operand.text, _resolve(operand, task, worker, subject))


def _walk(node: Node, negated: bool) -> list[tuple[Comparison, bool]]:
    if isinstance(node, Comparison):
        return [(node, negated)]
    if isinstance(node, Not):
        return _walk(node.operand, not negated)
    return [found for operand in node.operands for found in _walk(operand, negated)]


def _names(node: Node) -> list[Name]:
    return [
        operand
        for comparison, _ in _walk(node, False)
        for operand in (comparison.left, comparison.right)
        if isinstance(operand, Name)
    ]


# --------------------------------------------------------------------------------------------
# Public entry points


class CompiledExpression:
    """A parsed and compiled routing expression; immutable and safe to share between threads."""

    __slots__ = ("_predicate", "ast", "source")

    def __init__(self, source: str, ast: Node) -> None:
        self.source = source
        self.ast = ast
        self._predicate, _ = _compile(ast)

    def _subject(self, task: Attributes, worker: Attributes, subject: str) -> Attributes:
        if subject == "task":
            return task
        if subject == "worker":
            return worker
        raise ValueError(f"subject must be 'task' or 'worker', not {subject!r}")

    def evaluate(self, task: Attributes, worker: Attributes, subject: str = "task") -> bool:
        """Whether the expression holds; bare names read `subject` ("task" or "worker")."""
        if subject == "task":  # inlined _subject: this is the hot path
            return self._predicate(task, worker, task)
        return self._predicate(task, worker, self._subject(task, worker, subject))

    def explain(self, task: Attributes, worker: Attributes, subject: str = "task") -> list[Explained]:
        """Each comparison in source order, its resolved values and whether it held (no short-circuit)."""
        scope = self._subject(task, worker, subject)
        explained: list[Explained] = []
        for node, negated in _walk(self.ast, False):
            left = _explain_operand(node.left, task, worker, scope)
            right = _explain_operand(node.right, task, worker, scope)
            held = _OPERATORS[node.op](left.value, right.value)
            explained.append(Explained(node.text, node.op, left, right, held, negated))
        return explained

    def unmet(self, task: Attributes, worker: Attributes, subject: str = "task") -> Unmet | None:
        """What keeps the expression from holding, as a tree: the failing comparisons, grouped by the
        AND (all listed must change) and OR (any one would do) they sit in; None when it holds.
        A NOT over a group is given as its comparisons' explanations (rare in policies)."""
        scope = self._subject(task, worker, subject)

        def walk(node: Node, negated: bool) -> Unmet | None:
            if isinstance(node, Comparison):
                left = _explain_operand(node.left, task, worker, scope)
                right = _explain_operand(node.right, task, worker, scope)
                held = _OPERATORS[node.op](left.value, right.value) != negated
                return None if held else Explained(node.text, node.op, left, right, False, negated)
            if isinstance(node, Not):
                return walk(node.operand, not negated)
            conjunction = isinstance(node, And) != negated  # De Morgan under NOT
            children = [walk(child, negated) for child in node.operands]
            failed = [c for c in children if c is not None]
            if conjunction:
                return None if not failed else failed[0] if len(failed) == 1 else ("and", tuple(failed))
            if len(failed) < len(children):
                return None
            return failed[0] if len(failed) == 1 else ("or", tuple(failed))

        return walk(self.ast, False)

    def names(self, subject: str | None = None) -> set[str]:
        """Attribute paths referenced, as written; with a subject, bare names get its prefix."""
        if subject is not None and subject not in ("task", "worker"):
            raise ValueError(f"subject must be 'task' or 'worker', not {subject!r}")
        return {
            f"{subject}.{name.text}" if subject is not None and name.root == "subject" else name.text
            for name in _names(self.ast)
        }

    def __repr__(self) -> str:
        return f"CompiledExpression({self.source!r})"


def parse_expression(source: str) -> Node:
    """The syntax tree of `source`; raises ExpressionError (with a position) if it does not parse."""
    return _Parser(source).parse()


def _literal(value: object, text: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return render_value(value)
    if isinstance(value, float):
        # repr round-trips every finite float; an overflowed literal (1e999) keeps its own spelling.
        return repr(value) if value == value and abs(value) != float("inf") else text
    if isinstance(value, int):
        return str(value)
    if _is_list(value):
        return "[" + ", ".join(_literal(item, text) for item in value) + "]"
    return text


def _operand_source(operand: Operand) -> str:
    if isinstance(operand, Const):
        return _literal(operand.value, operand.text)
    prefix = "" if operand.root == "subject" else operand.root + "."
    return prefix + ".".join(operand.path) if operand.path else operand.root


def to_source(node: Node) -> str:
    """The canonical text of a tree: parsing it gives the same tree (positions aside).

    Parentheses only where the tree needs them; `=` prints as `==`, keywords upper case.
    """
    if isinstance(node, Comparison):
        return f"{_operand_source(node.left)} {node.op} {_operand_source(node.right)}"
    if isinstance(node, Not):
        inner = to_source(node.operand)
        return f"NOT ({inner})" if isinstance(node.operand, And | Or) else f"NOT {inner}"
    if isinstance(node, And):
        return " AND ".join(
            f"({to_source(op)})" if isinstance(op, And | Or) else to_source(op) for op in node.operands
        )
    return " OR ".join(f"({to_source(op)})" if isinstance(op, Or) else to_source(op) for op in node.operands)


def compile_expression(source: str) -> CompiledExpression:
    """Parse and compile `source`; raises ExpressionError (with a position) if it does not parse."""
    return CompiledExpression(source, _Parser(source).parse())
