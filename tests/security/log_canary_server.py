"""The reference backend as runner.py builds it, with every logger at DEBUG (uvicorn's at TRACE) into
stderr: the process the log canary (test_no_secrets_in_logs.py) reads. Prints its port and a
service token on stdout (never into a log)."""

from __future__ import annotations

import logging
import random
import sys
from pathlib import Path

import uvicorn

from workstation.demo.simulator import seed_customers
from workstation.server.runner import ServerOptions, bind_socket, build, uvicorn_config


def main(data_dir: str, password: str) -> None:
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    backend, app, _simulator = build(
        ServerOptions(data_dir=Path(data_dir), simulator=None, demo_password=password)
    )
    seed_customers(backend, random.Random(1), 3)
    config = uvicorn_config(app, log_level="trace")
    # Whatever the runner chose for the access log: on, into the same stderr.
    access = logging.getLogger("uvicorn.access")
    access.propagate, access.disabled = True, False
    for name in list(logging.root.manager.loggerDict):
        logger = logging.getLogger(name)
        logger.disabled = False
        if logger.level == logging.NOTSET or logger.level > logging.DEBUG:
            logger.setLevel(logging.DEBUG)
    sock = bind_socket("127.0.0.1", 0)
    token = backend.issue_token(backend.service_principal())
    print(sock.getsockname()[1], token, backend.list_customer_ids()[0], flush=True)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
