"""Benchmarks of orgchange (not tests: nothing here asserts a time). See README.md."""
