"""A cold command loads only what it uses (issue 26), and the caches that spare it
parsing YAML or laying out its help are never trusted when stale."""

import functools
import marshal
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from searchidx import config as config_module
from searchidx.__main__ import help_cache
from searchidx.backends.whoosh.folder import SUMMARY
from searchidx.cachedir import CACHE_ENV
from searchidx.config import ConfigWarning, load_config
from searchidx.errors import ConfigError
from searchidx.index import Index, plain_path

from .conftest import ROOT, SEEDS

# what a command may import only when it needs it: (what it is, module prefixes)
HEAVY = [
    ("the web framework", ("starlette", "jinja2", "uvicorn", "searchidx.web")),
    ("dateparser", ("dateparser",)),
    ("trafilatura", ("trafilatura",)),
    ("the tagger and extraction", ("searchidx.extraction",)),
    ("the OpenSearch client", ("searchidx.backends.opensearch", "urllib3")),
    ("warcio", ("warcio",)),
    ("plotting and arrays", ("matplotlib", "numpy")),
    ("yaml (the configuration is cached)", ("yaml",)),
]
# every Whoosh query class and whoosh.searching live under Whoosh's query package: only a
# search needs them; and none of ours needs the English morphology it imports at its top
# (whoosh/query/terms.py), which stands in for it until used (backends/whoosh/storage.py)
WHOOSH_SEARCHING = ("Whoosh's searching and English morphology",
                    ("whoosh.query", "whoosh.searching", "whoosh.lang.morph_en"))
ENGLISH_MORPHOLOGY = ("Whoosh's English morphology", ("whoosh.lang.morph_en",))
# the hot commands read their line by click's definitions, without click (searchidx.argv)
CLICK = ("click", ("click",))
# their classes are searchidx.records, which compile nothing as they are made
DATACLASSES = ("dataclasses and inspect", ("dataclasses", "inspect"))
# what a word's search from the segment files does without: typing and pathlib cost a
# cold query as much as its whole search; the manifest (SQLite), contextlib, weakref
# and a copy module besides (the digest names the folder's format)
STANDARD_EXTRAS = [("typing", ("typing",)), ("pathlib", ("pathlib",)),
                   ("the manifest", ("sqlite3", "searchidx.manifest", "searchidx.stories")),
                   ("contextlib, weakref, copy", ("contextlib", "weakref", "copy")),
                   ("signal", ("signal",))]
NOTHING_BUT_TEXT = [CLICK, ("Whoosh", ("whoosh",)),
                    ("the index", ("searchidx.index", "searchidx.backends", "sqlite3"))]

# run an entry point as the console script `searchidx ARGS`, then list the loaded modules
# (and say, in a file beside, whether the cyclic garbage collector is on)
DRIVER = """
import gc, sys
for name in {forget!r}:  # loaded by a start-up hook: a command's own import shows again
    sys.modules.pop(name, None)
sys.argv = ["searchidx", *sys.argv[2:]]
from {module} import {function}
try:
    {function}()
except SystemExit:
    pass
sys.stdout.flush()
# a stand-in for a module not loaded yet (whoosh.lang.morph_en's) has no import spec
names = sorted(n for n, m in list(sys.modules.items())
               if getattr(m, "__spec__", 1) is not None or n == "__main__")
with open({out!r}, "w") as out:
    out.write("\\n".join(names))
with open({out!r} + ".collector", "w") as out:
    out.write("on" if gc.isenabled() else "off")
"""


def warm_loaded_modules(tmp_path, *args, bare=False):
    """:func:`loaded_modules` of a second run: the caches are written by the first."""
    loaded_modules(tmp_path, *args, bare=bare)
    return loaded_modules(tmp_path, *args, bare=bare)


def loaded_modules(tmp_path, *args, cwd=None, env=None, entry="searchidx.__main__:run",
                   bare=False, stdin=None):
    """The modules a fresh ``searchidx ARGS`` process loaded beyond the interpreter's own,
    and its stdout; ``entry`` is the function the console script calls
    (``searchidx.cli:main``: click alone); a variable of ``env`` set to None is left out
    of the process's environment. ``bare``: the standard modules of
    :data:`STANDARD_EXTRAS` that a start-up hook loaded (an editable install's brings
    pathlib and contextlib) are forgotten first, as a regular install has none of them."""
    out = tmp_path / "modules.txt"
    module, function = entry.split(":")
    forget = sorted(name for _, names in STANDARD_EXTRAS for name in names) if bare else []
    code = DRIVER.format(out=str(out), module=module, function=function, forget=forget)
    done = subprocess.run([sys.executable, "-c", code, "-", *args], input=stdin,
                          capture_output=True, text=True, cwd=cwd or tmp_path,
                          env={name: value for name, value in {**os.environ, **(env or {})}.items()
                               if value is not None}, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = set(out.read_text().split("\n"))
    return loaded - (interpreter_modules() - set(forget)), done.stdout


@functools.cache
def interpreter_modules():
    """What this Python loads before running anything: no command can do without those."""
    done = subprocess.run([sys.executable, "-c", "import sys; print('\\n'.join(sys.modules))"],
                          capture_output=True, text=True, check=True, timeout=120)
    return frozenset(done.stdout.split())


def assert_none_of(modules, forbidden):
    """No module of ``modules`` is one of ``forbidden``'s packages or inside one."""
    found = {}
    for what, packages in forbidden:
        names = sorted(m for m in modules if m in packages
                       or m.startswith(tuple(f"{p}." for p in packages)))
        if names:
            found[what] = names
    assert not found, f"imported without need: {found}"


@pytest.fixture(scope="module")
def index_copy(seeds_index, tmp_path_factory):
    """A copy of the seeds' index, for commands that write (an unchanged update)."""
    folder = tmp_path_factory.mktemp("cold") / "index"
    shutil.copytree(seeds_index.path, folder)
    return folder


def test_query_of_a_word_reads_the_segments_without_whoosh(tmp_path, index_copy):
    modules, out = warm_loaded_modules(tmp_path, "query", "munizioni", "--index", str(index_copy),
                                       bare=True)
    assert "3 articles for 'munizioni'" in out
    assert_none_of(modules, [*HEAVY, CLICK, DATACLASSES, ("Whoosh", ("whoosh",)),
                             ("the configuration's YAML", ("yaml",)), *STANDARD_EXTRAS])
    assert "searchidx.backends.whoosh.segments" in modules  # the check sees what it reads
    assert "searchidx.suggest" not in modules  # did-you-mean: only when nothing is found


def test_query_whoosh_answers_loads_only_what_a_search_needs(tmp_path, index_copy):
    modules, out = warm_loaded_modules(tmp_path, "query", '"munizioni alla Russia"',
                                       "--index", str(index_copy))
    assert "1 article for" in out  # a phrase: Whoosh's search (backends/whoosh/quick.py)
    assert_none_of(modules, [*HEAVY, CLICK, DATACLASSES, ENGLISH_MORPHOLOGY])
    assert "whoosh.searching" in modules  # the check sees what a search does import
    assert "searchidx.suggest" not in modules


def test_english_morphology_loads_when_first_used(tmp_path):
    code = ("import sys\nfrom searchidx.backends.whoosh.storage import patch_whoosh\n"
            "patch_whoosh(writing=False)\nfrom whoosh import query\n"
            "assert sys.modules['whoosh.lang.morph_en'].__spec__ is None  # a stand-in\n"
            "from whoosh.query.terms import variations\n"
            "print(sorted(variations('rendering')))\n"
            "from whoosh.lang import morph_en\n"
            "assert morph_en.__spec__ is not None and morph_en.variations('x') is not None\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    real = subprocess.run([sys.executable, "-c", "from whoosh.lang.morph_en import variations;"
                           "print(sorted(variations('rendering')))"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.stdout == real.stdout and "'renderings'" in done.stdout


def test_stats_loads_no_searching(tmp_path, index_copy):
    modules, out = warm_loaded_modules(tmp_path, "stats", "--index", str(index_copy))
    assert "documents:   5" in out
    assert_none_of(modules, [*HEAVY, WHOOSH_SEARCHING, CLICK, DATACLASSES])


def test_stats_opens_no_whoosh_index_once_counted(tmp_path, index_copy):
    modules, out = warm_loaded_modules(tmp_path, "stats", "--index", str(index_copy), bare=True)
    assert "documents:   5" in out  # the first run counted and kept the figures
    assert_none_of(modules, [("Whoosh", ("whoosh",)), ("the analysis", ("searchidx.analysis",)),
                             ("typing", ("typing",)), ("pathlib", ("pathlib",)),
                             ("json (the figures are kept with marshal)", ("json",))])
    assert "sqlite3" in modules  # the manifest's counts: the check sees what stats reads


def test_kept_stats_are_the_counted_ones_and_follow_every_commit(tmp_path, seeds_index, config):
    folder = tmp_path / "index"
    shutil.copytree(seeds_index.path, folder)
    summary = folder / SUMMARY
    summary.unlink(missing_ok=True)
    counted = Index(folder, config).stats()
    assert summary.is_file()
    assert Index(folder, config).stats() == counted  # read back, not counted
    summary.write_bytes(b"{damaged")
    assert Index(folder, config).stats() == counted
    kept = marshal.loads(summary.read_bytes())
    kept["figures"]["documents"] = 99  # figures kept for this generation are used as kept
    summary.write_bytes(marshal.dumps(kept))
    assert Index(folder, config).stats()["documents"] == 99
    more = tmp_path / "more"
    more.mkdir()
    (more / "extra.txt").write_text("Un articolo in più\n\nSulle munizioni e sui droni.",
                                    encoding="utf-8")
    Index(folder, config).update([more])  # a commit: a new generation
    after = Index(folder, config).stats()
    assert (after["documents"], after["undated"]) == (6, 4)  # the new one is undated
    summary.unlink()
    assert Index(folder, config).stats() == after


def test_unchanged_update_reads_and_extracts_nothing(tmp_path, index_copy):
    modules, out = warm_loaded_modules(tmp_path, "index", str(SEEDS), "--index", str(index_copy))
    assert "0 added, 0 updated, 5 unchanged" in out
    assert_none_of(modules, [*HEAVY, WHOOSH_SEARCHING, CLICK])  # models' dataclasses load


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["-h"]])
def test_version_and_help_load_neither_click_nor_the_index(tmp_path, args):
    modules, out = warm_loaded_modules(tmp_path, *args)  # the first --help lays it out
    assert out.startswith("searchidx, version" if args == ["--version"] else "Usage: searchidx")
    assert_none_of(modules, [*HEAVY, WHOOSH_SEARCHING, *NOTHING_BUT_TEXT])


@pytest.mark.parametrize("columns", ["60", "100", "130"])
def test_help_from_the_cache_is_clicks_own(tmp_path, columns):
    expected = loaded_modules(tmp_path, "--help", env={"COLUMNS": columns},
                              entry="searchidx.cli:main")[1]
    cache = Path(help_cache())
    cache.unlink(missing_ok=True)
    first = loaded_modules(tmp_path, "--help", env={"COLUMNS": columns})[1]  # laid out
    second = loaded_modules(tmp_path, "--help", env={"COLUMNS": columns})[1]  # cached
    assert first == second == expected
    head, text = cache.read_text().split("\n\n", 1)
    cache.write_text(f"{head}\n\nfrom the cache\n")
    assert loaded_modules(tmp_path, "--help", env={"COLUMNS": columns})[1] == "from the cache\n"
    key, source, sources = head.split("\n", 2)  # a source's modification time "changed":
    cache.write_text(f"{key}\n1{source}\n{sources}\n\nfrom the cache\n")
    assert loaded_modules(tmp_path, "--help", env={"COLUMNS": columns})[1] == expected
    cache.write_bytes(b"\xff damaged")
    assert loaded_modules(tmp_path, "--help", env={"COLUMNS": columns})[1] == expected


def test_version_matches_clicks(tmp_path):
    expected = loaded_modules(tmp_path, "--version", entry="searchidx.cli:main")[1]
    assert loaded_modules(tmp_path, "--version")[1] == expected


# -- the configuration cache ------------------------------------------------------------

@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A cache folder of this test's own."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


def entries(cache, pattern="*"):
    """The cache entries matching ``pattern`` (in the folder of this copy of searchidx)."""
    return list(cache.glob(f"*/{pattern}"))


@pytest.fixture
def defaults(tmp_path, monkeypatch, cache):
    """A private copy of the shipped YAML, a cache folder of its own, caches of this
    process cleared."""
    folder = tmp_path / "defaults"
    folder.mkdir()
    for path in Path(config_module._defaults_folder()).glob("*.yaml"):
        shutil.copy(path, folder)
    monkeypatch.setattr(config_module, "_defaults_folder", lambda: folder)

    def forget():
        config_module._default_bytes.cache_clear()
        config_module._default_section.cache_clear()

    forget()
    yield folder
    forget()


def fresh_process_load(path=None):
    """``load_config`` as a new process would run it (nothing cached in memory)."""
    config_module._default_bytes.cache_clear()
    config_module._default_section.cache_clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConfigWarning)
        config = load_config(path, search_cwd=False)
        sections = {name: config[name] for name in config_module.section_names()}
    return sections, [str(w.message) for w in caught]


def test_cached_defaults_are_the_yaml(defaults, cache):
    import yaml

    parsed, _ = fresh_process_load()
    cached, _ = fresh_process_load()  # from the JSON files this time
    assert entries(cache, "config-*-config.*.marshal")
    for name, section in cached.items():
        assert section == parsed[name] == (yaml.safe_load((defaults / f"{name}.yaml")
                                                          .read_text("utf-8")) or {})


def test_a_changed_default_file_is_parsed_again(defaults):
    fresh_process_load()
    index_yaml = defaults / "index.yaml"
    index_yaml.write_text(index_yaml.read_text("utf-8").replace("path: .searchidx",
                                                                "path: elsewhere"), "utf-8")
    assert fresh_process_load()[0]["index"]["path"] == "elsewhere"


def test_a_damaged_cache_is_ignored_and_replaced(defaults, cache):
    fresh_process_load()
    [entry] = entries(cache, "config-*-config.index.marshal")
    entry.write_bytes(marshal.dumps({"key": "a whole entry"})[:-3])
    assert fresh_process_load()[0]["index"]["path"] == ".searchidx"
    assert marshal.loads(entry.read_bytes())["value"]["path"] == ".searchidx"


def test_a_user_file_warns_again_from_the_cache(defaults, tmp_path):
    user = tmp_path / "custom.yaml"
    user.write_text("index:\n  tittle_boost: 2\n  title_boost: 3.5\n", "utf-8")
    first = fresh_process_load(user)
    second = fresh_process_load(user)
    assert first == second
    assert first[0]["index"]["title_boost"] == 3.5
    assert any("did you mean 'title_boost'" in m for m in first[1])


def test_a_user_file_is_checked_again_when_the_defaults_change(defaults, tmp_path):
    user = tmp_path / "custom.yaml"
    user.write_text("index:\n  tittle_boost: 2\n", "utf-8")
    assert fresh_process_load(user)[1]  # unknown key
    with open(defaults / "index.yaml", "a", encoding="utf-8") as file:
        file.write("\ntittle_boost: 1\n")
    sections, messages = fresh_process_load(user)
    assert not messages and sections["index"]["tittle_boost"] == 2


def test_an_edited_user_file_is_read_again(defaults, tmp_path):
    user = tmp_path / "custom.yaml"
    user.write_text("index:\n  title_boost: 3.5\n", "utf-8")
    fresh_process_load(user)
    user.write_text("index:\n  title_boost: 4.5\n", "utf-8")
    assert fresh_process_load(user)[0]["index"]["title_boost"] == 4.5
    user.write_text("index:\n  title_boost: lots\n", "utf-8")
    with pytest.raises(ConfigError, match="should be a number"):
        fresh_process_load(user)


def test_values_not_plain_data_are_not_cached(defaults, cache, tmp_path):
    user = tmp_path / "custom.yaml"
    user.write_text("unknown_section:\n  when: 2023-09-01\n", "utf-8")  # a YAML date
    for _ in range(2):
        assert fresh_process_load(user)[1]  # warned each time, parsed each time
    assert not entries(cache, "config-*-user.*.marshal")


def test_a_folder_that_cannot_hold_the_cache_only_costs_time(defaults, cache):
    cache.write_text("not a folder")
    first, _ = fresh_process_load()
    assert fresh_process_load()[0] == first
    assert first["index"]["path"] == ".searchidx"


def test_an_empty_cache_setting_turns_the_cache_off(defaults, cache, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, "")
    first, _ = fresh_process_load()
    assert fresh_process_load()[0] == first
    assert not cache.exists()


def package_files():
    """Every file of the package and of its shipped YAML, bytecode aside."""
    return {path for folder in (ROOT / "searchidx", ROOT / "config")
            for path in folder.rglob("*") if path.is_file() and path.suffix != ".pyc"}


def test_caches_go_to_the_users_cache_folder_never_into_the_package(tmp_path, index_copy):
    # a file left in an installed package outlives `pip uninstall`, and the folder holding
    # it then hides a later editable install (a fresh clone's quickstart, then its tests)
    before = package_files()
    env = {CACHE_ENV: None, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    for args in (["--help"], ["query", "munizioni", "--index", str(index_copy)]):
        loaded_modules(tmp_path, *args, env=env)
    assert package_files() == before
    [folder] = (tmp_path / "xdg" / "searchidx").iterdir()
    assert (folder / "help.txt").is_file() and list(folder.glob("config-*.marshal"))


# -- the yardstick --------------------------------------------------------------------

def test_the_yardstick_finds_what_searchidx_finds(tmp_path, seeds_index):
    script = [sys.executable, str(ROOT / "scripts" / "cold_yardstick.py")]
    db = str(tmp_path / "fts5.sqlite3")
    missing = subprocess.run([*script, "query", "munizioni", "--db", db],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and "run 'build' first" in missing.stderr
    assert subprocess.run([*script, "build", str(SEEDS), "--db", db],
                          capture_output=True).returncode == 0
    done = subprocess.run([*script, "query", "munizioni", "--db", db],
                          capture_output=True, text=True)
    assert done.returncode == 0
    ids = {line.strip() for line in done.stdout.splitlines() if line.startswith("   0")}
    assert ids == {hit.id for hit in seeds_index.search("munizioni").hits}
    assert done.stdout.count("[munizioni]") == 3  # a snippet each


# -- paths without pathlib ---------------------------------------------------------------

@given(st.lists(st.sampled_from(["", ".", "..", "a", "b c", "~", "ix"]), max_size=6),
       st.sampled_from(["", "/", "//", "///"]), st.booleans())
def test_index_paths_are_written_as_pathlib_writes_them(parts, root, slash):
    text = root + "/".join(parts) + ("/" if slash else "")
    assert plain_path(text) == str(PurePosixPath(text))


def test_an_index_path_is_still_a_path(tmp_path, config):
    ix = Index(f"{tmp_path}//ix/./", config)
    assert ix.path == tmp_path / "ix" and ix.location.index == str(tmp_path / "ix")


@pytest.mark.parametrize(("args", "state"), [
    (["query", "munizioni"], "off"), (["stats"], "off"),
    (["query", "--batch", "-"], "on"),  # a batch runs long: the collector stays
    (["index", str(SEEDS)], "on")])
def test_only_one_answer_commands_run_without_the_garbage_collector(tmp_path, index_copy,
                                                                     args, state):
    loaded_modules(tmp_path, *args, "--index", str(index_copy), stdin="munizioni\n")
    assert (tmp_path / "modules.txt.collector").read_text() == state
