"""Run an ASGI app with uvicorn inside the bot's own event loop, started and stopped with it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

from bot.config import WebAddressError

log = logging.getLogger(__name__)

STOP_GRACE = 2
"""Seconds a stop gives the requests under way."""


class _InLoopServer(uvicorn.Server):
    """A uvicorn server that leaves the signals to the bot (it stops with the bot)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Install no signal handler: the bot's clean stop stops the server."""
        yield


def bind(host: str, port: int) -> socket.socket:
    """Open the listening socket, or raise WebAddressError naming the address and why."""
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise WebAddressError(f"web.listen: {where} is not an address here ({exc})") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise WebAddressError(f"web.listen: cannot listen on {where}: {exc.strerror}") from None
    sock.setblocking(False)
    return sock


class WebServer:
    """The web server of a running bot."""

    def __init__(self, app: ASGIApp, host: str, port: int) -> None:
        self._app = app
        self._host = host
        self._port = port
        self._server: _InLoopServer | None = None
        self._task: asyncio.Task[None] | None = None
        self.port = port
        """The port it listens on (the one the system chose when asked for 0)."""

    async def start(self) -> None:
        """Listen and serve in this event loop; raise WebAddressError if it cannot listen."""
        sock = bind(self._host, self._port)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app,
            log_config=None,  # the bot's own logging stays as it is
            access_log=False,  # the personal links are secrets: not in a log
            server_header=False,
            lifespan="off",
            timeout_graceful_shutdown=STOP_GRACE,
        )
        server = _InLoopServer(config)
        self._server = server
        self._task = asyncio.create_task(server.serve(sockets=[sock]), name="rencontre-web")
        while not server.started:
            if self._task.done():
                self._task.result()  # its error, if any
                raise WebAddressError(f"web.listen: the web server did not start on {sock}")
            await asyncio.sleep(0.01)
        log.info("web server listening on %s:%d", self._host, self.port)

    async def stop(self) -> None:
        """Stop serving; requests under way get a short grace."""
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        try:
            async with asyncio.timeout(STOP_GRACE * 2):
                await self._task
        except TimeoutError:
            self._task.cancel()
            log.warning("the web server did not stop in time: cut short")
        self._server = self._task = None
