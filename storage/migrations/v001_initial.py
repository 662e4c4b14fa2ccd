"""People and the programme."""

STATEMENTS = [
    """
    CREATE TABLE participant (
        user_id INTEGER PRIMARY KEY,
        first_name TEXT NOT NULL,
        last_name TEXT,
        username TEXT,
        language TEXT NOT NULL,
        language_chosen INTEGER NOT NULL DEFAULT 0,
        organisation TEXT,
        registered_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX participant_username ON participant (lower(username))",
    """
    CREATE TABLE room (
        name TEXT PRIMARY KEY,
        description TEXT NOT NULL DEFAULT ''
    )
    """,
    """
    CREATE TABLE workshop (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL,
        starts_at TEXT NOT NULL,
        ends_at TEXT NOT NULL,
        room TEXT,
        capacity INTEGER CHECK (capacity IS NULL OR capacity >= 0),
        language TEXT,
        tags TEXT NOT NULL DEFAULT '[]',
        facilitators TEXT NOT NULL DEFAULT '[]'
    )
    """,
    "CREATE INDEX workshop_starts_at ON workshop (starts_at)",
    """
    CREATE TABLE rota_slot (
        id TEXT PRIMARY KEY,
        area TEXT NOT NULL,
        starts_at TEXT NOT NULL,
        ends_at TEXT NOT NULL,
        places INTEGER NOT NULL CHECK (places >= 0),
        description TEXT NOT NULL DEFAULT ''
    )
    """,
    """
    CREATE TABLE programme_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )
    """,
]
