"""Command line for the relevance engine: `python -m workstation.relevance CASE.json ...`.

Prints one JSON object per case, one per line (shared/relevance/README.md). A case that cannot be
read is reported on stderr with the file and the reason, the others still run, and the exit code is 1.
`--check` also compares each case with its `expect` block and prints a verdict per case on stderr.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from workstation.domain.relevance import (
    FeedbackStats,
    RelevanceEngine,
    case_from_mapping,
    check_expect,
    load_catalog,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _files(paths: Sequence[str]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(path.glob("*.json"))
        else:
            yield path


def _feedback(path: Path) -> FeedbackStats:
    """Verdicts as the backend lists them: [{"action", "context", "outcome", "reason"}, ...]."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise ValueError("expected a JSON list of verdicts")
    stats = FeedbackStats()
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("action", "context")):
            raise ValueError(f"verdict {i}: needs 'action' and 'context' strings")
        stats.add(item["action"], item["context"], str(item.get("outcome")), item.get("reason"))
    return stats


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m workstation.relevance",
        description="Rank relevance cards for case files (see shared/relevance/README.md).",
    )
    parser.add_argument("cases", nargs="+", metavar="CASE.json", help="case files, or folders of them")
    parser.add_argument("--catalog", type=Path, help="an action catalog (TOML) instead of the built-in one")
    parser.add_argument("--feedback", type=Path, help="agents' verdicts (JSON list) to learn from")
    parser.add_argument("--check", action="store_true", help="compare with each case's 'expect' (on stderr)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        catalog = load_catalog(args.catalog)
        feedback = _feedback(args.feedback) if args.feedback else FeedbackStats()
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    engine = RelevanceEngine(catalog, feedback)
    code = EXIT_OK
    passed = checked = 0
    try:
        for path in _files(args.cases):
            try:
                raw = json.loads(path.read_bytes())
                case = case_from_mapping(raw)
            except OSError as exc:
                print(f"error: {path}: {exc.strerror or exc}", file=sys.stderr)
                code = EXIT_FAILED
                continue
            except (ValueError, RecursionError) as exc:  # JSONDecodeError and CaseError are ValueErrors
                print(f"error: {path}: {exc}", file=sys.stderr)
                code = EXIT_FAILED
                continue
            ranking = engine.rank(case)
            print(json.dumps(ranking.to_json(), ensure_ascii=False), flush=True)
            expect = raw.get("expect") if isinstance(raw, dict) else None
            if args.check and isinstance(expect, dict):
                checked += 1
                failures = check_expect(ranking.cards, expect)
                passed += not failures
                verdict = "pass" if not failures else "FAIL: " + "; ".join(failures)
                print(f"{case.id}: {verdict}", file=sys.stderr)
                if failures:
                    code = EXIT_FAILED
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    if args.check:
        print(f"{passed} passed, {checked - passed} failed", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
