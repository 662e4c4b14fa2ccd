"""The kids' club: children registered by a parent, and bookings made for a child.

`child` holds each child a parent registers (first name, age 0-17). A booking made for a child
keeps the parent in `user_id` (the person the bot talks to, a participant) and the child in
`child_id`; the table is rebuilt for that column, and its uniqueness becomes one place per adult
(`child_id` empty) or per child per target. `workshop` gains the ages an item is for.
"""

STATEMENTS = [
    """
    CREATE TABLE child (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        parent_id INTEGER NOT NULL REFERENCES participant (user_id),
        first_name TEXT NOT NULL CHECK (length(first_name) BETWEEN 1 AND 40),
        age INTEGER NOT NULL CHECK (age BETWEEN 0 AND 17),
        created_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX child_parent ON child (parent_id)",
    "ALTER TABLE workshop ADD COLUMN min_age INTEGER",
    "ALTER TABLE workshop ADD COLUMN max_age INTEGER",
    # A cancelled item is kept with the columns of `workshop` (migration 12)
    "ALTER TABLE cancelled_workshop ADD COLUMN min_age INTEGER",
    "ALTER TABLE cancelled_workshop ADD COLUMN max_age INTEGER",
    """
    CREATE TABLE booking_new (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('workshop', 'rota')),
        target_id TEXT NOT NULL,
        user_id INTEGER NOT NULL REFERENCES participant (user_id),
        child_id INTEGER REFERENCES child (id),
        status TEXT NOT NULL CHECK (status IN ('in', 'waiting')),
        created_at TEXT NOT NULL
    )
    """,
    """
    INSERT INTO booking_new (seq, kind, target_id, user_id, status, created_at)
    SELECT seq, kind, target_id, user_id, status, created_at FROM booking ORDER BY seq
    """,
    "DROP TABLE booking",
    "ALTER TABLE booking_new RENAME TO booking",
    """
    CREATE UNIQUE INDEX booking_adult ON booking (kind, target_id, user_id)
    WHERE child_id IS NULL
    """,
    """
    CREATE UNIQUE INDEX booking_child ON booking (kind, target_id, child_id)
    WHERE child_id IS NOT NULL
    """,
    "CREATE INDEX booking_target ON booking (kind, target_id, status, seq)",
    "CREATE INDEX booking_user ON booking (user_id)",
    "CREATE INDEX booking_of_child ON booking (child_id) WHERE child_id IS NOT NULL",
]
