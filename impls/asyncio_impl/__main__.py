"""The asyncio worker: ``python -m impls.asyncio_impl --fd-in R --fd-out W [--loop uvloop]``."""

import sys

from impls.asyncio_impl import runner
from shared.harness.worker import serve

if "--loop" in sys.argv:
    runner.use_loop(sys.argv[sys.argv.index("--loop") + 1])
serve("asyncio")
