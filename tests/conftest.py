from shared.harness.fixtures import server, test_server, workers

__all__ = ["server", "test_server", "workers"]
