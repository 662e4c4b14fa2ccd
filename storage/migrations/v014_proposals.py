"""Sessions participants propose in chat (/propose), and what the organisers decided.

`starts_at` and `room` are the slot asked for (both NULL: the organisers choose); once
approved they are the slot given, and `item_id` names the programme item it became (kept
across re-imports of the programme file: bot/services/proposals.py adds it back).
"""

STATEMENTS = [
    """
    CREATE TABLE proposal (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL,
        title TEXT NOT NULL,
        description TEXT NOT NULL,
        minutes INTEGER NOT NULL,
        starts_at TEXT,
        room TEXT,
        capacity INTEGER,
        language TEXT,
        proposer_name TEXT NOT NULL,
        proposer_username TEXT,
        status TEXT NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'approved', 'declined')),
        reason TEXT,
        item_id TEXT UNIQUE,
        decided_by INTEGER,
        decided_at TEXT,
        created_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX proposal_by_user ON proposal (user_id, status)",
]
