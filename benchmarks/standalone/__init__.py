"""What ``benchmarks/standalone_switching.py`` runs in fresh processes, one module per model.

Nothing may be imported here: ``python -m benchmarks.standalone.switching_gevent`` imports
this package before that module gets the chance to patch.
"""
