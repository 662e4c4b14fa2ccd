"""Bot API calls with a JSON body, where python-telegram-bot sends a form.

python-telegram-bot's HTTPXRequest posts every call as application/x-www-form-urlencoded:
httpx quotes the body byte by byte in Python. For `/next` on 3,000 items (480 characters of
HTML, 15 buttons) that took 366 µs a call against 120 µs for the same parameters as JSON, and
for `/today` (3,200 characters) 521 against 159 µs (timeit, issue 13, eleventh session), on
the event loop before every answer. Telegram takes a JSON body for every call without files
("application/json (except for uploading files)", Bot API, Making requests); calls with files
go as python-telegram-bot sends them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

if TYPE_CHECKING:
    # The type BaseRequest.do_request declares its timeouts with (not exported by the package)
    from telegram._utils.types import ODVInput

_HEADERS = {
    "User-Agent": BaseRequest.USER_AGENT,
    "Content-Type": "application/json; charset=utf-8",
}


class JsonRequest(HTTPXRequest):
    """python-telegram-bot's HTTPXRequest (connections, timeouts, files), with JSON bodies."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Make a call: its parameters as a JSON body, or as a form when it carries files."""
        if request_data is None or request_data.contains_files:
            return await super().do_request(
                url,
                method,
                request_data,
                read_timeout,
                write_timeout,
                connect_timeout,
                pool_timeout,
            )
        # HTTPXRequest's client (python-telegram-bot 22, pinned below 23 in pyproject.toml)
        client = self._client
        if client.is_closed:
            raise RuntimeError("This JsonRequest is not initialized!")
        given = client.timeout
        timeout = httpx.Timeout(
            connect=_or(connect_timeout, given.connect),
            read=_or(read_timeout, given.read),
            write=_or(write_timeout, given.write),
            pool=_or(pool_timeout, given.pool),
        )
        # The parameters as they are (nested objects too), as python-telegram-bot's
        # RequestData.json_payload documents for a JSON body
        body = json.dumps(request_data.parameters, ensure_ascii=False, separators=(",", ":"))
        try:
            response = await client.request(
                method, url, content=body.encode(), headers=_HEADERS, timeout=timeout
            )
        except httpx.PoolTimeout as exc:
            raise TimedOut(
                "Pool timeout: all connections in the pool are busy; the call was not sent"
            ) from exc
        except httpx.TimeoutException as exc:
            raise TimedOut from exc
        except httpx.HTTPError as exc:
            raise NetworkError(f"httpx.{type(exc).__name__}: {exc}") from exc
        return response.status_code, response.content


def _or(value: ODVInput[float], default: float | None) -> float | None:
    """Give a timeout passed to the call (seconds, or None: no limit), or the request's own
    when the call left it to its default (python-telegram-bot's DefaultValue)."""
    return value if value is None or isinstance(value, (int, float)) else default
