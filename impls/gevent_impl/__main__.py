"""The gevent worker: ``python -m impls.gevent_impl --fd-in R --fd-out W [--no-patch]``."""

import sys
import warnings

with warnings.catch_warnings(record=True) as _patch_warnings:
    warnings.simplefilter("always")
    if "--no-patch" not in sys.argv:
        # Patch first, before anything imports socket, ssl or threading: a module imported
        # earlier keeps references to the blocking originals, and gevent warns about ssl.
        from gevent import monkey

        monkey.patch_all()

from shared.harness.worker import serve  # noqa: E402 - only after the patch

serve("gevent", startup_warnings=[f"{w.category.__name__}: {w.message}" for w in _patch_warnings])
