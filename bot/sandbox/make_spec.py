"""Make the emulator's compact Bot API spec from an upstream api.json.

    python -m bot.sandbox.make_spec [--source PATH] [--out PATH]

The source is PaulSonOfLars/telegram-bot-api-spec's `api.json` (see `botapi/SOURCE.md`): the
`--source` given, else $RENCONTRE_BOT_API_SPEC; with neither, it says so and exits 2. The
output (default: the shipped `botapi/spec.json`) is the same bytes for the same source: keys
sorted, lists in the upstream order, two-space indentation, one field per line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.sandbox.spec import SHIPPED_SPEC, SPEC_ENV_VAR, compact_spec

_INDENT = "  "


def default_source() -> Path | None:
    """Return $RENCONTRE_BOT_API_SPEC, if it is set."""
    configured = os.environ.get(SPEC_ENV_VAR)
    return Path(configured) if configured else None


def render(source: Path) -> str:
    """Give the text of the compact spec made from an api.json (upstream or compact)."""
    data = json.loads(source.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("not a Bot API spec (the top level is not an object)")
    try:
        compact = compact_spec(data)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a Bot API spec ({type(exc).__name__}: {exc})") from None
    return _dump(compact, 0) + "\n"


def _dump(value: Any, level: int) -> str:
    if _flat(value):
        return json.dumps(value, sort_keys=True)
    inner = _INDENT * (level + 1)
    if isinstance(value, dict):
        lines = [
            f"{inner}{json.dumps(key)}: {_dump(item, level + 1)}"
            for key, item in sorted(value.items())
        ]
        opening, closing = "{", "}"
    else:
        lines = [inner + _dump(item, level + 1) for item in value]
        opening, closing = "[", "]"
    return opening + "\n" + ",\n".join(lines) + "\n" + _INDENT * level + closing


def _flat(value: Any) -> bool:
    """Say whether a value is written on one line: a scalar, or one level of scalars."""
    if isinstance(value, dict):
        return all(_scalars(item) for item in value.values())
    return _scalars(value)


def _scalars(value: Any) -> bool:
    if isinstance(value, list):
        return all(not isinstance(item, dict | list) for item in value)
    return not isinstance(value, dict)


def main(argv: Sequence[str] | None = None) -> int:
    """Write the compact spec; a source that cannot be read is one line and exit status 2."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.sandbox.make_spec",
        description="Make the emulator's compact Bot API spec from an upstream api.json.",
    )
    parser.add_argument("--source", type=Path, default=None, help="upstream api.json")
    parser.add_argument("--out", type=Path, default=SHIPPED_SPEC, help="compact spec to write")
    args = parser.parse_args(argv)
    source: Path | None = args.source or default_source()
    if source is None:
        print(f"no api.json to read: give --source PATH or set ${SPEC_ENV_VAR}", file=sys.stderr)
        return 2
    try:
        text = render(source)
    except OSError as exc:
        print(f"{source}: cannot read it ({exc.strerror or exc})", file=sys.stderr)
        return 2
    except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError included
        print(f"{source}: {exc}", file=sys.stderr)
        return 2
    try:
        args.out.write_text(text, encoding="utf-8", newline="\n")
    except OSError as exc:
        print(f"{args.out}: cannot write it ({exc.strerror or exc})", file=sys.stderr)
        return 2
    spec = json.loads(text)
    print(
        f"{args.out}: {spec['version']}, {len(spec['methods'])} methods, "
        f"{len(spec['types'])} types, from {source}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
