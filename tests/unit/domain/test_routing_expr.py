"""The routing expression language: the published cases, precedence, missing values, strict types, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workstation.domain.routing_expr import ExpressionError, compile_expression

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[3] / "shared" / "routing" / "cases.jsonl"
CASES_FILE = SHARED if SHARED.exists() else HERE / "data" / "routing_cases.jsonl"
CASES = [json.loads(line) for line in CASES_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]

TASK = {
    "channel": "chat",
    "language": "de",
    "priority": 5,
    "customer": {"tier": "gold", "clv": 3400.5, "minutes_on_product_pages": 31, "tags": ["vip", "b2c"]},
    "escalated": False,
    "topic": "delivery refund",
}
WORKER = {"skills": ["billing", "delivery"], "languages": ["de", "en"], "level": 3, "senior": True}


def _eval(
    expr: str, task: dict[str, Any] = TASK, worker: dict[str, Any] = WORKER, subject: str = "task"
) -> bool:
    return compile_expression(expr).evaluate(task, worker, subject)


@pytest.mark.parametrize("case", CASES, ids=[c["expr"] for c in CASES])
def test_published_cases(case: dict[str, Any]) -> None:
    want = case["want"]
    if isinstance(want, str):  # an expected error
        with pytest.raises(ExpressionError):
            compile_expression(case["expr"])
        return
    assert _eval(case["expr"], case["task"], case["worker"], case.get("subject", "task")) is want


@pytest.mark.parametrize(
    ("expr", "want"),
    [
        ("task.language == 'en' OR task.priority == 5 AND task.channel == 'chat'", True),  # a OR (b AND c)
        ("(task.language == 'en' OR task.priority == 5) AND task.channel == 'voice'", False),
        ("NOT task.language == 'en' AND task.priority == 5", True),  # NOT binds tightest
        ("task.language = 'de'", True),  # = is ==
        ("task.language in ['de', 'fr'] and task.priority >= 5", True),  # keywords any case
        ("task.customer.clv > 3400", True),  # int vs float compare as numbers
        ("task.priority == 5.0", True),
        ("'de' IN worker.languages", True),  # literal on the left
        ("task.language IN worker.languages", True),  # name vs name
        ("worker.skills HAS 'delivery' AND worker.skills NOT HAS 'sales'", True),
        ("task.topic CONTAINS 'refund'", True),
        ("task.customer.tags CONTAINS 'vip'", True),
        ("language == 'de'", True),  # bare names read the subject
    ],
)
def test_operators_and_precedence(expr: str, want: bool) -> None:
    assert _eval(expr) is want


@pytest.mark.parametrize(
    "expr",
    [
        "task.nothing == 1",
        "task.nothing != 1",  # != with a missing side is false, too
        "task.nothing NOT IN [1, 2]",
        "task.nothing NOT HAS 'x'",
        "task.language.deeper == 'x'",
        "'3' == 3",  # no coercion
        "'b' > 1",
        "true == 1",  # Python's True == 1 must not leak
        "task.escalated < true",  # booleans do not order
        "task.language IN task.priority",  # right side not a list
        "task.language HAS 'd'",  # left side not a list
    ],
)
def test_missing_and_mismatched_types_are_false(expr: str) -> None:
    assert _eval(expr) is False


def test_not_negates_the_false_of_a_missing_comparison() -> None:
    assert _eval("NOT task.nothing == 1") is True
    assert _eval("NOT (task.nothing != 1)") is True


@pytest.mark.parametrize(
    ("expr", "position"),
    [
        ("task.language == 'de' AND (worker.level > 2", 43),
        ("task.language == 'de", 17),
        ("task.language === 'de'", 14),
        ("task.language == 'de' AND", 25),
        ("", 0),
    ],
)
def test_errors_point_at_the_position(expr: str, position: int) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression(expr)
    assert info.value.position == position
    assert f"position {position}" in str(info.value)


def test_explain_names_values_that_decided() -> None:
    compiled = compile_expression(
        "task.customer.tier IN ['gold','platinum'] AND task.language IN worker.languages"
    )
    explained = compiled.explain(TASK, WORKER)
    assert [(e.left.path, e.left.value, e.held) for e in explained] == [
        ("task.customer.tier", "gold", True),
        ("task.language", "de", True),
    ]
    assert compiled.names() == {"task.customer.tier", "task.language", "worker.languages"}


values = st.one_of(st.integers(-3, 3), st.sampled_from(["de", "en", "x"]), st.booleans(), st.none())
attrs = st.dictionaries(st.sampled_from(["a", "b", "c"]), values, max_size=3)
comparisons = st.builds(
    lambda name, op, lit: f"task.{name} {op} {lit}",
    st.sampled_from(["a", "b", "c", "missing"]),
    st.sampled_from(["==", "!=", "<", ">=", "IN"]),
    st.sampled_from(["1", "'de'", "true", "[1, 'de']", "-2"]),
)


@given(attrs, comparisons, comparisons)
def test_boolean_structure_agrees_with_python(task: dict[str, Any], left: str, right: str) -> None:
    a, b = _eval(left, task, {}), _eval(right, task, {})
    assert _eval(f"NOT ({left})", task, {}) is (not a)
    assert _eval(f"{left} AND {right}", task, {}) is (a and b)
    assert _eval(f"{left} OR {right}", task, {}) is (a or b)


def test_command_answers_each_line_and_survives_bad_lines(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    lines = [
        json.dumps({"expr": "task.language == 'de'", "task": {"language": "de"}, "worker": {}}),
        "{not json",
        json.dumps({"expr": "language == 'de' AND", "task": {}}),
        json.dumps({"expr": "skills HAS 'x'", "worker": {"skills": ["x"]}, "subject": "worker"}),
    ]
    cases.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "workstation.routing", "eval", str(cases)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert out[0] == "true"
    assert out[1].startswith("error: line 2:")
    assert out[2].startswith("error:") and "position" in out[2]
    assert out[3] == "true"


def test_command_on_the_published_cases_prints_the_wanted_answers() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "workstation.routing", "eval", str(CASES_FILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    wanted = ["error" if isinstance(c["want"], str) else str(c["want"]).lower() for c in CASES]
    got = [line.split(":")[0] for line in result.stdout.splitlines()]
    assert got == wanted


def test_command_reports_a_missing_file() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "workstation.routing", "eval", "/nonexistent/cases.jsonl"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and result.stderr
