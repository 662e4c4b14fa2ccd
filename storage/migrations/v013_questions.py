"""Questions to the organisers (/ask): each question, and the copies relayed to organisers.

`question.request` names the update it came from: the same update replayed after a crash
stores (and relays) nothing more. A question is answered once: `answer` and `answered_by`
are set together, by the first answer only. `question_relay` lists the copies sent to the
organisers, each through the outbox under `outbox_key`; the outbox row holds the copy's
message id once it is sent (what an organiser's Telegram reply points at).
"""

STATEMENTS = [
    """
    CREATE TABLE question (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL,
        first_name TEXT NOT NULL,
        last_name TEXT,
        username TEXT,
        text TEXT NOT NULL,
        request TEXT NOT NULL UNIQUE,
        asked_at TEXT NOT NULL,
        answer TEXT,
        answered_by INTEGER,
        answered_by_name TEXT,
        answered_at TEXT
    )
    """,
    "CREATE INDEX question_asker ON question (user_id, asked_at)",
    """
    CREATE TABLE question_relay (
        question_id INTEGER NOT NULL REFERENCES question (id),
        chat_id INTEGER NOT NULL,
        outbox_key TEXT NOT NULL UNIQUE,
        PRIMARY KEY (question_id, chat_id)
    )
    """,
    "CREATE INDEX question_relay_chat ON question_relay (chat_id)",
]
