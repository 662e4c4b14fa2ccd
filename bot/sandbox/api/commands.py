"""The bot's command lists and descriptions: setMyCommands and its kin."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.sandbox.api.rules import Handler, Params, Rules
from bot.sandbox.errors import bad_request
from bot.sandbox.state import World

MAX_COMMANDS = 100
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


def scope_key(scope: dict[str, Any] | None) -> str:
    """Return the key under which a command scope's commands are stored."""
    scope = scope or {"type": "default"}
    key = {name: scope[name] for name in ("type", "chat_id", "user_id") if name in scope}
    return json.dumps(key, sort_keys=True)


class CommandMethods:
    """Store and answer the bot's commands and descriptions."""

    def __init__(self, world: World, rules: Rules) -> None:
        self.world = world
        self.rules = rules

    def handlers(self) -> dict[str, Handler]:
        """Map this group's Bot API methods to their handlers."""
        return {
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "setMyDescription": self.set_my_description,
            "getMyDescription": self.get_my_description,
            "setMyShortDescription": self.set_my_short_description,
            "getMyShortDescription": self.get_my_short_description,
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

    async def set_my_description(self, params: Params) -> Any:
        """Store the bot's description."""
        key = ("description", params.get("language_code") or "")
        self.world.descriptions[key] = params.get("description") or ""
        return True

    async def get_my_description(self, params: Params) -> Any:
        """Answer the bot's description."""
        key = ("description", params.get("language_code") or "")
        return {"description": self.world.descriptions.get(key, "")}

    async def set_my_short_description(self, params: Params) -> Any:
        """Store the bot's short description."""
        key = ("short_description", params.get("language_code") or "")
        self.world.descriptions[key] = params.get("short_description") or ""
        return True

    async def get_my_short_description(self, params: Params) -> Any:
        """Answer the bot's short description."""
        key = ("short_description", params.get("language_code") or "")
        return {"short_description": self.world.descriptions.get(key, "")}
