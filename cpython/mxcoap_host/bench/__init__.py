"""coap-proxy-bench: bytes on the wire for recorded Matrix traffic (HAR), as HTTPS+JSON and as
mxcoap. See docs/benchmark.md."""
