"""The records shown in the docs are real: every example citation verifies against the corpus.

Examples copied from curated/README.md or CONTRIBUTING.md must pass `aijobs verify`; a
paragraph number off by one in the docs fails here, not in a contributor's pull request.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aijobs import load
from aijobs.db.build import build_sqlite
from aijobs.loader import validate_document
from aijobs.provenance.corpus import Corpus, CorpusNotFound, NormalizedDocument, find_corpus
from aijobs.text import normalize
from aijobs.yamlfile import parse_yaml
from tests.conftest import REPO
from tests.test_curated_data import _corpus_folder

DOCS = ["curated/README.md", "CONTRIBUTING.md"]
_FENCE = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def yaml_examples(relative: str) -> list[str]:
    return _FENCE.findall((REPO / relative).read_text(encoding="utf-8"))


def citations(data: Any, default: str | None = None) -> Iterator[tuple[str, int, str]]:
    """Every citation in an example; one without `source` takes its record's `source:` default."""
    if isinstance(data, dict):
        if isinstance(data.get("id"), str) and isinstance(data.get("source"), str):
            default = data["source"]
        if {"para", "quote"} <= data.keys() and ("source" in data or default is not None):
            source = str(data.get("source", default))
            yield source, data["para"], str(data["quote"])
            also = data.get("also")
            if isinstance(also, dict):
                yield source, also["para"], str(also["quote"])
            return
        for value in data.values():
            yield from citations(value, default)
    elif isinstance(data, list):
        for value in data:
            yield from citations(value, default)


@pytest.mark.parametrize("relative", DOCS)
def test_every_example_citation_verifies(relative: str) -> None:
    kb = load(REPO / "curated")
    corpus = Corpus.open(kb, _corpus_folder())
    documents = {sid: NormalizedDocument.of(doc) for sid, doc in corpus.documents.items()}
    found = [c for block in yaml_examples(relative) for c in citations(parse_yaml(block, relative).data)]
    assert found, f"no example citations found in {relative}"
    failures = [
        f"{source}:{para}: {quote!r}"
        for source, para, quote in found
        if normalize(quote) not in documents[source].paragraphs.get(para, "")
    ]
    assert failures == []


def test_the_figure_example_is_a_valid_record() -> None:
    [figure] = [
        block for block in yaml_examples("curated/README.md") if block.startswith("id: ") and "measure:" in block
    ]
    document = parse_yaml(figure, "example.yaml", Path("example.yaml"))
    record, problems = validate_document(document, "figures", document.data["id"])
    assert [str(problem) for problem in problems] == []
    assert record is not None


# --- every shell example is run -----------------------------------------------------
#
# A shell block (```sh, ```bash, ```shell, ```console, or a ```text block whose first line
# starts with `$ `) is run command by command, in document order, in a scratch copy of
# curated/. In a transcript (`$ command` lines followed by what it prints), the whole
# output must be what the document shows; a command shown without output must exit 0
# without a traceback. A command no test can run is listed in NOT_RUN with the reason:
# a new example is run by default, so none is ever silently untested.

SHELL_DOCS = ["README.md", "curated/README.md", "CONTRIBUTING.md"]
SHELL_LANGUAGES = {"sh", "bash", "shell", "console", "zsh"}
OTHER_LANGUAGES = {"yaml", "python", "sql", "text", "json", "toml"}
_BLOCK = re.compile(r"^```([\w-]*)\n(.*?)^```$", re.DOTALL | re.MULTILINE)

NOT_RUN = {
    "python3 -m venv .venv && . .venv/bin/activate && pip install -q -e . && aijobs build": (
        "creates a virtual environment and installs from the package index"
    ),
    "python3 -m venv .venv && . .venv/bin/activate && pip install -q -e '.[test]' && pytest": (
        "creates a virtual environment, installs from the package index and runs this test suite"
    ),
    "python3 -m venv .venv && . .venv/bin/activate && pip install -q -e '.[test]'": (
        "creates a virtual environment and installs from the package index"
    ),
    "pip install -q -e '.[serve]' && aijobs build && aijobs serve": (
        "installs from the package index, and `aijobs serve` runs a server until stopped"
    ),
    "pytest": "this test suite itself; running it inside a test recurses",
}

# Arguments a test cannot use as written, replaced with the reason.
SUBSTITUTED = {
    "--db postgresql://me@localhost/aijobs": (
        "--db aijobs.db",
        "needs a PostgreSQL server at that URL; the same search on the SQLite build must print the same "
        "(tests/test_postgres.py compares the two engines)",
    ),
}

# Commands that read the source documents: skipped, visibly, without them.
NEEDS_CORPUS = {"source", "verify", "coverage", "corpus"}


@dataclass
class Command:
    """One command of a document's shell example, and the output the document shows (None: none shown)."""

    doc: str
    line: int
    text: str
    shown: str | None


@dataclass
class Block:
    language: str
    line: int
    body: str


def fenced_blocks(relative: str) -> list[Block]:
    text = (REPO / relative).read_text(encoding="utf-8")
    return [Block(m.group(1), text.count("\n", 0, m.start()) + 1, m.group(2)) for m in _BLOCK.finditer(text)]


def is_shell(block: Block) -> bool:
    return block.language in SHELL_LANGUAGES or (block.language == "text" and block.body.startswith("$ "))


def shell_commands(relative: str, block: Block) -> list[Command]:
    """The commands of a shell block: one per line, or in a transcript each `$ ` line with what follows it."""
    commands: list[Command] = []
    transcript = block.body.startswith("$ ")
    for number, line in enumerate(block.body.splitlines(), start=block.line + 1):
        if transcript and not line.startswith("$ "):
            assert commands, f"{relative}:{number}: output before the first `$ ` command"
            commands[-1].shown = (commands[-1].shown or "") + line + "\n"
            continue
        command = re.sub(r"(^|\s)#.*", "", line.removeprefix("$ ")).strip()  # a comment ends the line
        if command:
            commands.append(Command(relative, number, command, "" if transcript else None))
    return commands


def commands(relative: str) -> list[Command]:
    return [c for block in fenced_blocks(relative) if is_shell(block) for c in shell_commands(relative, block)]


@pytest.mark.parametrize("relative", SHELL_DOCS)
def test_every_fenced_block_is_classified(relative: str) -> None:
    """A block without a language, or an unknown one, could hide a command no test runs."""
    unknown = [
        f"{relative}:{block.line}: ```{block.language}"
        for block in fenced_blocks(relative)
        if block.language not in SHELL_LANGUAGES | OTHER_LANGUAGES
    ]
    assert unknown == [], "name the block's language, and add it to SHELL_LANGUAGES if it is a shell"
    hidden = [
        f"{relative}:{block.line}"
        for block in fenced_blocks(relative)
        if block.language == "text" and not is_shell(block) and re.search(r"^\$ ", block.body, re.MULTILINE)
    ]
    assert hidden == [], "a transcript must start with its `$ ` command"


def test_not_run_lists_only_commands_the_docs_show() -> None:
    shown = {c.text for relative in SHELL_DOCS for c in commands(relative)}
    assert set(NOT_RUN) - shown == set()
    assert {old for old in SUBSTITUTED if not any(old in text for text in shown)} == set()


def _argv(command: Command) -> list[str]:
    text = command.text
    for old, (new, _reason) in SUBSTITUTED.items():
        text = text.replace(old, new)
    argv = shlex.split(text)
    assert argv[0] == "aijobs" and not {"&&", "||", "|", ";", ">", "<"} & set(argv), (
        f"{command.doc}:{command.line}: `{command.text}` is not a plain aijobs command; "
        "run it in a test or list it in NOT_RUN with the reason"
    )
    return argv[1:]


def run_commands(found: list[Command], corpus: Path | None, skipped: list[str]) -> list[tuple[Command, str]]:
    """Run each command in the current folder; assert what each must show. Returns the outputs."""
    from typer.testing import CliRunner

    from aijobs.cli import app

    runner = CliRunner()
    outputs = []
    for command in found:
        if command.text in NOT_RUN:
            continue
        argv = _argv(command)
        where = f"{command.doc}:{command.line}: `{command.text}`"
        if argv[0] in NEEDS_CORPUS and "--help" not in argv and corpus is None:
            skipped.append(where)
            continue
        result = runner.invoke(app, argv, prog_name="aijobs")
        assert "Traceback" not in result.output, f"{where}\n{result.output}"
        assert result.exception is None or isinstance(result.exception, SystemExit), (where, result.exception)
        if command.shown is None:
            assert result.exit_code == 0, f"{where} exited {result.exit_code}:\n{result.output}"
        else:
            assert result.output == command.shown, f"{where} prints:\n{result.output}"
        outputs.append((command, result.output))
    return outputs


def _optional_corpus() -> Path | None:
    try:
        return find_corpus(start=REPO)
    except CorpusNotFound:
        if os.environ.get("AIJOBS_REQUIRE_CORPUS") == "1":
            raise
        return None


def _scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path | None:
    shutil.copytree(REPO / "curated", tmp_path / "curated")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AIJOBS_CACHE_DIR", "")
    corpus = _optional_corpus()
    if corpus is not None:
        monkeypatch.setenv("AIJOBS_CORPUS", str(corpus))
    else:
        monkeypatch.setenv("AIJOBS_CORPUS", str(tmp_path / "no-corpus"))
    return corpus


def _skip_visibly(skipped: list[str]) -> None:
    if skipped:
        pytest.skip("the source documents are absent; not run: " + "; ".join(skipped))


def test_readme_commands_run_and_print_what_the_readme_shows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """README.md's examples, on a scratch copy of curated/ and the database built from it."""
    corpus = _scratch(tmp_path, monkeypatch)
    build_sqlite(load(tmp_path / "curated"), tmp_path / "aijobs.db")
    found = commands("README.md")
    assert len(found) > 20
    skipped: list[str] = []
    run_commands(found, corpus, skipped)
    _skip_visibly(skipped)


def test_curated_readme_has_no_shell_example_yet() -> None:
    """curated/README.md shows records, not commands; a command added there must be run by a test here."""
    assert commands("curated/README.md") == []


def test_the_contributing_walk_through_runs_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every step of CONTRIBUTING.md in order, in a scratch copy where its person does not exist yet.

    As the walk-through says, liu-genlin is deleted first; step 4's record replaces what
    step 3 wrote below its comment line, before step 5's checks run.
    """
    _corpus_folder()  # skips visibly without the documents: every step reads them (`new` checks the quote)
    corpus = _scratch(tmp_path, monkeypatch)
    (tmp_path / "curated/people/liu-genlin.yaml").unlink()
    skipped: list[str] = []
    ran = []
    for block in fenced_blocks("CONTRIBUTING.md"):
        if block.language == "yaml":  # the contributor fills in the file `aijobs new` wrote, under its comment
            path = tmp_path / "curated/people/liu-genlin.yaml"
            header = [line for line in path.read_text(encoding="utf-8").splitlines(keepends=True) if line[0] == "#"]
            path.write_text("".join(header) + block.body, encoding="utf-8")
        elif is_shell(block):
            ran += run_commands(shell_commands("CONTRIBUTING.md", block), corpus, skipped)
    outputs = {command.text: output for command, output in ran}
    kb = load(tmp_path / "curated")
    assert outputs["aijobs validate"] == f"{len(kb)} records, {len(kb.claims())} claims: all valid\n"
    assert outputs["aijobs fmt"] == "fmt: 0 file(s) reformatted, 0 could not be formatted\n"
    if corpus is not None:
        assert outputs["aijobs verify"].endswith(" 0 failure(s)\n"), outputs["aijobs verify"]
    person = kb.people[[p.id for p in kb.people].index("liu-genlin")]
    assert [name.text for name in person.names] == ["Liu Genlin", "刘根林", "劉根林"]
    assert [role.occupation for role in person.roles] == ["humanoid-robot-data-collector"]
    _skip_visibly(skipped)


def test_a_failing_example_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner catches a wrong output, a failing command and a command it cannot run."""
    _scratch(tmp_path, monkeypatch)
    wrong = Command("X.md", 1, "aijobs show ai-trainr", "person ai-trainer\n")
    with pytest.raises(AssertionError, match=re.escape("X.md:1: `aijobs show ai-trainr` prints:")):
        run_commands([wrong], None, [])
    failing = Command("X.md", 2, "aijobs validate nowhere", None)
    with pytest.raises(AssertionError, match=re.escape("X.md:2: `aijobs validate nowhere` exited 1")):
        run_commands([failing], None, [])
    shell = Command("X.md", 3, "aijobs build && rm -rf curated", None)
    with pytest.raises(AssertionError, match="is not a plain aijobs command; run it in a test or list it in NOT_RUN"):
        run_commands([shell], None, [])
    assert (tmp_path / "curated").is_dir()


def test_transcripts_and_command_lists_are_read_apart() -> None:
    block = Block("console", 10, "$ aijobs fmt\nfmt: done\n\n$ aijobs show x\nx\n")
    assert [(c.line, c.text, c.shown) for c in shell_commands("X.md", block)] == [
        (11, "aijobs fmt", "fmt: done\n\n"),
        (14, "aijobs show x", "x\n"),
    ]
    listing = Block("sh", 1, "aijobs validate   # comment\n# only a comment\n\naijobs fmt\n")
    assert [(c.line, c.text, c.shown) for c in shell_commands("X.md", listing)] == [
        (2, "aijobs validate", None),
        (5, "aijobs fmt", None),
    ]
