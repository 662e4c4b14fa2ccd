"""A small HTTP/1.1 server on asyncio streams, and the request bodies the Bot API accepts.

Only what python-telegram-bot (httpx) needs: keep-alive, Content-Length or chunked request
bodies, one response per request. A request whose client hangs up while it is being answered
(a cancelled long poll) is cancelled too, so nothing waits for a reader that has gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from bot.sandbox.errors import ApiError, bad_request

logger = logging.getLogger(__name__)

MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart/form-data request."""

    filename: str
    content: bytes
    content_type: str

    def __repr__(self) -> str:
        return f"UploadedFile({self.filename!r}, {len(self.content)} bytes, {self.content_type!r})"


@dataclass
class HttpRequest:
    """One parsed HTTP request."""

    method: str
    target: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str, default: str = "") -> str:
        """Return a header value by case-insensitive name."""
        return self.headers.get(name.lower(), default)


@dataclass
class HttpResponse:
    """One HTTP response; `close` ends the connection after it, `drop` sends nothing at all."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    close: bool = False
    drop: bool = False
    extra_headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any) -> HttpResponse:
        """Build a JSON response."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        return cls(status, body)


Handler = Callable[[HttpRequest], Awaitable[HttpResponse]]


class _BadHttp(Exception):
    pass


class _Connection:
    """The read side of one client connection, with its own buffer."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader
        self.buffer = bytearray()

    async def _fill(self) -> bool:
        data = await self.reader.read(65536)
        if not data:
            return False
        self.buffer += data
        return True

    async def read_head(self) -> bytes | None:
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end >= 0:
                head = bytes(self.buffer[:end])
                del self.buffer[: end + 4]
                return head
            if len(self.buffer) > MAX_HEAD_BYTES:
                raise _BadHttp("request head too large")
            if not await self._fill():
                if self.buffer.strip():
                    raise _BadHttp("connection closed inside a request head")
                return None

    async def read_exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not await self._fill():
                raise _BadHttp("connection closed inside a request body")
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    async def read_line(self) -> bytes:
        while True:
            end = self.buffer.find(b"\r\n")
            if end >= 0:
                line = bytes(self.buffer[:end])
                del self.buffer[: end + 2]
                return line
            if len(self.buffer) > MAX_HEAD_BYTES:
                raise _BadHttp("line too long")
            if not await self._fill():
                raise _BadHttp("connection closed inside a chunked body")

    async def read_chunked(self) -> bytes:
        body = bytearray()
        while True:
            size_line = await self.read_line()
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError as exc:
                raise _BadHttp("bad chunk size") from exc
            if size == 0:
                while await self.read_line():  # trailers, up to the empty line
                    pass
                return bytes(body)
            body += await self.read_exactly(size)
            if len(body) > MAX_BODY_BYTES:
                raise _BadHttp("body too large")
            await self.read_exactly(2)

    async def wait_hang_up(self) -> None:
        """Return when the client closes its side; keep what it pipelines meanwhile."""
        while len(self.buffer) < MAX_BODY_BYTES:
            if not await self._fill():
                return
        await asyncio.Event().wait()  # a client this eager is not hanging up


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _BadHttp(f"bad request line {lines[0]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise _BadHttp(f"bad header line {line!r}")
        headers[name.strip().lower()] = value.strip()
    return parts[0].upper(), parts[1], parts[2], headers


class HttpServer:
    """Serve `handler` on host:port (port 0 picks a free one) until stop()."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1") -> None:
        self._handler = handler
        self._host = host
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def start(self, port: int = 0) -> None:
        """Listen on host:port."""
        self._server = await asyncio.start_server(self._serve, self._host, port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening, close every connection and wait for their tasks."""
        if self._server is None:
            return
        self._server.close()
        # A closed connection reads as a hang-up: requests in progress (long polls) end and
        # each connection task returns by itself.
        for writer in list(self._writers):
            writer.close()
        if self._tasks:
            _, stragglers = await asyncio.wait(list(self._tasks), timeout=2.0)
            for task in stragglers:
                task.cancel()
            if stragglers:
                await asyncio.wait(stragglers)
        await self._server.wait_closed()
        self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            await self._serve_requests(_Connection(reader), writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # This task belongs to the server and ends here: Python 3.11's start_server
            # reports a connection task that ends cancelled as an unhandled exception.
            pass
        except _BadHttp as exc:
            logger.warning("closing a connection after a malformed request: %s", exc)
            with contextlib.suppress(ConnectionError):
                await self._write(writer, HttpResponse.json(400, bad_request(str(exc)).payload()))
        finally:
            self._writers.discard(writer)
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _serve_requests(self, conn: _Connection, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await conn.read_head()
            if head is None:
                return
            method, target, version, headers = _parse_head(head)
            if headers.get("transfer-encoding", "").lower() == "chunked":
                body = await conn.read_chunked()
            else:
                try:
                    length = int(headers.get("content-length", "0"))
                except ValueError as exc:
                    raise _BadHttp("bad Content-Length") from exc
                if length < 0 or length > MAX_BODY_BYTES:
                    raise _BadHttp("bad Content-Length")
                body = await conn.read_exactly(length)
            split = urlsplit(target)
            request = HttpRequest(
                method=method,
                target=target,
                path=unquote(split.path),
                query=split.query,
                headers=headers,
                body=body,
            )
            response = await self._answer_unless_hung_up(conn, request)
            if response is None or response.drop:
                return
            connection = headers.get("connection", "").lower()
            persistent = version == "HTTP/1.1" or connection == "keep-alive"
            keep_alive = connection != "close" and persistent
            response.close = response.close or not keep_alive
            await self._write(writer, response)
            if response.close:
                return

    async def _answer_unless_hung_up(
        self, conn: _Connection, request: HttpRequest
    ) -> HttpResponse | None:
        answering = asyncio.ensure_future(self._handler(request))
        hang_up = asyncio.ensure_future(conn.wait_hang_up())
        try:
            await asyncio.wait({answering, hang_up}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not answering.done():
                answering.cancel()
            hang_up.cancel()
            await asyncio.gather(answering, hang_up, return_exceptions=True)
        if answering.cancelled():
            return None
        return answering.result()

    @staticmethod
    async def _write(writer: asyncio.StreamWriter, response: HttpResponse) -> None:
        try:
            phrase = HTTPStatus(response.status).phrase
        except ValueError:
            phrase = "Unknown"
        headers = {
            "Server": "rencontre-sandbox",
            "Content-Type": response.content_type,
            "Content-Length": str(len(response.body)),
            "Connection": "close" if response.close else "keep-alive",
            **response.extra_headers,
        }
        head = f"HTTP/1.1 {response.status} {phrase}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        writer.write(head.encode("latin-1") + b"\r\n" + response.body)
        await writer.drain()


def _content_type(value: str) -> tuple[str, dict[str, str]]:
    kind, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for item in rest.split(";"):
        name, sep, val = item.strip().partition("=")
        if sep:
            params[name.strip().lower()] = val.strip().strip('"')
    return kind.strip().lower(), params


def _disposition(value: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in value.split(";")[1:]:
        name, sep, val = item.strip().partition("=")
        if not sep:
            continue
        val = val.strip()
        if val.startswith('"') and val.endswith('"') and len(val) >= 2:
            val = val[1:-1].replace("%22", '"').replace("\\\\", "\\")
        params[name.strip().lower()] = val
    return params


def _parse_multipart(body: bytes, boundary: str) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    fields: dict[str, Any] = {}
    files: dict[str, UploadedFile] = {}
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 2:
        raise bad_request("can't parse multipart/form-data body")
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n").removesuffix(b"\r\n")
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise bad_request("can't parse multipart/form-data part")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        disposition = _disposition(headers.get("content-disposition", ""))
        if "name" not in disposition:
            continue
        name = disposition["name"]
        if "filename" in disposition:
            files[name] = UploadedFile(
                filename=disposition["filename"],
                content=content,
                content_type=headers.get("content-type", "application/octet-stream"),
            )
        else:
            fields[name] = content.decode("utf-8", "surrogateescape")
    return fields, files


def parse_parameters(request: HttpRequest) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Read a Bot API call's parameters from query string and body, and its uploaded files.

    Form values stay raw strings here; the spec check converts each to its declared type.
    """
    params: dict[str, Any] = dict(parse_qsl(request.query, keep_blank_values=True))
    files: dict[str, UploadedFile] = {}
    if not request.body:
        return params, files
    kind, options = _content_type(request.header("content-type"))
    if kind == "application/x-www-form-urlencoded":
        params.update(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
    elif kind == "application/json":
        try:
            decoded = json.loads(request.body)
        except ValueError as exc:
            raise bad_request("can't parse JSON body") from exc
        if not isinstance(decoded, dict):
            raise bad_request("JSON body must be an object")
        params.update(decoded)
    elif kind == "multipart/form-data":
        if "boundary" not in options:
            raise bad_request("multipart/form-data without boundary")
        fields, files = _parse_multipart(request.body, options["boundary"])
        params.update(fields)
    else:
        raise ApiError(400, f"Bad Request: unsupported Content-Type {kind!r}")
    return params, files
