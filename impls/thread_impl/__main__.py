"""The thread worker: ``python -m impls.thread_impl --fd-in R --fd-out W``."""

from shared.harness.worker import serve

serve("thread")
