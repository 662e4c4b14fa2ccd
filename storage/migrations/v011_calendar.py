"""Calendars: each person's secret link, and what the calendars have said of each item.

`calendar_token` holds one 128-bit token a person (hex; /calendar reset replaces it).
`calendar_item` keeps, for every item a calendar has shown, its last state (`fingerprint`,
`snapshot` as JSON) and its SEQUENCE, raised each time the state changes (a /change, a
re-import, a cancellation: `cancelled` set when the item left the programme).
`calendar_served` remembers which items a person's calendar has shown, so that an item
cancelled since still reaches their calendar, marked cancelled.
"""

STATEMENTS = [
    """
    CREATE TABLE calendar_token (
        user_id INTEGER PRIMARY KEY,
        token TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE calendar_item (
        uid TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        snapshot TEXT NOT NULL,
        sequence INTEGER NOT NULL DEFAULT 0,
        cancelled INTEGER NOT NULL DEFAULT 0
    )
    """,
    """
    CREATE TABLE calendar_served (
        user_id INTEGER NOT NULL,
        uid TEXT NOT NULL,
        PRIMARY KEY (user_id, uid)
    )
    """,
]
