"""The operator's admin commands: `python -m workstation.server users ...` and `service-accounts ...`.

Passwords are read from a prompt (twice) or from stdin with --password-stdin, never from the
command line (where `ps` and shell history would show them).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

import platformdirs
from sqlalchemy.engine import Engine

from workstation.server import accounts
from workstation.server.db import make_engine

COMMANDS = ("users", "service-accounts")
DB_FILE = "backend.sqlite3"


def _database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(platformdirs.user_data_dir("workstation-server", appauthor=False)),
        help="where the server's SQLite database lives (as given to the server)",
    )
    parser.add_argument("--db-url", help="SQLAlchemy database URL (overrides --data-dir)")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m workstation.server", description=__doc__)
    groups = top.add_subparsers(dest="group", required=True)

    users = groups.add_parser("users", help="people who sign in (agents, team leads)")
    user_cmds = users.add_subparsers(dest="command", required=True)
    add = user_cmds.add_parser("add", help="a new user; the password is asked for")
    add.add_argument("name", help="the user name they sign in with")
    add.add_argument("--role", choices=sorted(accounts.HUMAN_ROLES), required=True)
    add.add_argument("--display-name", help="the name colleagues see (default: the user name)")
    add.add_argument("--skills", default="", help="comma-separated routing skills, e.g. delivery,payment")
    add.add_argument("--languages", default="en", help="comma-separated languages, e.g. de,en")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    listing = user_cmds.add_parser("list", help="every user, with role, state and open sessions")
    password = user_cmds.add_parser("set-password", help="a new password; their sessions end")
    password.add_argument("name")
    password.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    disable = user_cmds.add_parser("disable", help="no more sign-ins; their tokens stop working")
    disable.add_argument("name")

    service = groups.add_parser("service-accounts", help="integrations (connectors) with a bearer token")
    service_cmds = service.add_subparsers(dest="command", required=True)
    service_add = service_cmds.add_parser("add", help="a new account; its token is printed once")
    service_add.add_argument("name")
    service_add.add_argument(
        "--days", type=int, default=accounts.SERVICE_TOKEN_DAYS, help="how long the token is valid"
    )
    revoke = service_cmds.add_parser("revoke", help="the account's tokens stop working at once")
    revoke.add_argument("name")

    for sub in (add, listing, password, disable, service_add, revoke):
        _database_options(sub)
    return top


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(args.db_url or f"sqlite:///{args.data_dir / DB_FILE}")
    try:
        return _run(args, engine)
    except accounts.AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (EOFError, KeyboardInterrupt):
        print("error: no password given", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _run(args: argparse.Namespace, engine: Engine) -> int:
    group, command = args.group, args.command
    if group == "users" and command == "add":
        accounts.add_user(
            engine,
            args.name,
            role=args.role,
            password=_password(args.password_stdin),
            display_name=args.display_name,
            skills=_words(args.skills),
            languages=_words(args.languages),
        )
        print(f"added {args.role} {args.name}")
    elif group == "users" and command == "list":
        for user in accounts.list_users(engine):
            state = "disabled" if user.disabled else "active"
            print(f"{user.username}\t{user.role}\t{state}\t{user.sessions} session(s)\t{user.name}")
    elif group == "users" and command == "set-password":
        accounts.set_password(engine, args.name, _password(args.password_stdin))
        print(f"new password set for {args.name}; their sessions were ended")
    elif group == "users" and command == "disable":
        accounts.disable_user(engine, args.name)
        print(f"disabled {args.name}; their sessions were ended")
    elif command == "add":
        token = accounts.add_service_account(engine, args.name, days=args.days)
        print(
            f"service account {args.name} added; its token (shown only now, valid {args.days} days):",
            file=sys.stderr,
        )
        print(token, flush=True)  # alone on stdout, for a script to capture
    else:
        accounts.revoke_service_account(engine, args.name)
        print(f"revoked {args.name}: its tokens no longer work")
    return 0


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise accounts.AccountError("The two passwords differ.")
    return first


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(",") if w.strip())
