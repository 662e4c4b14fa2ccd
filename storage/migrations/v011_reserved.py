"""Kept for another branch's migration 011: at the merge, this file gives way to it."""

STATEMENTS: list[str] = []
