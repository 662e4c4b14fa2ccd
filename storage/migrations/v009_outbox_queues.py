"""The sender reads the queue a few rows at a time, for groups and for people apart.

Partial indexes in the order of `storage.outbox.due` (urgent or not, then due time, then id),
one for messages to groups and one for messages to people, each holding only what is pending.
"""

STATEMENTS = [
    "CREATE INDEX outbox_due_groups ON outbox (urgent, due_at, id) "
    "WHERE status = 'pending' AND chat_id < 0",
    "CREATE INDEX outbox_due_people ON outbox (urgent, due_at, id) "
    "WHERE status = 'pending' AND chat_id > 0",
]
