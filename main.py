"""Start the agent workstation: `python main.py --help` lists the options."""

import time

_STARTED = time.perf_counter()  # before any heavy import: start-up time is measured from here

if __name__ == "__main__":
    import sys

    from workstation.app import main

    sys.exit(main(started=_STARTED))
