"""Every example of the README runs: each command line in a real shell, the Python block
twice in one process (the second call of searchkit.extract once failed)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, write_jsonl

README = (REPO / "README.md").read_text(encoding="utf-8")
#: README placeholders -> what this test's workspace holds.
PLACEHOLDERS = {"PATH...": "seeds/", "ARTICLE_ID": "kyiv-prisoner-exchange",
                "ID...": "kyiv-prisoner-exchange", " ID": " kyiv-prisoner-exchange"}


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def command_lines() -> list[str]:
    """The `searchkit ...` lines of the README's command block, alternatives split."""
    use = next(b for b in blocks("") if "searchkit query" in b and "searchkit index PATH" in b)
    lines = []
    for line in use.splitlines():
        command = line.split("  #")[0].strip()
        if " | searchkit " in command:  # "show ID | stats | check [--repair] | delete ID..."
            lines += [part.strip() for part in command.split(" | ")]
        elif command.startswith("searchkit"):
            lines.append(command)
    expanded = []
    for command in lines:
        if "[--repair]" in command:
            expanded += [command.replace(" [--repair]", ""), command.replace("[--repair]", "--repair")]
        else:
            expanded.append(command)
    return expanded


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A folder holding every file the README's examples name, and `searchkit` on PATH."""
    root = tmp_path_factory.mktemp("readme")
    shutil.copytree(REPO / "seeds", root / "seeds")
    (root / "news").mkdir()
    write_jsonl(root / "news" / "war.jsonl", [
        {"id": "w1", "title": "Drones hit Odesa port", "date": "2024-03-02", "source": "Wire A",
         "text": "Russian drones hit the port of Odesa overnight, officials in Kyiv said. "
                 "Grain exports were halted after the strike."},
        {"id": "w2", "title": "Prisoner exchange", "date": "2024-03-05", "source": "Wire B",
         "text": "Ukraine and Russia exchanged 100 prisoners of war after talks brokered by "
                 "the United Arab Emirates, President Volodymyr Zelenskyy said."}])
    write_jsonl(root / "data.jsonl", [
        {"id": "d1", "text": "Ceasefire talks resumed.", "people": ["Volodymyr Zelenskyy"],
         "places": ["Kyiv"], "event_types": ["Peace talks"], "tags": ["diplomacy"]}])
    (root / "my-aliases.json").write_text(json.dumps({"people": {"Volodymyr Zelenskyy": ["Zelensky"]}}))
    (root / "my-events.json").write_text(json.dumps({"types": [{
        "type": "Cyber attack", "code": None, "group": "Cyber", "weight": 0.9,
        "patterns": [{"id": "hackers-hit", "pattern": [{"LEMMA": "hacker"}, {"LEMMA": "hit"}]}]}]}))
    (root / "article.txt").write_text("Drones hit Kyiv\n\nDrones hit Kyiv on Monday, officials said.\n")
    toml = next(b for b in blocks("toml"))
    (root / "searches.toml").write_text(toml)
    bin_dir = root / "bin"
    bin_dir.mkdir()
    script = bin_dir / "searchkit"
    script.write_text(f"#!/bin/sh\nexec {sys.executable} -c 'from searchkit.cli import main; main()' \"$@\"\n")
    script.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1"}
    return root, env


def test_every_command_line_of_the_readme_runs(workspace):
    root, env = workspace
    from distributed import LocalCluster

    # A scheduler on a TCP port of this machine, as the README's --dask line needs one.
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
                      host="127.0.0.1", dashboard_address=None) as cluster:
        for command in command_lines():
            for placeholder, value in PLACEHOLDERS.items():
                command = command.replace(placeholder, value)
            command = command.replace("tcp://scheduler:8786", cluster.scheduler_address)
            done = subprocess.run(["bash", "-c", command], cwd=root, env=env, capture_output=True,
                                  text=True, timeout=300)
            assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
            assert "Traceback" not in done.stderr, command
    assert (root / "out" / "index.html").is_file() and (root / "digest" / "summary.json").is_file()
    assert (root / "drones.csv").read_text().startswith("rank,id,title")


def test_the_python_example_runs_twice_in_one_process(workspace):
    root, env = workspace
    code = next(b for b in blocks("python"))
    twice = f"for _ in range(2):\n" + "".join(f"    {line}\n" for line in code.splitlines())
    done = subprocess.run([sys.executable, "-c", twice], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_two_setup_lines_are_the_ones_ci_runs():
    setup = next(b for b in blocks("") if b.startswith("pip install"))
    lines = setup.strip().splitlines()
    assert lines == ['pip install -e . && searchkit index seeds/ && searchkit query "prisoner exchange"',
                     'pip install -e ".[test]" && pytest']
    assert 'pip install -e \\".\\[test\\]\\" && ' in (REPO / ".ci" / "run").read_text() or \
        "pip install -e" in (REPO / ".ci" / "run").read_text()
