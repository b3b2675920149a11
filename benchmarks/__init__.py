"""Benchmarks of the web app; run them with `python -m benchmarks.<name>` from the project root."""
