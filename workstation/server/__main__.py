"""`python -m workstation.server`: the reference backend alone, shared by several desktops.

Without --demo it has no users: add them with `python -m workstation.server users add NAME --role
agent|teamlead`, integrations with `service-accounts add NAME` (see workstation.server.admin)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

import platformdirs
import uvicorn

from workstation.demo.day_simulator import DayConfig
from workstation.demo.simulator import DEMO_AGENTS, SimulatorConfig
from workstation.server import admin
from workstation.server.accounts import active_users
from workstation.server.backend import BackendConfig
from workstation.server.connectors import config as connector_config
from workstation.server.runner import ServerOptions, bind_socket, build, uvicorn_config


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m workstation.server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (0: any free port)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(platformdirs.user_data_dir("workstation-server", appauthor=False)),
        help="where the SQLite database lives",
    )
    parser.add_argument(
        "--db-url", help="SQLAlchemy database URL (overrides --data-dir), e.g. postgresql://..."
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="demo mode: demo users (password WORKSTATION_DEMO_PASSWORD, default 'demo'), the demo shop "
        "under /shop, demo customers and simulated chats; never for real customers",
    )
    parser.add_argument(
        "--no-simulator", action="store_true", help="with --demo: no demo customers, no simulated chats"
    )
    parser.add_argument(
        "--chat-interval", type=float, default=45.0, help="mean seconds between simulated chats"
    )
    parser.add_argument(
        "--customers", type=int, default=40, help="demo customers to create in a new database"
    )
    parser.add_argument("--offer-timeout", type=float, default=30.0, help="seconds an agent has to accept")
    parser.add_argument("--seed", type=int, help="random seed for the simulator (reproducible demo data)")
    parser.add_argument(
        "--simulate-day",
        action="store_true",
        help="a contact-centre day compressed in time: simulated agents, waves, bursts, abandons",
    )
    parser.add_argument(
        "--day-minutes", type=float, default=20.0, help="real minutes for 08:00-20:00 with --simulate-day"
    )
    parser.add_argument("--sim-agents", type=int, default=12, help="simulated agents with --simulate-day")
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="run as a desktop's embedded backend: say 'READY <url>' on stdout once serving, and exit "
        "when standard input closes (the desktop holds the other end)",
    )
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    parser.add_argument("--tls-cert", type=Path, help="PEM certificate (chain): serve https and wss")
    parser.add_argument("--tls-key", type=Path, help="PEM private key of --tls-cert")
    parser.add_argument(
        "--config", type=Path, help="server configuration (TOML): [connectors.NAME] tables, see the README"
    )
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    if args.simulate_day and not args.demo:
        parser.error("--simulate-day needs --demo (it creates simulated agents and customers)")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in admin.COMMANDS:
        return admin.main(argv)
    if argv[:1] == ["connectors"]:
        from workstation.server.connectors.cli import main as connectors_main

        return connectors_main(argv[1:])
    args = parse_args(argv)
    try:
        connectors = connector_config.load(args.config) if args.config else []
    except connector_config.ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    password = os.environ.get("WORKSTATION_DEMO_PASSWORD", "demo")
    loopback = args.host in ("127.0.0.1", "::1", "localhost")
    if args.demo and not loopback and password == "demo":
        print(
            "error: --demo beyond loopback needs a demo password of your own in WORKSTATION_DEMO_PASSWORD",
            file=sys.stderr,
        )
        return 2
    simulate = args.demo and not args.no_simulator
    options = ServerOptions(
        data_dir=args.data_dir,
        host=args.host,
        port=args.port,
        db_url=args.db_url,
        backend=BackendConfig(offer_timeout_s=args.offer_timeout),
        demo=args.demo,
        simulator=SimulatorConfig(
            customers=args.customers, chat_interval_s=args.chat_interval, seed=args.seed
        )
        if simulate
        else None,
        demo_password=password,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        day=DayConfig(agents=args.sim_agents, day_length_s=args.day_minutes * 60, seed=args.seed)
        if args.simulate_day and simulate
        else None,
        connectors=connectors,
    )
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    _backend, app, _simulator = build(options)
    port = sock.getsockname()[1]
    scheme = "https" if args.tls_cert else "http"
    print(
        f"Workstation reference backend on {scheme}://{args.host}:{port} "
        f"(data: {args.db_url or args.data_dir})"
    )
    if args.demo:
        print("Demo mode. Demo users: demo, anna, ben (agents), lead (team lead)", flush=True)
    else:
        print("Users: add them with `python -m workstation.server users add NAME --role ...`", flush=True)
        # A database first started with --demo keeps its demo users (and their known password).
        leftover = active_users(_backend.engine, tuple(a[0] for a in DEMO_AGENTS))
        if leftover:
            print(
                "warning: this database has demo users from an earlier --demo start "
                f"({', '.join(leftover)}); disable them with `users disable NAME`",
                file=sys.stderr,
            )
    config = uvicorn_config(app, log_level=args.log_level, tls_cert=args.tls_cert, tls_key=args.tls_key)
    if args.embedded:
        from workstation.server.process import serve_embedded

        host = f"[{args.host}]" if ":" in args.host else args.host
        serve_embedded(uvicorn.Server(config), sock, f"{scheme}://{host}:{port}")
    else:
        uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
