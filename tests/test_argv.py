"""The hot commands' lines read without click mean what click makes of them (issue 26):
whatever :func:`searchidx.argv.parse` reads, click reads the same; what click refuses,
it leaves to click."""

import re
import shutil
import subprocess
import sys

import click
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from searchidx.argv import parse
from searchidx.cli import main
from searchidx.command_lines import PARAMETERS
from searchidx.command_spec import describe_hot
from searchidx.commands import HOT, read_line

from .conftest import SEEDS

SPECS = describe_hot()


def clicks(name, args):
    """The parameters click passes to ``name``'s function for ``args``, or None when it
    refuses them (a usage error, or --help)."""
    try:
        with main.commands[name].make_context(name, list(args)) as ctx:
            return ctx.params
    except (click.ClickException, click.exceptions.Exit):
        return None


def test_every_hot_command_is_described():
    assert all(SPECS[name] is not None for name in HOT)  # else __main__ hands all to click


def test_the_generated_parameters_are_clicks():
    assert PARAMETERS == SPECS, ("searchidx/command_lines.py is stale: "
                                 "run python -m searchidx.command_spec")


def test_an_export_is_left_to_click():  # it checks which options were typed
    assert read_line(["query", "munizioni", "--format", "csv"]) is not None
    assert read_line(["query", "munizioni", "--all", "--format", "csv"]) is None
    assert read_line(["query", "munizioni", "--fields", "id", "--all"]) is None
    assert read_line(["show", "x"]) is None


# what scripts and people type: each must be read here, as click reads it
READ_HERE = [
    ("query", ["munizioni"]),
    ("query", ["munizioni", "--index", "/tmp/ix"]),
    ("query", ["--index=/tmp/ix", "era sovietica", "--facets", "people,speakers",
               "--format", "json"]),
    ("query", ["", "--speaker", "Kirby", "--speaker", "Putin", "--from", "2023-09-01"]),
    ("query", ["droni", "--any", "-n", "3", "--page", "2", "--sort", "-date", "--no-snippets"]),
    ("query", ["--source", "Globalist.it", "--", "-Kim"]),
    ("query", ["munizioni", "--limit", "5", "--limit", "7"]),
    ("query", ["--speaker", "-x", "--person", "--any"]),  # as click: any next word is a value
    ("query", []),
    ("stats", []),
    ("stats", ["--format", "json", "--index", "/tmp/ix"]),
    ("index", [str(SEEDS), "--quiet", "--index", "/tmp/ix"]),
    ("index", []),
    ("index", ["a.csv", "b.json", "--map", "text=corpo", "-q", "-v", "--wait", "1.5"]),
    ("index", ["--rebuild", "--optimize", "--all-captures", "--format", "json", "-"]),
]

# lines left to click: its help, its errors, what only click reads
LEFT_TO_CLICK = [
    ("query", ["--help"]), ("query", ["-h"]), ("query", ["--bogus"]),
    ("query", ["munizioni", "--limit", "x"]), ("query", ["--sort", "newest"]),
    ("query", ["--limit"]), ("query", ["a", "b"]), ("query", ["-n5"]),
    ("query", ["--any=yes"]), ("query", ["--batch", "-"]),
    ("query", ["--config", str(SEEDS)]),  # a folder: click.Path(dir_okay=False) says so
    ("stats", ["extra"]), ("stats", ["--format", "csv"]),
    ("index", ["--wait", "soon"]), ("index", ["-qv"]),
]


@pytest.mark.parametrize(("name", "args"), READ_HERE)
def test_what_scripts_type_is_read_here_as_click_reads_it(name, args):
    ours = parse(SPECS[name], args)
    assert ours is not None
    assert ours == clicks(name, args)


@pytest.mark.parametrize(("name", "args"), LEFT_TO_CLICK)
def test_help_errors_and_the_rest_are_left_to_click(name, args):
    assert parse(SPECS[name], args) is None


def _tokens(name):
    """Words a command line of ``name`` may hold: its options, values of every kind
    (good and bad), and words that look like options."""
    opts = [opt for p in SPECS[name]["params"] if not p["argument"] for opt in p["opts"]]
    values = ["munizioni", "", "0", "3", "-1", "2.5", "x", "json", "text", "-date", "--",
              "-", "--=", "-n5", "--bogus", "--help", str(SEEDS), "seeds/001.txt"]
    with_equals = st.builds(lambda o, v: f"{o}={v}", st.sampled_from(opts), st.sampled_from(values))
    return st.lists(st.one_of(st.sampled_from(opts), st.sampled_from(values), with_equals),
                    max_size=8)


@pytest.mark.parametrize("name", sorted(HOT))
@settings(max_examples=300, deadline=None)
@given(data=st.data())
@example(data=None)
def test_any_line_read_here_is_read_as_click_reads_it(name, data):
    args = [] if data is None else data.draw(_tokens(name))
    ours = parse(SPECS[name], args)
    if ours is not None:
        assert ours == clicks(name, args), args


def _run(entry, args, cwd):
    """stdout, stderr and status of a fresh ``searchidx ARGS`` process started at
    ``entry`` (``searchidx.__main__:run``, the console script, or ``searchidx.cli:main``)."""
    module, function = entry.split(":")
    code = (f"import sys; sys.argv = ['searchidx', *sys.argv[1:]]\n"
            f"from {module} import {function}\nsys.exit({function}())")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)
    return done.stdout, done.stderr, done.returncode


@pytest.mark.parametrize("args", [
    ["query", "munizioni"], ["query", "munizioni", "--format", "json", "-n", "2"],
    ["query", "nessunaparolacosì"], ["query", "", "--speaker", "Kirby", "--format", "csv"],
    ["query", "munizioni", "--facets", "people,bogus"], ["query", "title:"],
    ["stats"], ["stats", "--format", "json"], ["index", str(SEEDS), "--quiet"],
    ["query", "munizioni", "--index", "/nonexistent/searchidx"],
])
def test_the_console_script_answers_as_click_does(tmp_path, seeds_index, args):
    folder = tmp_path / "index"
    shutil.copytree(seeds_index.path, folder)
    if "--index" not in args:
        args = [*args, "--index", str(folder)]
    ours = _run("searchidx.__main__:run", args, tmp_path)
    theirs = _run("searchidx.cli:main", args, tmp_path)
    if args[0] == "index":  # the summary's seconds differ from run to run
        ours, theirs = ([re.sub(r"in \d+\.\ds", "in Ns", part) if isinstance(part, str)
                         else part for part in each] for each in (ours, theirs))
    assert ours == theirs
