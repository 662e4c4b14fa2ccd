"""The kids' club (issue 14, part 5): its buttons."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

_KIDS_ARGS = {  # what each operation carries: an item's ref, a child's id, an age
    "who": (True, False, False),
    "in": (True, True, False),
    "out": (True, True, False),
    "add": (False, False, False),
    "list": (False, False, False),
    "ed": (False, True, False),
    "nm": (False, True, False),
    "ag": (False, True, False),
    "del": (False, True, False),
    "rm": (False, True, False),
    "set": (False, True, True),
}


@dataclass(frozen=True, slots=True)
class KidsPress:
    """A kids' club button: "for whom?" (who), sign a child up (in) or off (out) an item;
    /children's add, list, edit (ed), name (nm), age (ag), remove (del, then rm), and an age
    chosen (set; child 0 is the one being added)."""

    PREFIX: ClassVar[str] = r"^kid:"
    PATTERN: ClassVar[str] = (
        r"^kid:(?P<op>[a-z]{2,4})(?::(?P<ref>[A-Za-z0-9_-]{11}))?"
        r"(?::(?P<child>[0-9]{1,9}))?(?::(?P<age>[0-9]{1,2}))?$"
    )
    op: str
    ref: str | None = None
    child: int | None = None
    age: int | None = None

    def pack(self) -> str:
        """Give the callback data."""
        parts = [self.op, self.ref, self.child, self.age]
        return "kid:" + ":".join(str(p) for p in parts if p is not None)

    @classmethod
    def parse(cls, data: str) -> KidsPress | None:
        """Read callback data; None when the bot never made it (an argument missing or extra)."""
        match = re.match(cls.PATTERN, data)
        if match is None or match["op"] not in _KIDS_ARGS:
            return None
        shape = (match["ref"] is not None, match["child"] is not None, match["age"] is not None)
        if shape != _KIDS_ARGS[match["op"]]:
            return None
        child = int(match["child"]) if match["child"] is not None else None
        age = int(match["age"]) if match["age"] is not None else None
        return cls(match["op"], match["ref"], child, age)
