"""The emulator's HTTP face: every request goes through `ApiServer.answer`.

Interceptors first (fault injection), then the spec check, then the method; every answer is
recorded by the Observer.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.sandbox.errors import ApiError, not_found
from bot.sandbox.faults import DOWNLOAD, ApiRequest, Faults
from bot.sandbox.methods import BotApiMethods
from bot.sandbox.observer import Observer
from bot.sandbox.spec import ApiSpec, Mismatch
from bot.sandbox.state import World
from bot.sandbox.wire import HttpRequest, HttpResponse, parse_parameters

logger = logging.getLogger(__name__)


class ApiServer:
    """Route /bot<token>/<method> and /file/bot<token>/<path> to the methods and the files."""

    def __init__(
        self,
        token: str,
        world: World,
        spec: ApiSpec,
        methods: BotApiMethods,
        faults: Faults,
        observer: Observer,
    ) -> None:
        self.token = token
        self.world = world
        self.spec = spec
        self.methods = methods
        self.faults = faults
        self.observer = observer

    async def answer(self, request: HttpRequest) -> HttpResponse:
        """Answer one HTTP request: a Bot API call or a file download."""
        path = request.path
        if path.startswith("/file/bot"):
            token, _, file_path = path.removeprefix("/file/bot").partition("/")
            if token != self.token:
                return HttpResponse.json(404, not_found().payload())
            return await self._answer_download(file_path, request)
        if path.startswith("/bot"):
            token, _, method = path.removeprefix("/bot").partition("/")
            if token != self.token:
                return HttpResponse.json(401, ApiError(401, "Unauthorized").payload())
            return await self._answer_call(method, request)
        return HttpResponse.json(404, not_found().payload())

    async def _intercepted(self, arrived: ApiRequest) -> HttpResponse | None:
        reply = await self.faults.reply_to(arrived)
        if reply is None:
            return None
        params = {**arrived.raw_params, **arrived.files}
        self.observer.record(arrived.method, params, reply.status, reply.payload)
        response = HttpResponse.json(reply.status, reply.payload)
        response.drop = reply.drop_connection
        return response

    async def _answer_download(self, file_path: str, request: HttpRequest) -> HttpResponse:
        params = {"file_path": file_path}
        intercepted = await self._intercepted(ApiRequest(DOWNLOAD, params, {}, request))
        if intercepted is not None:
            return intercepted
        stored = self.world.files_by_path.get(file_path)
        if stored is None:
            self.observer.record(DOWNLOAD, params, 404, not_found().payload())
            return HttpResponse.json(404, not_found().payload())
        self.observer.record(
            DOWNLOAD, params, 200, {"ok": True, "result": {"size": len(stored.content)}}
        )
        return HttpResponse(200, stored.content, content_type=stored.mime_type)

    async def _answer_call(self, method: str, request: HttpRequest) -> HttpResponse:
        canonical = self.spec.method_name(method) if method else None
        name = canonical or method
        params: dict[str, Any] = {}
        try:
            raw, files = parse_parameters(request)
            params = {**raw, **files}
            intercepted = await self._intercepted(ApiRequest(name, raw, files, request))
            if intercepted is not None:
                return intercepted
            if canonical is None:
                raise not_found()
            params = self.spec.parse_params(canonical, raw, files)
            result = await self.methods.call(canonical, params)
            if self.methods.implements(canonical):
                self._check_result(canonical, result)
            status, payload = 200, {"ok": True, "result": result}
        except ApiError as exc:
            status, payload = exc.status, exc.payload()
        except Exception as exc:
            logger.exception("the emulator failed on %s(%s)", name, params)
            status = 500
            payload = {
                "ok": False,
                "error_code": 500,
                "description": f"Internal Server Error: emulator failure: {exc!r}",
            }
        except BaseException:
            self.observer.record(name, params, 499, {"ok": False, "description": "client hung up"})
            raise
        self.observer.record(name, params, status, payload)
        return HttpResponse.json(status, payload)

    def _check_result(self, method: str, result: Any) -> None:
        try:
            self.spec.check(result, self.spec.returns(method))
        except Mismatch as exc:
            raise RuntimeError(f"{method} would answer an invalid result: {exc}") from exc
