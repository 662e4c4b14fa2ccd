"""The inbox: every update is written down before Telegram is told it arrived."""

STATEMENTS = [
    """
    CREATE TABLE inbox (
        update_id INTEGER PRIMARY KEY,
        body TEXT NOT NULL,
        received_at TEXT NOT NULL,
        done_at TEXT
    )
    """,
    "CREATE INDEX inbox_pending ON inbox (done_at, update_id)",
]
