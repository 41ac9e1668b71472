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

Parsing YAML is most of what a short command would spend here, so what a file
parses to is cached (:func:`_parsed`), keyed by the searchidx version and
the checksums of the file's bytes, and of the default sections it was checked against.
"""

from __future__ import annotations

import functools
import os
import warnings

from . import __version__
from .errors import ConfigError
from .records import record

TYPE_CHECKING = False  # typing.TYPE_CHECKING to type checkers; typing is not imported
if TYPE_CHECKING:  # a cold query imports neither typing nor pathlib (issue 26)
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any

    import yaml

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
            got = _copied(_default_section(section))
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


def _load_yaml(text: str, name: str, keep_nodes: bool = True) -> tuple[Any, yaml.Node | None]:
    """Parse YAML safely (C loader when available), keeping nodes for line numbers."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader) if keep_nodes else None
        data = yaml.load(text, Loader=loader)  # a SafeLoader: same guarantees as safe_load
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{name}{line}: invalid YAML ({problem}); fix the file") from None
    return data, node


def _line_of(node: yaml.Node | None, path: list[str]) -> int | None:
    """The 1-based line of ``path`` (a list of mapping keys) in a composed YAML tree."""
    if node is None:
        return None
    import yaml

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


def _copied(value: Any) -> Any:
    """A copy of parsed YAML to change at will (what :func:`copy.deepcopy` makes of
    mappings and lists of scalars, without importing it)."""
    if type(value) is dict:
        return {key: _copied(item) for key, item in value.items()}
    if type(value) is list:
        return [_copied(item) for item in value]
    return value


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base[key], value) if key in base else value
        return merged
    return override


def _unknown(key: str, known: list[str], where: str) -> str:
    """The warning about an unknown key, naming the nearest valid one."""
    import difflib

    near = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean '{near[0]}'?" if near else ""
    return f"{where}: unknown key '{key}' ignored{hint}"


@functools.cache
def _defaults_folder() -> str:
    """The folder of the shipped YAML files (the ``searchidx.defaults`` package)."""
    from . import defaults  # type: ignore[attr-defined]

    return os.path.dirname(defaults.__file__)


def section_names() -> list[str]:
    """Names of the shipped sections: one per YAML file of ``searchidx.defaults``."""
    return sorted(n[:-5] for n in os.listdir(_defaults_folder()) if n.endswith(".yaml"))


@functools.cache
def _default_bytes(section: str) -> bytes:
    if section not in section_names():
        raise KeyError(section)
    with open(os.path.join(_defaults_folder(), f"{section}.yaml"), "rb") as file:
        return file.read()


def _digest(raw: bytes) -> str:
    """What tells one version of a file from another in a cache key: two checksums and
    the length (what Python's own bytecode cache trusts is less: the time and the size),
    without hashlib, whose import alone costs a cold command a tenth of a bare query."""
    import zlib

    return f"{zlib.crc32(raw):08x}{zlib.adler32(raw):08x}-{len(raw):x}"


@functools.cache
def _default_section(section: str) -> dict[str, Any]:
    """One shipped section, parsed once per process (and cached across processes)."""
    raw = _default_bytes(section)
    name = f"config/{section}.yaml"

    def parse() -> tuple[dict[str, Any], dict[str, str]]:
        data, _ = _load_yaml(raw.decode("utf-8"), name, keep_nodes=False)
        if data is None:
            return {}, {}
        if not isinstance(data, dict):
            raise ConfigError(f"{name}: the top level should be a mapping")
        return data, {}

    data: dict[str, Any] = _parsed(f"config.{section}", _digest(raw), parse)
    return data


# -- the cache of parsed files -------------------------------------------------------
# One file per parsed YAML file, in the user's cache folder (searchidx.cachedir, which
# reads and writes it with marshal;
# deleting it is always safe), named after the defaults' folder too. An entry holds
# its key (the searchidx version, this module's modification time and the checksums
# of the file's bytes), those of each default section the value was checked against,
# and the value. It is used only when all of them still match, written aside and moved
# into place whole, and only for plain data (a value kept otherwise, such as a YAML
# date, is parsed again each time). A folder that cannot be written leaves every
# run parsing.

_MISS = object()


def _parsed(name: str, digest: str, parse: Callable[[], tuple[Any, dict[str, str]]]) -> Any:
    """What ``parse`` gives (a value and the default sections' digests it depends on),
    from the cache entry ``name`` when its key is ``digest`` and nothing it depends
    on changed; parsed and cached otherwise."""
    path = _cache_path(name)
    # this module's own version too, so that a change to how files are checked counts
    key = f"{__version__} {os.stat(__file__).st_mtime_ns} {digest}"
    value = _read_cache(path, key) if path else _MISS
    if value is _MISS:
        value, depends = parse()
        if path:
            _write_cache(path, key, depends, value)
    return value


def _cache_path(name: str) -> str | None:
    """Where the entry ``name`` of the current defaults' folder is kept, if anywhere."""
    from .cachedir import cache_folder

    folder = cache_folder()
    if folder is None:
        return None
    defaults = _digest(str(_defaults_folder()).encode("utf-8", "surrogateescape"))[:8]
    return os.path.join(folder, f"config-{defaults}-{name}.marshal")


def _read_cache(path: str, key: str) -> Any:
    from .cachedir import read_kept

    entry = read_kept(path)
    try:
        depends = entry["depends"]
        fresh = entry["key"] == key and all(_digest(_default_bytes(section)) == digest
                                            for section, digest in depends.items())
        return entry["value"] if fresh else _MISS
    except (OSError, ValueError, LookupError, TypeError, AttributeError):  # absent, damaged
        return _MISS


def _write_cache(path: str, key: str, depends: dict[str, str], value: Any) -> None:
    from .cachedir import keep

    if _plain(value):  # a folder that cannot be written: parse again next time
        keep(path, {"key": key, "depends": depends, "value": value})


def _plain(value: Any) -> bool:
    """Whether ``value`` is plain data that comes back as it is: str keys, no dates,
    sets or tuples (what YAML gives as JSON would give it)."""
    if value is None or isinstance(value, (str, int, float)):  # bool is an int
        return True
    if type(value) is list:
        return all(map(_plain, value))
    if type(value) is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    return False


def find_user_config(cwd: str | os.PathLike[str] | None = None) -> Path | None:
    """``searchidx.yaml`` (or ``.searchidx.yaml``) in the working folder, if any."""
    folder = os.fspath(cwd) if cwd is not None else os.getcwd()
    for name in USER_CONFIG_NAMES:
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate):
            from pathlib import Path

            return Path(candidate)
    return None


def load_config(path: str | os.PathLike[str] | None = None, *,
                cwd: str | os.PathLike[str] | None = None,
                search_cwd: bool = True) -> Config:
    """Defaults overridden by the user's file (``path``, else one found in ``cwd``).

    The user's file is read and checked here: bad YAML and values of the wrong type
    are errors, unknown keys warnings (:class:`ConfigWarning`).
    """
    user = path if path is not None else (find_user_config(cwd) if search_cwd else None)
    if user is None:
        return Config()
    name = os.fspath(user)
    try:
        with open(name, "rb") as file:
            raw = file.read()
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{name}: config file not found; check the --config path") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ConfigError(f"{name}: cannot read config file ({reason})") from None
    fresh = False

    def parse() -> tuple[dict[str, Any], dict[str, str]]:
        nonlocal fresh
        fresh = True
        return _checked_user_file(text, name)

    # one of 16 entries, by the file's path: a few files each keep theirs, and a test
    # suite's thousand temporary files do not leave a thousand entries
    slot = _digest(os.path.abspath(name).encode("utf-8"))[0]
    checked = _parsed(f"user.{slot}", f"{_digest(raw)} {','.join(section_names())} {name}",
                      parse)
    if not fresh:  # from the cache: warn as the first run did
        for message in checked["warnings"]:
            warnings.warn(message, ConfigWarning, stacklevel=2)
    data = checked["data"]
    return Config((name, data, None)) if data is not None else Config()


def _checked_user_file(text: str, name: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The user's file parsed and checked against the defaults, with its warnings (also
    given as they come), and the digests of the default sections it was checked against."""
    data, node = _load_yaml(text, name)
    if data is None:
        return {"data": None, "warnings": []}, {}
    known = section_names()
    if not isinstance(data, dict):
        raise ConfigError(f"{name}:1: the top level should be a mapping of sections "
                          f"({', '.join(known)})")
    messages: list[str] = []

    def warn(message: str) -> None:
        messages.append(message)
        warnings.warn(message, ConfigWarning, stacklevel=4)

    for section, value in data.items():
        where = f"{name}:{_line_of(node, [str(section)])}"
        if section not in known:
            warn(_unknown(str(section), known, where))
            continue
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: section '{section}' should be a mapping of keys")
        defaults = _default_section(section)
        for key in value:
            if key not in defaults:
                line = _line_of(node, [section, str(key)])
                warn(_unknown(str(key), sorted(defaults), f"{name}:{line}"))
    depends = {}
    for section in data:  # value types now: a bad file fails at start, not mid-run
        if section in known:
            _check(_default_section(section), data[section], [section], name, node)
            depends[section] = _digest(_default_bytes(section))
    return {"data": data, "warnings": messages}, depends


_DEFAULT_CONFIG: Config | None = None


def default_config() -> Config:
    """The shipped defaults alone (no user file), built once per process."""
    global _DEFAULT_CONFIG
    if _DEFAULT_CONFIG is None:
        _DEFAULT_CONFIG = load_config(search_cwd=False)
    return _DEFAULT_CONFIG


# words of one shingle (searchidx.stories.SHINGLE_WORDS): the fewest min_words can be
STORY_SHINGLE_WORDS = 5


@record(frozen=True)
class StorySettings:
    """``config/index.yaml`` ``stories``: checked once, used by every commit."""

    threshold: float  # estimated Jaccard of 5-shingles that links two articles
    min_words: int  # fewer words: no signature, never in a story


def story_settings(config: Config) -> StorySettings:
    """The ``stories`` settings of ``config/index.yaml``, or a ConfigError naming the key."""
    section = config["index"]["stories"]
    threshold, min_words = section["threshold"], section["min_words"]
    if not 0 < float(threshold) <= 1:
        raise ConfigError(f"index.stories.threshold is {threshold}: use a share of shingles "
                          "in common, above 0 and at most 1 (e.g. 0.5)")
    if int(min_words) < STORY_SHINGLE_WORDS:
        raise ConfigError(f"index.stories.min_words is {min_words}: use at least "
                          f"{STORY_SHINGLE_WORDS}, the words of one shingle")
    return StorySettings(float(threshold), int(min_words))
