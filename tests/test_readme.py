"""The README and every command's --help say only what is true (issue 24).

Every ``searchidx COMMAND --option`` the README names exists; every option it names alone
exists in some command; every command of the CLI is in its table of commands; the tour
runs on a copy of the seeds, in order, with the exit status each line shows and the output
shown under it; the Python example runs; and every example of every ``--help`` that needs
nothing but the seeds runs with exit status 0.

In the tour, ``…`` in an output line stands for any text, a line of ``…`` alone for any
lines, and times (``in 0.4s``) are not compared.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from searchidx.cli import main
from searchidx.config import ConfigWarning, load_config
from searchidx.fields import FACETS

from .conftest import ROOT, SEEDS

README = (ROOT / "README.md").read_text("utf-8")
SCRIPT = Path(sys.executable).parent / "searchidx"  # the console script of this install
TOUR_HEADING = "## A five-minute tour"
SERVE_PORT = 8765  # what the tour's `searchidx serve` shows; the test asks for a free port

# a command of searchidx inside a piece of code: `searchidx query …`, not searchidx/ or .yaml
COMMAND = re.compile(r"(?<![\w/.-])searchidx ([a-z][\w-]*|--?[a-z][\w-]*)")
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])(?![\w-])")
EXIT_COMMENT = re.compile(r"\s+# exit (\d+)\b.*$")
DURATION = re.compile(r"\bin \d+(\.\d+)?s\b")


def sections(text: str) -> dict[str, str]:
    """The README's ``## `` sections by heading."""
    parts = re.split(r"(?m)^(## .*)$", text)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def code_blocks(text: str) -> list[tuple[str, str]]:
    """``(language, body)`` of every fenced block."""
    return re.findall(r"(?ms)^```(\w*)\n(.*?)^```", text)


def code_pieces(text: str) -> list[str]:
    """The shell code the README shows: ``$`` lines of console blocks, lines of bash
    blocks (comments left out) and inline code outside blocks."""
    pieces = []
    for language, body in code_blocks(text):
        for line in body.splitlines():
            if language == "console" and line.startswith("$ "):
                pieces.append(line[2:].split(" # ", 1)[0])
            elif language == "bash" and not line.lstrip().startswith("#"):
                pieces.append(line.split(" # ", 1)[0])
    prose = re.sub(r"(?ms)^```.*?^```", "", text)
    pieces += re.findall(r"`([^`\n]+)`", prose)
    return pieces


def command_options(command: click.Command) -> set[str]:
    return {name for param in command.params for name in getattr(param, "opts", [])
            + getattr(param, "secondary_opts", []) if name.startswith("-")}


GROUP_OPTIONS = command_options(main) | {"-h", "--help"}
OPTIONS = {name: command_options(command) | GROUP_OPTIONS
           for name, command in main.commands.items()}
EVERY_OPTION = set().union(*OPTIONS.values())


def named_in(piece: str) -> list[tuple[str | None, str]]:
    """``(command, option)`` for each option in ``piece``; command None for an option
    named with no ``searchidx COMMAND`` before it. Another program's options are left out."""
    named = []
    for segment in re.split(r"\s*(?:\||&&|;)\s*", piece):
        if re.match(r"[\w.]*/|pip |python|printf |cat ", segment):  # a script, another tool
            continue
        found = COMMAND.search(segment)
        if found and found.group(1).startswith("-"):
            named.append(("", found.group(1)))  # searchidx --version: the group's
        elif found:
            named += [(found.group(1), o) for o in OPTION.findall(segment[found.end():])]
            named.append((found.group(1), ""))
        else:
            named += [(None, o) for o in OPTION.findall(segment)]
    return named


def test_every_command_and_option_named_exists():
    wrong = []
    for piece in code_pieces(README):
        for command, option in named_in(piece):
            if command == "":
                ok = option in GROUP_OPTIONS
            elif command is None:
                ok = option in EVERY_OPTION
            else:
                ok = command in OPTIONS and (not option or option in OPTIONS[command])
            if not ok:
                wrong.append(f"{piece!r}: {command or ''} {option}".strip())
    assert not wrong, "the README names what the CLI does not have:\n" + "\n".join(wrong)


def test_the_table_of_commands_lists_every_command():
    table = sections(README)["## Commands"]
    listed = [m.group(1) for m in re.finditer(r"^\| `searchidx ([a-z]+)", table, re.M)]
    assert sorted(listed) == sorted(main.commands)
    from searchidx.cli import COMMAND_ORDER

    assert [c for c in listed if c in COMMAND_ORDER] == list(COMMAND_ORDER)  # --help's order


def test_the_facets_named_are_the_facets():
    named = re.search(r"`--facets ([\w,]+)`", README).group(1).split(",")
    assert named == list(FACETS)


@dataclass
class Example:
    command: str
    status: int
    shown: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"$ {self.command}  # exit {self.status}"


def tour() -> list[Example]:
    """The tour's commands, their exit status and the output shown under each."""
    examples: list[Example] = []
    for language, body in code_blocks(sections(README)[TOUR_HEADING]):
        assert language == "console", f"a tour block is ```{language}, not ```console"
        for line in body.splitlines():
            if line.startswith("$ "):
                status = EXIT_COMMENT.search(line)
                assert status, f"{line!r} shows no '# exit N'"
                examples.append(Example(line[2:status.start()].strip(), int(status.group(1))))
            elif line.strip():
                examples[-1].shown.append(line.rstrip())
    return examples


def missing_lines(shown: list[str], output: str) -> list[str]:
    """The lines of ``shown`` not found in ``output``, in order."""
    lines = [DURATION.sub("in Ns", line.rstrip()) for line in output.splitlines()]
    at, missing = 0, []
    for line in shown:
        if line == "…":
            continue
        pattern = re.compile(".*".join(re.escape(part)
                                       for part in DURATION.sub("in Ns", line).split("…")))
        for index in range(at, len(lines)):
            if pattern.fullmatch(lines[index]):
                at = index + 1
                break
        else:
            missing.append(line)
    return missing


def environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SEARCHIDX_")}
    env["PATH"] = f"{SCRIPT.parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def copy_of_the_seeds(folder: Path) -> Path:
    """``folder`` as the tour expects it: seeds/ in it, no index yet."""
    if not SCRIPT.exists():
        pytest.skip(f"no searchidx console script beside {sys.executable}")
    shutil.copytree(SEEDS, folder / "seeds")
    return folder


@pytest.fixture()
def seeds_copy(tmp_path):
    return copy_of_the_seeds(tmp_path)


@pytest.fixture(scope="module")
def indexed_seeds(tmp_path_factory):
    """A copy of the seeds indexed once, for the --help examples of every command."""
    folder = copy_of_the_seeds(tmp_path_factory.mktemp("help-examples"))
    status, output = run_example(Example("searchidx index seeds/", 0), folder)
    assert status == 0, output
    return folder


def run_example(example: Example, folder: Path) -> tuple[int, str]:
    if example.command.startswith("searchidx serve"):
        return serve(example.command, folder)
    done = subprocess.run(["bash", "-c", example.command], cwd=folder, env=environment(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=300)
    return done.returncode, done.stdout


def serve(command: str, folder: Path) -> tuple[int, str]:
    """``searchidx serve`` on a free port: its first line, the page answering, then Ctrl+C."""
    pytest.importorskip("starlette", reason="the web extra is not installed")
    # Ctrl+C as at a terminal, even when these tests run in the background (`pytest &`),
    # whose processes start with SIGINT ignored and would pass that on to the server
    process = subprocess.Popen(["bash", "-c", f"exec {command} --port 0"], cwd=folder,
                               env=environment(), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        first = process.stdout.readline()
        address = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
        assert address, first
        with urllib.request.urlopen(f"{address.group(0)}?q=munizioni", timeout=30) as page:
            assert page.status == 200
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, first.replace(address.group(1), str(SERVE_PORT)) + rest


def test_the_tour_runs_as_shown(seeds_copy):
    examples = tour()
    assert len(examples) >= 10 and examples[0].command == "searchidx index seeds/"
    wrong = []
    for example in examples:
        status, output = run_example(example, seeds_copy)
        if status != example.status:
            wrong.append(f"{example}: exit {status}\n{output}")
        elif missing := missing_lines(example.shown, output):
            wrong.append(f"{example}: not in the output: {missing}\n{output}")
    assert not wrong, "\n\n".join(wrong)


def test_the_python_example_runs(seeds_copy):
    (code,) = [body for language, body in code_blocks(sections(README)["## Python API"])
               if language == "python"]
    done = subprocess.run([sys.executable, "-c", code], cwd=seeds_copy, env=environment(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "002_3735a5c7a403e3e4" in done.stdout


def test_the_configuration_example_is_valid(tmp_path):
    (example,) = [body for language, body in code_blocks(sections(README)["## Configuration"])
                  if language == "yaml"]
    (tmp_path / "searchidx.yaml").write_text(example, "utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConfigWarning)  # no unknown key
        config = load_config(tmp_path / "searchidx.yaml")
        assert config["index"]["title_boost"] == 3.0  # sections are checked when read
        assert "Giorgia Meloni" in config["people"]["people"]


def help_examples(command: str) -> list[str]:
    """The example lines of ``searchidx COMMAND --help``."""
    text = CliRunner().invoke(main, [command, "--help"]).output
    block = text.split("Example", 1)[1].split("\n\n", 1)[0]
    return [line.split(" # ", 1)[0].strip() for line in block.splitlines()[1:]
            if "searchidx " in line]


def runs_on_the_seeds(example: str, folder: Path) -> bool:
    """Whether ``example`` needs nothing but the seeds: no other index, no file absent
    from ``folder``, no browser opened."""
    words = example.split()
    if "--index" in words or "--open" in words:
        return False
    paths = [w for w in words if re.search(r"/|\.\w+$", w) and not w.startswith("-")]
    return all((folder / w).exists() for w in paths if "=" not in w)


@pytest.mark.parametrize("command", sorted(main.commands))
def test_help_examples_run_on_the_seeds(indexed_seeds, command):
    examples = help_examples(command)
    assert examples, f"searchidx {command} --help shows no example"
    runnable = [e for e in examples if runs_on_the_seeds(e, indexed_seeds)]
    assert runnable, f"no example of searchidx {command} --help runs on the seeds"
    expected = 130 if command == "serve" else 0  # serve runs until Ctrl+C, as in the tour
    for example in runnable:
        status, output = run_example(Example(example, expected), indexed_seeds)
        assert status == expected, f"{example}: exit {status}\n{output}"
