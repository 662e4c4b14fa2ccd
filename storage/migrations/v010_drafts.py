"""Unconfirmed /change and /broadcast drafts, so that their buttons still work after a restart.

One draft per person and flow; `tag` is what the flow's buttons carry (empty if they carry
none), `body` the draft itself as JSON, `awaiting` the text input the flow waits for, if any.
"""

STATEMENTS = [
    """
    CREATE TABLE draft (
        user_id INTEGER NOT NULL,
        flow TEXT NOT NULL,
        tag TEXT NOT NULL,
        body TEXT NOT NULL,
        awaiting TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (user_id, flow)
    )
    """,
    "CREATE INDEX draft_updated ON draft (updated_at)",
]
