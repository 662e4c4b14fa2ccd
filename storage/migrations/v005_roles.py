"""Roles and changes: facilitators linked to items, invitations, the audit log."""

STATEMENTS = [
    """
    CREATE TABLE invite (
        token TEXT PRIMARY KEY,
        facilitator TEXT NOT NULL,
        created_by INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        used_by INTEGER,
        used_at TEXT,
        revoked INTEGER NOT NULL DEFAULT 0
    )
    """,
    "CREATE INDEX invite_facilitator ON invite (facilitator, revoked)",
    """
    CREATE TABLE facilitator_link (
        user_id INTEGER NOT NULL REFERENCES participant (user_id),
        facilitator TEXT NOT NULL,
        linked_at TEXT NOT NULL,
        PRIMARY KEY (user_id, facilitator)
    )
    """,
    """
    CREATE TABLE item_facilitator (
        item_id TEXT NOT NULL,
        user_id INTEGER NOT NULL REFERENCES participant (user_id),
        role TEXT NOT NULL CHECK (role IN ('added', 'removed')),
        by_user INTEGER NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (item_id, user_id)
    )
    """,
    """
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        user_id INTEGER NOT NULL,
        item_id TEXT,
        action TEXT NOT NULL,
        before TEXT,
        after TEXT
    )
    """,
]
