"""Benchmarks of Attest against its peers (not tests: figures go to the README)."""
