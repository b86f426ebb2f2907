"""The asyncio model: coroutines as tasks on one event loop (asyncio's own, or uvloop)."""
