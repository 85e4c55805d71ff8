"""asyncio-level glue shared by the host (cpython/mxcoap_host) and edge (micropython/mxcoap_edge)
drivers. The core stays free of asyncio; this package is the drivers' common half."""
