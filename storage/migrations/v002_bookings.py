"""Sign-ups, waiting lists and rota slots held, in one table; rota offers."""

STATEMENTS = [
    """
    CREATE TABLE booking (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('workshop', 'rota')),
        target_id TEXT NOT NULL,
        user_id INTEGER NOT NULL REFERENCES participant (user_id),
        status TEXT NOT NULL CHECK (status IN ('in', 'waiting')),
        created_at TEXT NOT NULL,
        UNIQUE (kind, target_id, user_id)
    )
    """,
    "CREATE INDEX booking_target ON booking (kind, target_id, status, seq)",
    "CREATE INDEX booking_user ON booking (user_id)",
    """
    CREATE TABLE rota_offer (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        slot_id TEXT NOT NULL,
        user_id INTEGER NOT NULL REFERENCES participant (user_id),
        status TEXT NOT NULL CHECK (status IN ('open', 'taken', 'withdrawn')),
        created_at TEXT NOT NULL,
        taken_by INTEGER REFERENCES participant (user_id),
        taken_at TEXT,
        chat_id INTEGER,
        message_id INTEGER
    )
    """,
    "CREATE INDEX rota_offer_open ON rota_offer (status, slot_id)",
]
