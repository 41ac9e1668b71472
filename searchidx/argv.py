"""The hot commands' command lines read without click, by click's own definitions.

click defines every option once, in :mod:`searchidx.cli`. :mod:`searchidx.command_spec`
turns those definitions into plain data (names, flags, types, click's defaults), kept
as the generated module :mod:`searchidx.command_lines` (``python -m
searchidx.command_spec`` writes it again; ``tests/test_argv.py`` fails while it differs
from click's definitions); :func:`parse` reads a command line by that data alone. It handles
what scripts type (``--opt value``, ``--opt=value``, a short option then its value,
flags, repeated options, ``--``) and gives up — returns None, so that click reads the
line and says what is wrong — on anything else: an unknown option (``--help``
included), a bad number or choice, a missing argument or value, an option of a type
it does not know. So a line it reads means what click would make of it, and one it
cannot read gets click's own answer (``tests/test_argv.py`` checks both against click itself).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING to type checkers; typing is not imported
if TYPE_CHECKING:
    from typing import Any

    Spec = dict[str, Any]  # one command's parameters, as searchidx.command_spec describes them


def parse(spec: Spec, args: list[str]) -> dict[str, Any] | None:
    """The parameters click would pass for ``args``, or None to let click read them."""
    options = {opt: p for p in spec["params"] if not p["argument"] for opt in p["opts"]}
    values: dict[str, Any] = {}
    given: dict[str, list[Any]] = {}
    positional: list[str] = []
    rest = iter(args)
    for arg in rest:
        if arg == "--":
            positional.extend(rest)
            break
        if arg == "-" or not arg.startswith("-"):
            positional.append(arg)
            continue
        opt, equals, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        param = options.get(opt)
        if param is None:
            return None
        if param["flag"]:
            if equals:
                return None
            values[param["name"]] = param["flag"][opt]
            continue
        if not equals:
            value = next(rest, None)  # type: ignore[assignment]
            if value is None:  # as click, anything else is the value: --sort -date
                return None
        converted = _convert(param, value)
        if converted is None:
            return None
        given.setdefault(param["name"], []).append(converted)
    for param in spec["params"]:
        name = param["name"]
        if param["argument"]:
            taken = positional if param["nargs"] == -1 else positional[:1]
            positional = positional[len(taken):]
            if not taken:
                if param["required"]:
                    return None
                values[name] = _default(param)
                continue
            converted_all = [_convert(param, value) for value in taken]
            if None in converted_all:
                return None
            values[name] = tuple(converted_all) if param["nargs"] == -1 else converted_all[0]
        elif name in given:
            values[name] = tuple(given[name]) if param["multiple"] else given[name][-1]
        elif name not in values:
            if param["required"]:
                return None
            values[name] = _default(param)
    return None if positional else values


def _default(param: dict[str, Any]) -> Any:
    """click's value for a parameter not given (JSON gave lists back for tuples)."""
    default = param["default"]
    return tuple(default) if isinstance(default, list) else default


def _convert(param: dict[str, Any], value: str) -> Any:
    """``value`` as click's type for ``param`` makes it, or None where click would
    refuse it (or where only click knows)."""
    kind = param["type"]
    if kind == "text":
        return value
    if kind == "choice":
        return value if value in param["choices"] else None
    if kind in ("int", "float"):
        try:
            return int(value) if kind == "int" else float(value)
        except ValueError:
            return None
    if kind == "path":
        return value if _path_passes(param["path"], value) else None
    return None


def _path_passes(checks: dict[str, bool], path: str) -> bool:
    """Whether ``path`` passes click.Path's checks as ``checks`` configures them."""
    try:
        st = os.stat(path)
    except OSError:
        return not checks["exists"]
    import stat

    if not checks["file_okay"] and stat.S_ISREG(st.st_mode):
        return False
    if not checks["dir_okay"] and stat.S_ISDIR(st.st_mode):
        return False
    return not checks["readable"] or os.access(path, os.R_OK)

