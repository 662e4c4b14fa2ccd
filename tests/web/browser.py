"""A headless Chromium driven over WebDriver (the distribution's chromium and chromium-driver).

A few W3C WebDriver calls over HTTP are all the tests need: open a page, run a script, take a
screenshot. Chromium runs with a new empty profile and nothing that reaches the network.
"""

from __future__ import annotations

import asyncio
import base64
import shutil
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,720",
]
MISSING = "headless Chromium is not installed (apt-get install chromium chromium-driver)"


def chromium() -> tuple[str, str] | None:
    """Give the paths of chromium and chromedriver, or None when either is missing."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        return None
    real = Path("/usr/lib/chromium/chromium")  # Debian's /usr/bin/chromium is a shell wrapper
    return (str(real) if real.is_file() else browser), driver


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Browser:
    """One WebDriver session."""

    def __init__(self, client: httpx.AsyncClient, session: str) -> None:
        self._client = client
        self._session = session

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        answer = await self._client.request(method, f"/session/{self._session}{path}", json=body)
        data = answer.json()
        assert answer.status_code == 200, data
        return data["value"]

    async def go(self, url: str) -> None:
        """Open a page and wait for it to load."""
        await self._call("POST", "/url", {"url": url})

    async def run(self, script: str, *args: Any) -> Any:
        """Run a script's body in the page; give what it returns."""
        return await self._call("POST", "/execute/sync", {"script": script, "args": list(args)})

    async def text(self, css: str) -> str:
        """Give the text of the first element a CSS selector finds ('' if none)."""
        found = await self.run(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';", css
        )
        return str(found)

    async def wait_for(self, script: str, timeout: float = 30.0) -> Any:  # noqa: ASYNC109
        """Wait until a script returns something true; give it."""
        async with asyncio.timeout(timeout):
            # The page is polled: nothing in it can wake this loop
            while not (value := await self.run(script)):  # noqa: ASYNC110
                await asyncio.sleep(0.2)
        return value

    async def screenshot(self) -> bytes:
        """Give a PNG of the window."""
        return base64.b64decode(await self._call("GET", "/screenshot"))

    @classmethod
    @asynccontextmanager
    async def open(cls, profile: Path) -> AsyncIterator[Browser]:
        """Start chromedriver and a headless Chromium with an empty profile; stop both after."""
        paths = chromium()
        assert paths is not None, MISSING
        binary, driver = paths
        port = _free_port()
        process = await asyncio.create_subprocess_exec(
            driver,
            f"--port={port}",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                async with asyncio.timeout(30):
                    while True:
                        try:
                            if (await client.get("/status")).json()["value"]["ready"]:
                                break
                        except httpx.TransportError:
                            pass
                        await asyncio.sleep(0.1)
                options = {"binary": binary, "args": [*FLAGS, f"--user-data-dir={profile}"]}
                answer = await client.post(
                    "/session",
                    json={"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}},
                )
                assert answer.status_code == 200, answer.text
                session = answer.json()["value"]["sessionId"]
                try:
                    yield cls(client, session)
                finally:
                    await client.delete(f"/session/{session}")
        finally:
            if process.returncode is None:
                process.terminate()
                await process.wait()
