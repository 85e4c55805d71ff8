"""The portable suite under MicroPython: `make test-mp` (MicroPython has no test discovery).

The list is explicit, as in microdot's run_tests.py. Arguments name modules, classes or tests
to run instead (`test_cbor`, `test_cbor.TestDecode`, `test_cbor.TestDecode.test_limits`).
"""

import unittest

TEST_MODULES = [
    "test_compat",
    "test_cbor",
    "test_deflate",
    "test_noise_primitives",
    "test_noise_vectors",
    "test_coap_message",
    "test_coap_endpoint",
    "test_coap_blockwise",
    "test_coap_timing",
    "test_drivers_coap_async",
    "test_forward",
    "test_matrix_ids",
    "test_matrix_body",
    "test_matrix_request",
    "test_matrix_status",
    "test_matrix_session",
    "test_matrix_history",
    "test_matrix_maps",
    "test_matrix_vectors",
    "test_matrix_coap",
    "test_map_agree",
    "test_session_ccm",
    "test_session_codec",
    "test_session_keystore",
    "test_session_endpoint",
    "test_session_proof",
]

if __name__ == "__main__":
    unittest.main(TEST_MODULES)
