"""Everything that is not a model: spec, test server, worker harness, report, CLI."""
