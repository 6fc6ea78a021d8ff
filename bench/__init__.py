"""Benchmarks at scale: seed a private database, measure the product side by side, write results.json."""
