"""Host-side drivers (CPython, asyncio): UDP, HTTP, the proxy and its CLI."""
