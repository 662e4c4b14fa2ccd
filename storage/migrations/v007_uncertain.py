"""An outbox message may end `uncertain`: it may have reached Telegram, and is not sent again.

SQLite cannot change a CHECK constraint in place: the table is rebuilt, rows and ids kept.
"""

STATEMENTS = [
    """
    CREATE TABLE outbox_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        chat_id INTEGER NOT NULL,
        params TEXT NOT NULL DEFAULT '{}',
        due_at TEXT NOT NULL,
        expires_at TEXT,
        urgent INTEGER NOT NULL DEFAULT 0,
        batch TEXT,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (
            status IN (
                'pending', 'sending', 'sent', 'failed', 'unreachable', 'dropped', 'cancelled',
                'uncertain'
            )
        ),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        message_id INTEGER,
        sent_at TEXT,
        created_at TEXT NOT NULL
    )
    """,
    """
    INSERT INTO outbox_new (
        id, key, kind, chat_id, params, due_at, expires_at, urgent, batch, status, attempts,
        last_error, message_id, sent_at, created_at
    )
    SELECT id, key, kind, chat_id, params, due_at, expires_at, urgent, batch, status, attempts,
        last_error, message_id, sent_at, created_at
    FROM outbox
    """,
    "DROP TABLE outbox",
    "ALTER TABLE outbox_new RENAME TO outbox",
    "CREATE INDEX outbox_due ON outbox (status, due_at)",
    "CREATE INDEX outbox_batch ON outbox (batch, status)",
    "CREATE INDEX outbox_kind ON outbox (kind, status)",
]
