"""A placeholder for another helper's migration (issue 14): the coordinator drops it at merge.

Migrations must be numbered 1..N without gaps, and the children's migration is number 16.
"""

STATEMENTS: list[str] = []
