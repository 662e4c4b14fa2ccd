"""Cancelled items, kept beside the programme so that people can still see them as cancelled.

`cancelled_workshop` holds an item as it was when `/change` cancelled it (the columns of
`workshop`), and `people`, a JSON list of the user ids signed up or waiting then: their bookings
go with the item, and `/mine` still shows them the cancellation.
"""

STATEMENTS = [
    """
    CREATE TABLE cancelled_workshop (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL,
        starts_at TEXT NOT NULL,
        ends_at TEXT NOT NULL,
        room TEXT,
        capacity INTEGER,
        language TEXT,
        tags TEXT NOT NULL DEFAULT '[]',
        facilitators TEXT NOT NULL DEFAULT '[]',
        people TEXT NOT NULL DEFAULT '[]',
        cancelled_at TEXT NOT NULL
    )
    """,
]
