"""Refusals the emulator answers, worded as the real Bot API words them."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refused call: HTTP status, Telegram's description and optional response parameters."""

    def __init__(
        self,
        status: int,
        description: str,
        *,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """Return the JSON body Telegram sends with this refusal."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.description!r})"


def bad_request(reason: str) -> ApiError:
    """Build a 400 refusal ("Bad Request: <reason>")."""
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    """Build a 403 refusal ("Forbidden: <reason>")."""
    return ApiError(403, f"Forbidden: {reason}")


def not_found() -> ApiError:
    """Build the 404 Telegram answers for an unknown method or path."""
    return ApiError(404, "Not Found")


def too_many_requests(retry_after: int) -> ApiError:
    """Build a 429 flood-control refusal carrying retry_after."""
    return ApiError(
        429,
        f"Too Many Requests: retry after {retry_after}",
        parameters={"retry_after": retry_after},
    )


def conflict(reason: str) -> ApiError:
    """Build a 409 refusal ("Conflict: <reason>")."""
    return ApiError(409, f"Conflict: {reason}")


def upgraded(new_chat_id: int) -> ApiError:
    """Build the 400 for a group that became a supergroup, carrying its new id."""
    return ApiError(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        parameters={"migrate_to_chat_id": new_chat_id},
    )
