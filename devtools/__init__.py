"""Local tooling: the whole platform on one machine (make run, end-to-end tests, benchmarks)."""
