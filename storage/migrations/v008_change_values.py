"""The log keeps each change's value, so that a re-import can make the change again."""

STATEMENTS = [
    "ALTER TABLE audit_log ADD COLUMN value TEXT",
]
