"""A local Telegram Bot API: the real python-telegram-bot talks to it over HTTP.

    async with BotApiEmulator() as emu:
        emu.add_user(42, "Alice")
        app = ApplicationBuilder().token(emu.token).base_url(emu.base_url)
              .base_file_url(emu.base_file_url).build()
        ...
        mark = emu.mark(42)
        await emu.send_text(42, "/start")
        [reply] = await emu.wait_for_messages(42, after=mark)

Every call goes through `_answer_call`: interceptors first (fault injection), then the spec
check, then the method. Waiting helpers are woken by state changes, never by polling.

Where it knowingly differs from Telegram: Markdown and MarkdownV2 texts are accepted but not
parsed; a bare `&` in HTML text is refused (Telegram keeps it); the bot sees every message
of a group it is in (as an administrator does, which it is unless a test says otherwise);
restricted members are not modelled; methods it does not model answer `true`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from bot.sandbox.errors import ApiError, not_found
from bot.sandbox.flood import FloodControl
from bot.sandbox.formatting import detect_entities
from bot.sandbox.methods import BotApiMethods, bot_member, scope_key
from bot.sandbox.records import Call, SentMessage
from bot.sandbox.spec import ApiSpec, Mismatch, default_spec_path, load_spec
from bot.sandbox.state import (
    ADMIN_RIGHTS,
    DEFAULT_ADMIN_RIGHTS,
    DEFAULT_PERMISSIONS,
    SUPERGROUP_ID_LIMIT,
    GroupRecord,
    World,
)
from bot.sandbox.wire import HttpRequest, HttpResponse, HttpServer, UploadedFile, parse_parameters

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"(\d+):[A-Za-z0-9_-]+")
# The name calls and interceptors give a file download (GET /file/bot<token>/<file_path>).
DOWNLOAD = "download"


class EmulatorTimeout(AssertionError):
    """A test waited for something the bot did not do in time."""


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


class BotApiEmulator:
    """A fake Telegram Bot API server on 127.0.0.1, checked against the Bot API spec."""

    def __init__(
        self,
        spec_path: str | Path | None = None,
        token: str = "123456:TEST-token",
        bot_username: str = "rencontre_test_bot",
        flood_control: bool = True,
        *,
        bot_first_name: str = "Rencontre",
        now: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        host: str = "127.0.0.1",
    ) -> None:
        match = _TOKEN.fullmatch(token)
        if match is None:
            raise ValueError(f"not a bot token: {token!r} (expected '<digits>:<letters>')")
        self.token = token
        self.bot_id = int(match.group(1))
        self.bot_username = bot_username
        self.spec: ApiSpec = load_spec(Path(spec_path) if spec_path else default_spec_path())
        bot_user = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.world = World(bot_user, now)
        self.flood = FloodControl(monotonic, enabled=flood_control)
        self.methods = BotApiMethods(self.world, self.spec, self.flood)
        self._host = host
        self._server = HttpServer(self._answer_http, host)
        self._started = False
        self._calls: list[Call] = []
        self._interceptors: list[Interceptor] = [self._inject_failures]
        self._failures: list[_Failure] = []

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        if self._started:
            raise RuntimeError("the emulator is already started")
        self.world.closing = False
        await self._server.start(0)
        self._started = True
        logger.info("Bot API emulator listening on %s", self.base_url)

    async def stop(self) -> None:
        """End long polls, close every connection and stop listening."""
        if not self._started:
            return
        self.world.closing = True
        self.world.changes.notify()
        await self._server.stop()
        self._started = False

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """Return the port it listens on."""
        if not self._started:
            raise RuntimeError("the emulator is not started")
        return self._server.port

    @property
    def base_url(self) -> str:
        """Return the URL to give ApplicationBuilder().base_url() (the token is appended)."""
        return f"http://{self._host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Return the URL to give ApplicationBuilder().base_file_url()."""
        return f"http://{self._host}:{self.port}/file/bot"

    @property
    def flood_control(self) -> bool:
        """Say whether flood control refuses messages over Telegram's limits."""
        return self.flood.enabled

    @flood_control.setter
    def flood_control(self, enabled: bool) -> None:
        self.flood.enabled = enabled

    # --- the one place every request goes through ---------------------------------------

    async def _answer_http(self, request: HttpRequest) -> HttpResponse:
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
        for interceptor in list(self._interceptors):
            reply = await interceptor(arrived)
            if reply is not None:
                params = {**arrived.raw_params, **arrived.files}
                self._record(arrived.method, params, reply.status, reply.payload)
                response = HttpResponse.json(reply.status, reply.payload)
                response.drop = reply.drop_connection
                return response
        return None

    async def _answer_download(self, file_path: str, request: HttpRequest) -> HttpResponse:
        params = {"file_path": file_path}
        intercepted = await self._intercepted(ApiRequest(DOWNLOAD, params, {}, request))
        if intercepted is not None:
            return intercepted
        stored = self.world.files_by_path.get(file_path)
        if stored is None:
            self._record(DOWNLOAD, params, 404, not_found().payload())
            return HttpResponse.json(404, not_found().payload())
        self._record(DOWNLOAD, params, 200, {"ok": True, "result": {"size": len(stored.content)}})
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
            self._record(name, params, 499, {"ok": False, "description": "client hung up"})
            raise
        self._record(name, params, status, payload)
        return HttpResponse.json(status, payload)

    def _check_result(self, method: str, result: Any) -> None:
        try:
            self.spec.check(result, self.spec.returns(method))
        except Mismatch as exc:
            raise RuntimeError(f"{method} would answer an invalid result: {exc}") from exc

    def _record(self, method: str, params: dict[str, Any], status: int, payload: Any) -> None:
        self._calls.append(Call(method, params, status, payload))
        if status != 200:
            logger.info("%s -> %s %s", method, status, payload.get("description"))
        self.world.changes.notify()

    # --- fault injection ----------------------------------------------------------------

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

    async def _inject_failures(self, request: ApiRequest) -> ApiReply | None:
        for failure in self._failures:
            if failure.method == request.method.lower() and failure.remaining > 0:
                failure.remaining -= 1
                if failure.remaining == 0:
                    self._failures.remove(failure)
                return failure.reply
        return None

    # --- people and groups --------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "fr",
    ) -> dict[str, Any]:
        """Create a person; they must write to the bot before it may write to them."""
        if user_id <= 0:
            raise ValueError(f"a user id is positive, not {user_id}")
        if user_id in self.world.users or user_id == self.bot_id:
            raise ValueError(f"user {user_id} already exists")
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name is not None:
            user["last_name"] = last_name
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        self.world.add_user(user)
        return dict(user)

    def add_group(
        self,
        chat_id: int,
        title: str,
        *,
        members: Iterable[int] = (),
        admins: Iterable[int] = (),
        bot: str = "administrator",
    ) -> dict[str, Any]:
        """Create a group (a supergroup for ids from -100...); return its Chat.

        The bot is in it as `bot` says: "administrator" (every right but promoting others),
        "member", or "left" (then `add_bot_to_group` brings it in, as a person would).
        """
        if bot not in ("administrator", "member", "left", "kicked"):
            raise ValueError(f"the bot's status in a group cannot be {bot!r}")
        if chat_id >= 0:
            raise ValueError(f"a group id is negative, not {chat_id}")
        if chat_id in self.world.groups:
            raise ValueError(f"group {chat_id} already exists")
        people = set(members) | set(admins)
        for user_id in people:
            self._user(user_id)
        self.world.add_group(chat_id, title, people, set(admins), bot)
        chat = self.world.chat(chat_id)
        assert chat is not None
        return chat

    def add_bot_to_group(self, chat_id: int, by: int) -> None:
        """Have a person add the bot to a group, as a plain member (a my_chat_member update)."""
        group = self._group(chat_id)
        if group.bot_inside:
            raise ValueError(f"the bot is already in group {chat_id}")
        old = self._bot_member(group)
        group.bot, group.bot_rights = "member", frozenset()
        self._push_bot_change(chat_id, by, old)

    def promote_bot(self, chat_id: int, by: int, *, rights: Iterable[str] | None = None) -> None:
        """Have a person make the bot an administrator (default rights unless `rights`)."""
        group = self._group(chat_id)
        if not group.bot_inside:
            raise ValueError(f"the bot is not in group {chat_id}: add_bot_to_group first")
        chosen = DEFAULT_ADMIN_RIGHTS if rights is None else frozenset(rights)
        unknown = chosen - set(ADMIN_RIGHTS)
        if unknown:
            raise ValueError(f"not administrator rights: {sorted(unknown)}")
        old = self._bot_member(group)
        group.bot, group.bot_rights = "administrator", chosen
        self._push_bot_change(chat_id, by, old)

    def demote_bot(self, chat_id: int, by: int) -> None:
        """Have a person take the bot's administrator rights away (it stays a member)."""
        group = self._group(chat_id)
        if group.bot != "administrator":
            raise ValueError(f"the bot is not an administrator of group {chat_id}")
        old = self._bot_member(group)
        group.bot, group.bot_rights = "member", frozenset()
        self._push_bot_change(chat_id, by, old)

    def remove_bot(self, chat_id: int, by: int) -> None:
        """Have a person remove the bot from a group."""
        group = self._group(chat_id)
        if not group.bot_inside:
            raise ValueError(f"the bot is not in group {chat_id}")
        old = self._bot_member(group)
        group.bot, group.bot_rights = "kicked", frozenset()
        self._push_bot_change(chat_id, by, old)

    def upgrade_group(self, chat_id: int, new_id: int, by: int) -> None:
        """Have a group become a supergroup, as Telegram does: a new chat id, the old one refused.

        The bot gets a message with migrate_to_chat_id in the group and one with
        migrate_from_chat_id in the supergroup; calls naming the group are refused with
        migrate_to_chat_id in their parameters.
        """
        group = self._group(chat_id)
        if group.chat["type"] != "group" or group.migrated_to is not None:
            raise ValueError(f"{chat_id} is not a group that can become a supergroup")
        if new_id > SUPERGROUP_ID_LIMIT or new_id in self.world.groups:
            raise ValueError(f"{new_id} cannot be the new supergroup's id (-100... and unused)")
        self.world.add_group(
            new_id, group.chat["title"], set(group.members), set(group.admins), group.bot
        )
        upgraded = self.world.groups[new_id]
        upgraded.bot_rights, upgraded.permissions = group.bot_rights, dict(group.permissions)
        if group.bot_inside:
            old_chat = self.world.chat(chat_id)
            message_id = self.world.next_message_id(chat_id)
            self.push_update(
                {
                    "message": {
                        "message_id": message_id,
                        "from": self._user(by),
                        "chat": old_chat,
                        "date": self.world.timestamp(),
                        "migrate_to_chat_id": new_id,
                    }
                }
            )
            self.push_update(
                {
                    "message": {
                        "message_id": self.world.next_message_id(new_id),
                        "from": self._user(by),
                        "chat": self.world.chat(new_id),
                        "date": self.world.timestamp(),
                        "migrate_from_chat_id": chat_id,
                    }
                }
            )
        group.migrated_to = new_id

    def set_group_permissions(self, chat_id: int, **permissions: bool) -> None:
        """Change what a group lets its plain members do (ChatPermissions fields)."""
        group = self._group(chat_id)
        unknown = set(permissions) - set(DEFAULT_PERMISSIONS)
        if unknown:
            raise ValueError(f"not chat permissions: {sorted(unknown)}")
        group.permissions.update(permissions)

    def _bot_member(self, group: GroupRecord) -> dict[str, Any]:
        """Give the bot's ChatMember in a group, as getChatMember and updates show it."""
        return bot_member(self.world.sender(), group)

    def _push_bot_change(self, chat_id: int, by: int, old: dict[str, Any]) -> None:
        self.push_update(
            {
                "my_chat_member": {
                    "chat": self.world.chat(chat_id),
                    "from": self._user(by),
                    "date": self.world.timestamp(),
                    "old_chat_member": old,
                    "new_chat_member": self._bot_member(self._group(chat_id)),
                }
            }
        )

    def join_group(self, chat_id: int, user_id: int) -> None:
        """Make a person a member of a group."""
        self._group(chat_id).members.add(self._user(user_id)["id"])

    def block(self, user_id: int) -> None:
        """Have a person block the bot (the bot gets a my_chat_member update, as on Telegram)."""
        record = self.world.users[self._user(user_id)["id"]]
        if not record.blocked:
            record.blocked = True
            self._push_my_chat_member(user_id, "member", "kicked")

    def unblock(self, user_id: int) -> None:
        """Have a person unblock (restart) the bot."""
        record = self.world.users[self._user(user_id)["id"]]
        if record.blocked:
            record.blocked = False
            record.started = True
            self._push_my_chat_member(user_id, "kicked", "member")

    def _push_my_chat_member(self, user_id: int, old: str, new: str) -> None:
        def member(status: str) -> dict[str, Any]:
            state: dict[str, Any] = {"status": status, "user": self.world.sender()}
            if status == "kicked":
                state["until_date"] = 0
            return state

        self.push_update(
            {
                "my_chat_member": {
                    "chat": self.world.chat(user_id),
                    "from": self._user(user_id),
                    "date": self.world.timestamp(),
                    "old_chat_member": member(old),
                    "new_chat_member": member(new),
                }
            }
        )

    def _user(self, user_id: int) -> dict[str, Any]:
        record = self.world.users.get(user_id)
        if record is None:
            raise ValueError(f"no user {user_id}: add_user({user_id}, ...) first")
        return dict(record.user)

    def _group(self, chat_id: int) -> GroupRecord:
        group = self.world.groups.get(chat_id)
        if group is None:
            raise ValueError(f"no group {chat_id}: add_group({chat_id}, ...) first")
        return group

    def _chat_for(self, user_id: int, chat_id: int | None) -> dict[str, Any]:
        """Return the chat a person writes in, checking they can write there."""
        self._user(user_id)
        record = self.world.users[user_id]
        if chat_id is None or chat_id == user_id:
            if record.blocked:
                raise ValueError(f"user {user_id} blocked the bot: unblock({user_id}) first")
            record.started = True
            chat = self.world.chat(user_id)
        else:
            group = self._group(chat_id)
            if user_id not in group.members:
                raise ValueError(f"user {user_id} is not a member of group {chat_id}")
            if not group.bot_inside:
                raise ValueError(f"the bot is not in group {chat_id}: it would not see this")
            if group.migrated_to is not None:
                raise ValueError(f"group {chat_id} is now supergroup {group.migrated_to}")
            chat = self.world.chat(chat_id)
        assert chat is not None
        return chat

    # --- what people do -----------------------------------------------------------------

    def _incoming(self, user_id: int, chat_id: int | None, content: dict[str, Any]) -> int:
        chat = self._chat_for(user_id, chat_id)
        message_id = self.world.next_message_id(chat["id"])
        message = {
            "message_id": message_id,
            "from": self._user(user_id),
            "chat": chat,
            "date": self.world.timestamp(),
            **content,
        }
        self.world.incoming[(chat["id"], message_id)] = message
        self.push_update({"message": message})
        return message_id

    async def send_text(
        self, user_id: int, text: str, *, chat_id: int | None = None, reply_to: int | None = None
    ) -> int:
        """Have a person send a text (in private unless chat_id), maybe as a reply to a message
        of that chat (Telegram's "Reply"); return its message_id."""
        content: dict[str, Any] = {"text": text}
        entities = detect_entities(text)
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            chat = self._chat_for(user_id, chat_id)
            if not self.world.message_exists(chat["id"], reply_to):
                raise ValueError(f"no message {reply_to} in chat {chat['id']} to reply to")
            content["reply_to_message"] = self.world.message_dict(
                chat["id"], reply_to, nested=False
            )
        return self._incoming(user_id, chat_id, content)

    async def send_document(
        self,
        user_id: int,
        filename: str,
        content: bytes,
        *,
        chat_id: int | None = None,
        caption: str | None = None,
        mime_type: str | None = None,
    ) -> int:
        """Have a person send a file; the bot can getFile and download it."""
        stored = self.world.store_file(filename, content, mime_type)
        message: dict[str, Any] = {"document": stored.document()}
        if caption:
            message["caption"] = caption
            entities = detect_entities(caption)
            if entities:
                message["caption_entities"] = entities
        return self._incoming(user_id, chat_id, message)

    async def edit_text(
        self, user_id: int, message_id: int, new_text: str, chat_id: int | None = None
    ) -> None:
        """Have a person edit one of their texts (the bot gets an edited_message)."""
        chat = self._chat_for(user_id, chat_id)
        key = (chat["id"], message_id)
        message = self.world.incoming.get(key)
        if message is None or message["from"]["id"] != user_id or "text" not in message:
            raise ValueError(f"user {user_id} has no text message {message_id} in chat {key[0]}")
        edited = {**message, "text": new_text, "edit_date": self.world.timestamp()}
        edited.pop("entities", None)
        entities = detect_entities(new_text)
        if entities:
            edited["entities"] = entities
        self.world.incoming[key] = edited
        self.push_update({"edited_message": edited})

    async def press_button(
        self,
        user_id: int,
        message_id: int,
        data: str,
        *,
        chat_id: int | None = None,
        forge: bool = False,
    ) -> str:
        """Have a person press an inline button of a bot message; return the query id.

        The message must offer a button with this callback_data, unless `forge` (data a
        tampering client could send anyway).
        """
        chat = self._chat_for(user_id, chat_id)
        message = self.world.sent_by_id.get((chat["id"], message_id))
        if message is None or message.deleted:
            raise ValueError(f"the bot has no message {message_id} in chat {chat['id']}")
        keyboard = (message.reply_markup or {}).get("inline_keyboard", [])
        offered = [button.get("callback_data") for row in keyboard for button in row]
        if data not in offered and not forge:
            raise ValueError(
                f"message {message_id} has no button with callback_data {data!r}; "
                f"its buttons: {message.buttons}"
            )
        query_id = self.world.next_query_id()
        query = {
            "id": query_id,
            "from": self._user(user_id),
            "message": self.world.sent_dict(message),
            "chat_instance": str((chat["id"] * 2654435761) % (1 << 62)),
            "data": data,
        }
        self.world.open_queries[query_id] = query
        self.push_update({"callback_query": query})
        return query_id

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue a raw Update (update_id assigned if missing); return its update_id."""
        numbered = dict(update)
        numbered.setdefault("update_id", self.world.next_update_id)
        try:
            self.spec.check(numbered, ["Update"], "update")
        except Mismatch as exc:
            raise ValueError(f"not a valid Update: {exc}") from exc
        return self.world.add_update(numbered)

    async def wait_for_poll(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109 - the tests' API: a bound on waiting for the bot
    ) -> None:
        """Wait until the bot is waiting in a long getUpdates poll."""
        await self._wait(
            lambda: self.world.waiting_polls > 0,
            timeout,
            "the bot to wait in getUpdates",
            lambda: f"{len(self.calls_to('getUpdates'))} getUpdates call(s) so far",
        )

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """List the updates the bot has not confirmed yet."""
        return list(self.world.updates)

    # --- what the bot did ---------------------------------------------------------------

    def messages(self, chat_id: int, *, include_deleted: bool = True) -> list[SentMessage]:
        """List the bot's messages in a chat, oldest first (deleted ones flagged `deleted`).

        With deleted ones included (the default), `messages(chat)[mark:]` is what came after
        `mark = mark(chat)`.
        """
        sent = self.world.sent.get(chat_id, [])
        return [m for m in sent if include_deleted or not m.deleted]

    def message(self, chat_id: int, message_id: int) -> SentMessage:
        """Return one of the bot's messages."""
        return self.world.sent_by_id[(chat_id, message_id)]

    def mark(self, chat_id: int) -> int:
        """Return how many messages the bot has sent to a chat so far (deleted ones too)."""
        return len(self.world.sent.get(chat_id, []))

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - the tests' API: a bound on waiting for the bot
        *,
        after: int | None = None,
    ) -> list[SentMessage]:
        """Wait for the bot's first `count` messages to a chat after a mark; return them.

        `after` is a value of mark(chat_id) taken before the action (default: the chat's
        start), so a reply that comes before this call is not missed.
        """
        start = after or 0

        def arrived() -> list[SentMessage]:
            return self.world.sent.get(chat_id, [])[start : start + count]

        await self._wait(
            lambda: len(arrived()) >= count,
            timeout,
            f"{count} message(s) from the bot in chat {chat_id} after mark {start}",
            lambda: f"got {[m.plain_text for m in arrived()]!r}",
        )
        return arrived()

    async def wait_for_edit(
        self,
        chat_id: int,
        message_id: int,
        timeout: float = 5.0,  # noqa: ASYNC109 - the tests' API: a bound on waiting for the bot
        *,
        after: int | None = None,
    ) -> SentMessage:
        """Wait until a bot message has more than `after` (default 0) edits; return it."""
        seen = after or 0
        key = (chat_id, message_id)

        def edited() -> bool:
            message = self.world.sent_by_id.get(key)
            return message is not None and len(message.edits) > seen

        def state() -> str:
            message = self.world.sent_by_id.get(key)
            if message is None:
                return "no such message"
            return f"it has {len(message.edits)} edit(s), text {message.plain_text!r}"

        await self._wait(
            edited, timeout, f"edit #{seen + 1} of message {message_id} in chat {chat_id}", state
        )
        return self.world.sent_by_id[key]

    @property
    def callback_answers(self) -> dict[str, dict[str, Any]]:
        """Map each answered callback query id to its answer (text, show_alert, url...)."""
        return dict(self.world.callback_answers)

    async def wait_for_callback_answer(
        self,
        query_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109 - the tests' API: a bound on waiting for the bot
    ) -> dict[str, Any]:
        """Wait until the bot answered a callback query; return the answer."""
        answers = self.world.callback_answers
        await self._wait(
            lambda: query_id in answers,
            timeout,
            f"an answer to callback query {query_id}",
            lambda: "it is still unanswered",
        )
        return answers[query_id]

    def commands(
        self, scope: dict[str, Any] | str | None = None, language_code: str | None = None
    ) -> list[dict[str, str]]:
        """List the commands the bot set for a scope ({"type": ...} or its type) and language."""
        if isinstance(scope, str):
            scope = {"type": scope}
        return list(self.world.commands.get((scope_key(scope), language_code or ""), []))

    @property
    def calls(self) -> list[Call]:
        """List every call the bot made, oldest first."""
        return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """List the calls of one method (any case)."""
        wanted = method.lower()
        return [call for call in self._calls if call.method.lower() == wanted]

    def pinned(self, chat_id: int) -> list[int]:
        """List the pinned message ids of a chat, the most recently pinned last."""
        return list(self.world.pinned.get(chat_id, []))

    async def _wait(
        self,
        predicate: Callable[[], bool],
        seconds: float,
        what: str,
        state: Callable[[], str],
    ) -> None:
        try:
            async with asyncio.timeout(seconds):
                await self.world.changes.wait_for(predicate)
        except TimeoutError:
            refused = [
                f"{c.method} -> {c.status} {c.response.get('description', '')}"
                for c in self._calls
                if c.status != 200
            ][-5:]
            raise EmulatorTimeout(
                f"timed out after {seconds:g} s waiting for {what}; {state()}; "
                f"last refused calls: {refused or 'none'}"
            ) from None
