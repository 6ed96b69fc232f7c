"""Fault tests: each starts and stops only its own processes, with bounded time."""
