"""Benchmarks: each runs the real bot and a bare echo bot on the emulator, and prints ratios."""
