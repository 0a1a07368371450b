"""Routing on the command line: `eval CASES.jsonl`, `check EXPR`, `check-config FILE` (TOML or JSON)."""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import IO

from workstation.domain.routing_expr import CompiledExpression, ExpressionError, compile_expression
from workstation.domain.workflow import RoutingConfigError, compile_document

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


class _BadLine(Exception):
    """A case line that cannot be evaluated: reported as `error: line N: reason`, then skipped."""


def _case(line_number: int, raw: bytes) -> tuple[str, Mapping[str, object], Mapping[str, object], str]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _BadLine(f"not UTF-8 (byte {exc.start + 1})") from None
    if line_number == 1:
        text = text.removeprefix("\ufeff")  # editors on Windows like to start files with a BOM
    if not text.strip():
        raise _BadLine("empty line")
    try:
        case = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _BadLine(f"invalid JSON: {exc.msg} (column {exc.colno})") from None
    except (ValueError, RecursionError) as exc:  # e.g. nesting too deep for the decoder
        raise _BadLine(f"invalid JSON: {exc}") from None
    if not isinstance(case, dict):
        raise _BadLine(f"expected a JSON object, got {type(case).__name__}")
    expr = case.get("expr")
    if not isinstance(expr, str):
        raise _BadLine("'expr' must be a string")
    # task/worker may be left out (every name is then missing) but must be objects when given.
    task = case.get("task", {})
    worker = case.get("worker", {})
    for key, value in (("task", task), ("worker", worker)):
        if not isinstance(value, dict):
            raise _BadLine(f"'{key}' must be a JSON object")
    subject = case.get("subject", "task")
    if subject not in ("task", "worker"):
        raise _BadLine('\'subject\' must be "task" or "worker"')
    return expr, task, worker, subject


def _answer(line_number: int, raw: bytes, compiled: dict[str, CompiledExpression | ExpressionError]) -> str:
    try:
        expr, task, worker, subject = _case(line_number, raw)
    except _BadLine as exc:
        return f"error: line {line_number}: {exc}"
    # Case files repeat the same rule against many attribute sets: compile each source once.
    expression = compiled.get(expr)
    if expression is None:
        try:
            expression = compile_expression(expr)
        except ExpressionError as exc:
            expression = exc
        compiled[expr] = expression
    if isinstance(expression, ExpressionError):
        return f"error: {expression}"
    try:
        return "true" if expression.evaluate(task, worker, subject) else "false"
    except RecursionError:  # pathologically deep attribute values; one bad line must not stop the rest
        return f"error: line {line_number}: attributes nested too deeply"


def evaluate_lines(lines: Iterable[bytes], out: IO[str]) -> None:
    """Write one answer per input line, in order: `true`, `false` or `error: ...`."""
    compiled: dict[str, CompiledExpression | ExpressionError] = {}
    for line_number, raw in enumerate(lines, start=1):
        out.write(_answer(line_number, raw.rstrip(b"\r\n"), compiled) + "\n")


def caret_report(source: str, error: ExpressionError) -> str:
    """The error, then the offending source line with a caret under the position."""
    start = source.rfind("\n", 0, error.position) + 1
    end = source.find("\n", error.position)
    line = source[start : end if end != -1 else len(source)]
    # Keep tabs in the padding so the caret lines up however the terminal expands them.
    padding = "".join(ch if ch == "\t" else " " for ch in source[start : error.position])
    return f"error: {error}\n  {line}\n  {padding}^"


def _run_eval(path: str, parser: argparse.ArgumentParser) -> int:
    if path == "-":
        evaluate_lines(sys.stdin.buffer, sys.stdout)
        return EXIT_OK
    if os.path.isdir(path):
        parser.error(f"cannot read {path!r}: it is a directory")
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below; opening is where usage errors show
    except OSError as exc:
        parser.error(f"cannot read {path!r}: {exc.strerror or exc}")
    with handle:
        evaluate_lines(handle, sys.stdout)
    return EXIT_OK


def _run_check(source: str) -> int:
    try:
        compile_expression(source)
    except ExpressionError as exc:
        print(caret_report(source, exc))
        return EXIT_INVALID
    print("ok")
    return EXIT_OK


def _run_check_config(path: str, parser: argparse.ArgumentParser) -> int:
    import tomllib

    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle) if path.endswith(".toml") else json.load(handle)
    except OSError as exc:
        parser.error(f"cannot read {path!r}: {exc.strerror or exc}")
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        print(f"error: {path}: not valid {'TOML' if path.endswith('.toml') else 'JSON'}: {exc}")
        return EXIT_INVALID
    if not isinstance(data, dict):
        print(f"error: {path}: expected a table with queues and workflow")
        return EXIT_INVALID
    try:
        router, agents = compile_document(data)
    except RoutingConfigError as exc:
        for problem in exc.problems:
            print(f"error: {problem.field}: {problem.message}")
            if problem.source is not None and problem.position is not None:
                # The source line and the caret, as `check` shows them.
                shown = caret_report(problem.source, ExpressionError("", problem.position))
                print(shown.split("\n", 1)[1])
        return EXIT_INVALID
    workflow = router.config.workflow
    print(
        f"ok: {len(router.config.queues)} queues, {len(workflow.filters)} filters, "
        f"default queue {workflow.default_queue!r}, {len(agents)} agents"
    )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m workstation.routing",
        description="Evaluate and check routing expressions (see shared/routing/README.md).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    evaluate = commands.add_parser(
        "eval",
        help="evaluate a JSON-lines case file",
        description="Print true, false or 'error: <message>' for each line of CASES, in order.",
    )
    evaluate.add_argument("cases", metavar="CASES.jsonl", help="one JSON case per line; '-' reads stdin")
    check = commands.add_parser(
        "check", help="check that an expression parses", description="Print ok, or the error and where."
    )
    check.add_argument("expr", metavar="EXPR", help="the routing expression (quote it for the shell)")
    check_config = commands.add_parser(
        "check-config",
        help="check a routing configuration file",
        description="Validate queues, workflow and agents as the backend does on save: print ok, or every "
        "problem with its field (and a caret under an expression's error).",
    )
    check_config.add_argument(
        "file", metavar="FILE", help="a .toml file (like the demo's) or JSON (the API's body)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Messages quote the user's expression: never let an ASCII-only console turn that into a crash.
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "eval":
            code = _run_eval(args.cases, parser)
        elif args.command == "check-config":
            code = _run_check_config(args.file, parser)
        else:
            code = _run_check(args.expr)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep the interpreter's final flush quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_INVALID
    return code


if __name__ == "__main__":
    sys.exit(main())
