"""Favourites (items a person wants to be reminded of) and feedback for facilitators.

`favourite` holds one row per person and item they starred; it never takes a place.
`feedback` holds one answer per person and item (score 1 good, 2 so-so, 3 not good) and an
optional comment; the primary key is what makes a second answer impossible.
`person_settings.feedback` turns the question after an item off.
"""

STATEMENTS = [
    """
    CREATE TABLE favourite (
        user_id INTEGER NOT NULL REFERENCES participant (user_id),
        item_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (user_id, item_id)
    )
    """,
    "CREATE INDEX favourite_item ON favourite (item_id)",
    """
    CREATE TABLE feedback (
        user_id INTEGER NOT NULL REFERENCES participant (user_id),
        item_id TEXT NOT NULL,
        score INTEGER NOT NULL CHECK (score IN (1, 2, 3)),
        comment TEXT,
        answered_at TEXT NOT NULL,
        PRIMARY KEY (user_id, item_id)
    )
    """,
    "CREATE INDEX feedback_item ON feedback (item_id)",
    "ALTER TABLE person_settings ADD COLUMN feedback INTEGER NOT NULL DEFAULT 1",
]
