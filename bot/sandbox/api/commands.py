"""The bot's command lists and descriptions: setMyCommands and its kin."""

from __future__ import annotations

import json
import re
from functools import partial
from typing import Any

from bot.sandbox.api.rules import Handler, MethodGroup, Params
from bot.sandbox.errors import bad_request

MAX_COMMANDS = 100
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


def scope_key(scope: dict[str, Any] | None) -> str:
    """Return the key under which a command scope's commands are stored."""
    scope = scope or {"type": "default"}
    key = {name: scope[name] for name in ("type", "chat_id", "user_id") if name in scope}
    return json.dumps(key, sort_keys=True)


class CommandMethods(MethodGroup):
    """Store and answer the bot's commands and descriptions."""

    def handlers(self) -> dict[str, Handler]:
        """Map this group's Bot API methods to their handlers."""
        return {
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "setMyDescription": partial(self._store_description, "description"),
            "getMyDescription": partial(self._answer_description, "description"),
            "setMyShortDescription": partial(self._store_description, "short_description"),
            "getMyShortDescription": partial(self._answer_description, "short_description"),
        }

    def _scope_key(self, scope: dict[str, Any] | None) -> str:
        if scope is not None and "chat_id" in scope:
            self.rules.known_chat(scope["chat_id"])
        return scope_key(scope)

    async def set_my_commands(self, params: Params) -> Any:
        """Store the command list of a scope and language."""
        commands = params["commands"]
        if len(commands) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not _COMMAND.fullmatch(command["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"]) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        if commands:
            self.world.commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self.world.commands.pop(key, None)
        self.world.changes.notify()
        return True

    async def get_my_commands(self, params: Params) -> Any:
        """Answer the command list of a scope and language."""
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        return list(self.world.commands.get(key, []))

    async def delete_my_commands(self, params: Params) -> Any:
        """Forget the command list of a scope and language."""
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        self.world.commands.pop(key, None)
        self.world.changes.notify()
        return True

    async def _store_description(self, name: str, params: Params) -> Any:
        """Store the bot's description or short description (`name`) in a language."""
        self.world.descriptions[(name, params.get("language_code") or "")] = params.get(name) or ""
        return True

    async def _answer_description(self, name: str, params: Params) -> Any:
        """Answer the bot's description or short description (`name`) in a language."""
        key = (name, params.get("language_code") or "")
        return {name: self.world.descriptions.get(key, "")}
