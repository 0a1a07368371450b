"""Start the agent workstation: `python main.py --help` lists the options.

`main.py server ...` runs the reference backend instead (`python -m workstation.server ...`): how
the frozen bundle, which has no other interpreter, starts the desktop's embedded backend process;
`main.py ranker CACHE_FILE` likewise runs the desktop's ranking process (workstation.services.ranking)."""

import time

_STARTED = time.perf_counter()  # before any heavy import: start-up time is measured from here

if __name__ == "__main__":
    import sys

    # Literal, not workstation.server.process.SERVER_COMMAND: the desktop's start imports nothing more.
    if sys.argv[1:2] == ["server"]:
        from workstation.server.__main__ import main as server_main

        sys.exit(server_main(sys.argv[2:]))
    # Likewise workstation.services.ranking.RANKER_COMMAND: the desktop's ranking process.
    if sys.argv[1:2] == ["ranker"]:
        from workstation.services.ranking import child_main

        sys.exit(child_main(sys.argv[2:]))

    from workstation.app import main

    sys.exit(main(started=_STARTED))
