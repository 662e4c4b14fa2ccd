"""Fault injection: interceptors that see every request first, and scripted refusals."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.sandbox.wire import HttpRequest, UploadedFile

# The name calls and interceptors give a file download (GET /file/bot<token>/<file_path>).
DOWNLOAD = "download"


@dataclass
class ApiRequest:
    """One request as it arrived, before any check (what interceptors see).

    `method` is the Bot API method (the spec's spelling when it exists), or "download" for a
    file download, whose `raw_params` are {"file_path": ...}.
    """

    method: str
    raw_params: dict[str, Any]
    files: dict[str, UploadedFile]
    http: HttpRequest


@dataclass
class ApiReply:
    """An interceptor's answer instead of the emulator's: status and JSON, or a hang-up."""

    status: int
    payload: dict[str, Any]
    drop_connection: bool = False


Interceptor = Callable[[ApiRequest], Awaitable[ApiReply | None]]


@dataclass
class _Failure:
    method: str
    reply: ApiReply
    remaining: int


class Faults:
    """The interceptors, in order; the first reply one of them gives is what the bot gets."""

    def __init__(self) -> None:
        self._interceptors: list[Interceptor] = [self._inject_failures]
        self._failures: list[_Failure] = []

    def add_interceptor(self, interceptor: Interceptor) -> None:
        """Let `interceptor` see every request first; a reply it returns is what the bot gets."""
        self._interceptors.append(interceptor)

    def remove_interceptor(self, interceptor: Interceptor) -> None:
        """Stop passing calls to `interceptor`."""
        self._interceptors.remove(interceptor)

    def fail_next(
        self,
        method: str,
        status: int,
        description: str,
        retry_after: int | None = None,
        count: int = 1,
    ) -> None:
        """Refuse the next `count` calls of `method` with this status and description."""
        payload: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            payload["parameters"] = {"retry_after": retry_after}
        self._failures.append(_Failure(method.lower(), ApiReply(status, payload), count))

    async def reply_to(self, request: ApiRequest) -> ApiReply | None:
        """Return the first interceptor's reply to a request, or None to let it through."""
        for interceptor in list(self._interceptors):
            reply = await interceptor(request)
            if reply is not None:
                return reply
        return None

    async def _inject_failures(self, request: ApiRequest) -> ApiReply | None:
        for failure in self._failures:
            if failure.method == request.method.lower() and failure.remaining > 0:
                failure.remaining -= 1
                if failure.remaining == 0:
                    self._failures.remove(failure)
                return failure.reply
        return None
