"""Stands for migration 12, which another branch of issue 14 adds: delete this file at merge.

Branch h14p was given number 13 for its own migration (v013_proposals.py); migrations must be
numbered without gaps, so this empty one keeps the branch working on its own.
"""

STATEMENTS: list[str] = []
