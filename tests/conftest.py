from shared.testing import server, test_server, workers

__all__ = ["server", "test_server", "workers"]
