"""The gevent model: greenlets on gevent's hub, with the standard library monkey-patched.

Nothing may be imported here: ``python -m impls.gevent_impl`` imports this package before
its ``__main__`` gets the chance to patch.
"""
