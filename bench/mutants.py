"""The mutation score per module, from the results `mutmut run` left in mutants/ (QUALITY.md).

Run by `make mutants` after mutmut: one line a module with its mutants killed out of those
checked, then the name of each survivor (`mutmut show NAME` prints its diff). A mutant no test
reaches ("no tests") counts as a survivor: nothing would notice that change. A survivor that only
changes letter case (SQL keywords and names, sqlite3.Row keys, log text) is counted apart.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections import Counter
from pathlib import Path

KILLED = {1, 3, 37}  # a test failed, pytest broke, or the type checker refused it
TIMEOUT = {36, -24, 24, 152, 255}  # a mutant that hangs the tests is caught too
NO_TESTS = {5, 33}  # none of the selected tests calls the mutated function


def module_of(meta: Path, root: Path) -> str:
    relative = meta.relative_to(root).with_suffix("").with_suffix("")
    return ".".join(relative.parts)


def case_only(meta: Path) -> set[str]:
    """Name the mutants that only change letter case: SQL and sqlite3.Row keys ignore it."""
    originals: dict[str, str] = {}
    mutants: dict[str, str] = {}
    for node in ast.walk(ast.parse(meta.with_suffix("").read_text("utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and "__mutmut_" in node.name:
            stem, _, suffix = node.name.rpartition("__mutmut_")
            name = node.name
            node.name = stem
            text = ast.unparse(node)
            if suffix == "orig":
                originals[stem] = text
            else:
                mutants[name] = text
    return {
        name
        for name, text in mutants.items()
        if (original := originals.get(name.rpartition("__mutmut_")[0])) is not None
        and original != text
        and original.lower() == text.lower()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=Path("mutants"))
    parser.add_argument("--module", default="", help="only modules whose name starts so")
    args = parser.parse_args(argv)
    root: Path = args.root
    metas = sorted(root.rglob("*.py.meta"))
    if not metas:
        print(f"{root}: no mutmut results; run `make mutants` first", file=sys.stderr)
        return 2
    for meta in metas:
        module = module_of(meta, root)
        if not module.startswith(args.module):
            continue
        codes: dict[str, int | None] = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
        counts: Counter[str] = Counter()
        survivors: list[str] = []
        equivalent = case_only(meta)
        for name, code in sorted(codes.items()):
            if code is None:
                counts["not checked"] += 1
            elif code in KILLED or code in TIMEOUT:
                counts["killed"] += 1
            elif name.rpartition(".")[2] in equivalent:
                counts["case only"] += 1
            else:
                counts["survived"] += 1
                survivors.append(name + (" (no test reaches it)" if code in NO_TESTS else ""))
        checked = counts["killed"] + counts["survived"]
        score = 100 * counts["killed"] / checked if checked else 0.0
        line = f"{module}: {counts['killed']}/{checked} killed ({score:.1f} %)"
        if counts["case only"]:
            line += f", {counts['case only']} survivors that only change letter case left out"
        if counts["not checked"]:
            line += f", {counts['not checked']} not checked"
        print(line)
        for name in survivors:
            print(f"    survived: {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
