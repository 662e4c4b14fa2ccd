"""The web pages, as a Starlette app on the bot's services. Nothing personal is shown without
the person's own secret link, and every string goes through the templates' escaping."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.domain.errors import DomainError
from bot.domain.models import Programme
from bot.i18n import LANGUAGES
from bot.views.calendar import ics
from bot.views.common import Renderer
from bot.views.programme_page import day_content
from bot.views.screen import board_content

if TYPE_CHECKING:
    from bot.context import Services

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
ICS_TYPE = "text/calendar; charset=utf-8"
NO_STORE = {"Cache-Control": "no-store"}
SCREEN_POLL_MS = 3000
"""How often the screen asks for news (it keeps asking while the bot restarts)."""


class PageError(Exception):
    """A request the pages refuse: an HTTP status and a message key of web.toml."""

    def __init__(self, status: int, key: str, **params: object) -> None:
        super().__init__(key)
        self.status, self.key, self.params = status, key, params


def make_app(services: Services) -> Starlette:
    """Build the web app on the bot's services."""
    templates = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    config = services.config

    def language(request: Request) -> str:
        lang = request.query_params.get("lang")
        if lang is None:
            return config.event.default_language
        if lang not in LANGUAGES:
            raise PageError(400, "web.bad_lang", lang=lang[:20])
        return lang

    def renderer(lang: str) -> Renderer:
        return Renderer(services.t, lang, config.event.tz, services.clock.now())

    def page(name: str, status: int = 200, **values: Any) -> HTMLResponse:
        html = templates.get_template(name).render(**values)
        return HTMLResponse(html, status_code=status, headers=NO_STORE)

    async def healthz(request: Request) -> Response:
        try:
            health = await services.status.health()
        except (sqlite3.Error, ValueError) as exc:
            log.warning("healthz: the database cannot be read: %s", exc)
            return JSONResponse({"ok": False, "error": "database unreadable"}, status_code=503)
        return JSONResponse(
            {"ok": True, "version": health.version, "outbox_backlog": health.backlog},
            headers=NO_STORE,
        )

    async def screen(request: Request) -> Response:
        r = renderer(language(request))
        content = board_content(await services.screen.board(), r)
        return page("screen.html", board=content, poll_ms=SCREEN_POLL_MS)

    async def screen_json(request: Request) -> Response:
        r = renderer(language(request))
        return JSONResponse(board_content(await services.screen.board(), r), headers=NO_STORE)

    async def programme(request: Request) -> Response:
        r = renderer(language(request))
        try:
            day = await services.programme_page.day(
                request.query_params.get("day"), request.query_params.get("room")
            )
        except DomainError as exc:
            raise PageError(404, exc.key, **exc.params) from None
        return page("programme.html", page=day_content(day, r))

    # The week's file, made once per language and version of the programme: writing 1,000
    # events takes about half a second, in a thread so that the bot goes on answering
    week_files: dict[str, tuple[Programme, bytes]] = {}

    async def programme_ics(request: Request) -> Response:
        r = renderer(language(request))
        current = await services.programme.current()  # first: a change meanwhile shows next time
        events = await services.calendar.programme()
        made = week_files.get(r.lang)
        if made is None or made[0] is not current:
            name = r("calendar.programme_calname", event=config.event.name)
            now = services.clock.now()
            body = await asyncio.to_thread(
                ics, events, name=name, tz=config.event.tz, now=now, say=r
            )
            made = week_files[r.lang] = (current, body)
        return Response(made[1], media_type=ICS_TYPE, headers=NO_STORE)

    async def personal_calendar(request: Request) -> Response:
        name = request.path_params["name"]
        token = name.removesuffix(".ics") if name.endswith(".ics") else ""
        user_id = await services.calendar.owner(token)
        if user_id is None:
            # The same answer for a token of the wrong shape and an unknown one
            raise PageError(404, "web.calendar_not_found")
        person = await services.people.get(user_id)
        lang = await services.people.language(user_id, None)
        r = renderer(lang)
        events = await services.calendar.person(user_id, person.username if person else None)
        title = r("calendar.calname", event=config.event.name)
        body = ics(events, name=title, tz=config.event.tz, now=services.clock.now(), say=r)
        return Response(body, media_type=ICS_TYPE, headers=NO_STORE)

    def error_page(request: Request, status: int, key: str, params: dict[str, object]) -> Response:
        lang = request.query_params.get("lang")
        r = renderer(lang if lang in LANGUAGES else config.event.default_language)
        title = r("web.not_found_title") if status == 404 else r("web.bad_request_title")
        return page("error.html", status, lang=r.lang, title=title, message=r(key, **params))

    async def on_page_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageError)
        return error_page(request, exc.status, exc.key, exc.params)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            return error_page(request, 404, "web.not_found", {})
        return Response(exc.detail, status_code=exc.status_code, headers=exc.headers)

    routes = [
        Route("/healthz", healthz),
        Route("/screen", screen),
        Route("/screen.json", screen_json),
        Route("/programme", programme),
        Route("/programme.ics", programme_ics),
        Route("/calendar/{name}", personal_calendar),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    return Starlette(
        routes=routes,
        exception_handlers={PageError: on_page_error, HTTPException: on_http_error},
    )
