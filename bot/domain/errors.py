"""Typed errors that carry a message key; one error handler renders them."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal the person should read: `key` names a message in bot/locales."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, {self.params!r})"


class ProgrammeFileError(DomainError):
    """A programme file that cannot be imported; nothing of it is kept.

    `key` names a message under `import.` in bot/locales, `location` says where
    (for example "line 12", "row 5", "<event guid=...>").
    """

    def __init__(self, key: str, location: str, **params: Any) -> None:
        super().__init__(key, location=location, **params)
        self.location = location
