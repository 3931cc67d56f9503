"""The benchmark: `make bench` (python -m bench.run) → docs/benchmarks.md."""
