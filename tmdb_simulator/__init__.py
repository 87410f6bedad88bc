"""A local TMDb API v3 simulator: same endpoints, envelopes, errors, paging and rate limits.

The pipeline never imports this package: tests, the demo and the benchmark start it as a
separate process (or thread) and point the client at it by base URL.
"""
