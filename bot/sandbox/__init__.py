"""A local Telegram Bot API emulator for the demo, tests and benchmarks."""

from bot.sandbox.emulator import (
    ApiReply,
    ApiRequest,
    BotApiEmulator,
    EmulatorTimeout,
    Interceptor,
)
from bot.sandbox.errors import ApiError
from bot.sandbox.records import Call, MessageVersion, SentDocument, SentMessage

__all__ = [
    "ApiError",
    "ApiReply",
    "ApiRequest",
    "BotApiEmulator",
    "Call",
    "EmulatorTimeout",
    "Interceptor",
    "MessageVersion",
    "SentDocument",
    "SentMessage",
]
