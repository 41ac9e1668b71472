"""Configuration: Italian knowledge and settings as YAML, never as code.

The defaults are the ``*.yaml`` files of the ``config/`` folder (installed as the
``searchidx.defaults`` package); each file is one *section* named after the file
(``italian.yaml`` -> ``config["italian"]``). A user's own YAML file (``--config
FILE``, or ``searchidx.yaml`` in the working folder) has the same sections at its
top level and overrides the defaults key by key: mappings merge recursively,
any other value (lists included) replaces the default.

Validation is generic, driven by the defaults: a top-level section or a key
directly under it that the defaults do not have is warned about (with the
nearest valid name); a value whose type differs from the default's is an error
naming the file and line.
"""

from __future__ import annotations

import copy
import difflib
import functools
import os
import warnings
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

USER_CONFIG_NAMES = ("searchidx.yaml", ".searchidx.yaml")


class ConfigWarning(UserWarning):
    """An unknown key in a user's configuration file (ignored)."""


class Config:
    """Merged configuration: ``config["section"]["key"]``.

    Sections are loaded on first use, so a command that needs two small
    sections does not pay for parsing the large gazetteers.
    """

    def __init__(self, user: tuple[str, dict[str, Any], yaml.Node | None] | None = None) -> None:
        self._user = user
        self._sections: dict[str, dict[str, Any]] = {}
        self.files = ["(defaults)"] + ([user[0]] if user else [])

    def __getitem__(self, section: str) -> dict[str, Any]:
        got = self._sections.get(section)
        if got is None:
            got = copy.deepcopy(_default_section(section))
            if self._user is not None and section in self._user[1]:
                name, data, node = self._user
                value = data[section]
                _check(got, value, [section], name, node)
                got = _merge(got, {k: v for k, v in value.items() if k in got})
            self._sections[section] = got
        return got

    def get(self, section: str, key: str, default: Any = None) -> Any:
        return self[section].get(key, default)

    def __repr__(self) -> str:
        return f"Config(files={self.files!r})"


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(text: str, name: str, keep_nodes: bool = True) -> tuple[Any, yaml.Node | None]:
    """Parse YAML safely (C loader when available), keeping nodes for line numbers."""
    try:
        node = yaml.compose(text, Loader=_Loader) if keep_nodes else None
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader: same guarantees as safe_load
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{name}{line}: invalid YAML ({problem}); fix the file") from None
    return data, node


def _line_of(node: yaml.Node | None, path: list[str]) -> int | None:
    """The 1-based line of ``path`` (a list of mapping keys) in a composed YAML tree."""
    for key in path:
        if not isinstance(node, yaml.MappingNode):
            return None
        for k, v in node.value:
            if k.value == key:
                node = v
                break
        else:
            return None
    return node.start_mark.line + 1 if node is not None else None


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "true/false",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _same_kind(default: Any, value: Any) -> bool:
    if default is None or value is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def _check(default: Any, value: Any, path: list[str], name: str, node: yaml.Node | None) -> None:
    if not _same_kind(default, value):
        line = _line_of(node, path)
        where = f"{name}:{line}" if line else name
        raise ConfigError(
            f"{where}: '{'.'.join(path)}' should be {_type_name(default)}, "
            f"not {_type_name(value)}"
        )
    if isinstance(default, dict) and isinstance(value, dict):
        for key, sub in value.items():
            if key in default:
                _check(default[key], sub, [*path, str(key)], name, node)


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base[key], value) if key in base else value
        return merged
    return override


def _unknown(key: str, known: list[str], where: str) -> None:
    near = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean '{near[0]}'?" if near else ""
    warnings.warn(f"{where}: unknown key '{key}' ignored{hint}", ConfigWarning, stacklevel=3)


def section_names() -> list[str]:
    """Names of the shipped sections: one per YAML file of ``searchidx.defaults``."""
    return sorted(e.name[:-5] for e in resources.files("searchidx.defaults").iterdir()
                  if e.name.endswith(".yaml"))


@functools.cache
def _default_section(section: str) -> dict[str, Any]:
    """One shipped section, parsed once per process."""
    if section not in section_names():
        raise KeyError(section)
    name = f"config/{section}.yaml"
    text = (resources.files("searchidx.defaults") / f"{section}.yaml").read_text("utf-8")
    data, _ = _load_yaml(text, name, keep_nodes=False)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{name}: the top level should be a mapping")
    return data


def find_user_config(cwd: Path | None = None) -> Path | None:
    """``searchidx.yaml`` (or ``.searchidx.yaml``) in the working folder, if any."""
    folder = cwd or Path.cwd()
    for name in USER_CONFIG_NAMES:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def load_config(path: str | os.PathLike[str] | None = None, *, cwd: Path | None = None,
                search_cwd: bool = True) -> Config:
    """Defaults overridden by the user's file (``path``, else one found in ``cwd``).

    The user's file is read and checked here (bad YAML, unknown keys); the
    types of its values are checked when their section is first used.
    """
    user = Path(path) if path is not None else (find_user_config(cwd) if search_cwd else None)
    if user is None:
        return Config()
    name = str(user)
    try:
        text = user.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{name}: config file not found; check the --config path") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ConfigError(f"{name}: cannot read config file ({reason})") from None
    data, node = _load_yaml(text, name)
    if data is None:
        return Config()
    known = section_names()
    if not isinstance(data, dict):
        raise ConfigError(f"{name}:1: the top level should be a mapping of sections "
                          f"({', '.join(known)})")
    for section, value in data.items():
        where = f"{name}:{_line_of(node, [str(section)])}"
        if section not in known:
            _unknown(str(section), known, where)
            continue
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: section '{section}' should be a mapping of keys")
        defaults = _default_section(section)
        for key in value:
            if key not in defaults:
                line = _line_of(node, [section, str(key)])
                _unknown(str(key), sorted(defaults), f"{name}:{line}")
    config = Config((name, data, node))
    for section in data:
        if section in known:
            config[section]  # check value types now: a bad file fails at start, not mid-run
    return config


_DEFAULT_CONFIG: Config | None = None


def default_config() -> Config:
    """The shipped defaults alone (no user file), built once per process."""
    global _DEFAULT_CONFIG
    if _DEFAULT_CONFIG is None:
        _DEFAULT_CONFIG = load_config(search_cwd=False)
    return _DEFAULT_CONFIG
