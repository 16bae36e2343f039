"""Benchmarks, run by hand: see README.md. Not collected by tests or CI."""
