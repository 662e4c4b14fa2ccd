"""Organisers' broadcasts (one row each, its messages in the outbox) and the group's notices."""

STATEMENTS = [
    """
    CREATE TABLE broadcast (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        by_user INTEGER NOT NULL,
        text TEXT NOT NULL,
        audience TEXT NOT NULL,
        language TEXT NOT NULL,
        recipients INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'done')),
        progress_chat INTEGER,
        progress_message INTEGER,
        finished_at TEXT
    )
    """,
    "CREATE INDEX broadcast_status ON broadcast (status)",
    """
    CREATE TABLE notice (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        by_user INTEGER NOT NULL,
        text TEXT NOT NULL,
        chat_id INTEGER NOT NULL,
        created_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX notice_created ON notice (created_at)",
]
