"""Benchmarks, run by hand (``.venv/bin/python bench/report.py``); see bench/README.md."""
