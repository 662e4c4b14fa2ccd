"""The outbox (every message the bot sends on its own), personal settings, the live board."""

STATEMENTS = [
    """
    CREATE TABLE outbox (
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
                'pending', 'sending', 'sent', 'failed', 'unreachable', 'dropped', 'cancelled'
            )
        ),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        message_id INTEGER,
        sent_at TEXT,
        created_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX outbox_due ON outbox (status, due_at)",
    "CREATE INDEX outbox_batch ON outbox (batch, status)",
    "CREATE INDEX outbox_kind ON outbox (kind, status)",
    """
    CREATE TABLE person_settings (
        user_id INTEGER PRIMARY KEY REFERENCES participant (user_id),
        digest INTEGER NOT NULL DEFAULT 1,
        reminders INTEGER NOT NULL DEFAULT 1
    )
    """,
    """
    CREATE TABLE board (
        chat_id INTEGER PRIMARY KEY,
        message_id INTEGER NOT NULL
    )
    """,
    "ALTER TABLE participant ADD COLUMN unreachable INTEGER NOT NULL DEFAULT 0",
]
