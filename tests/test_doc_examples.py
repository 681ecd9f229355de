"""The records shown in the docs are real: every example citation verifies against the corpus.

Examples copied from curated/README.md or CONTRIBUTING.md must pass `aijobs verify`; a
paragraph number off by one in the docs fails here, not in a contributor's pull request.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aijobs import load
from aijobs.loader import validate_document
from aijobs.provenance.corpus import Corpus, NormalizedDocument
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


def _commands(relative: str) -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", (REPO / relative).read_text(encoding="utf-8"), re.DOTALL)
    return [line.split("#")[0].strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_the_contributing_walk_through_runs_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Steps 3-5 of CONTRIBUTING.md in a copy where the walk-through's person does not exist yet."""
    import shlex
    import shutil

    from typer.testing import CliRunner

    from aijobs.cli import app

    corpus = _corpus_folder()
    shutil.copytree(REPO / "curated", tmp_path / "curated")
    (tmp_path / "curated/people/liu-genlin.yaml").unlink()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AIJOBS_CORPUS", str(corpus))
    runner = CliRunner()
    [create] = [command for command in _commands("CONTRIBUTING.md") if command.startswith("aijobs new ")]
    result = runner.invoke(app, shlex.split(create)[1:])
    assert (result.exit_code, result.output) == (
        0,
        "wrote curated/people/liu-genlin.yaml; check it with `aijobs validate` and `aijobs verify`\n",
    )
    [added] = yaml_examples("CONTRIBUTING.md")
    record = added if added.startswith("id: ") else "id: liu-genlin\n" + added
    (tmp_path / "curated/people/liu-genlin.yaml").write_text(record, encoding="utf-8")
    outputs = {}
    for command in ("validate", "verify", "fmt", "show liu-genlin"):
        result = runner.invoke(app, command.split())
        assert result.exit_code == 0, (command, result.output)
        outputs[command] = result.output
    kb = load(tmp_path / "curated")
    claims = len(kb.claims())
    assert outputs["validate"] == f"{len(kb)} records, {claims} claims: all valid\n"
    assert outputs["verify"].endswith(" 0 failure(s)\n"), outputs["verify"]
    person = kb.people[[p.id for p in kb.people].index("liu-genlin")]
    assert [name.text for name in person.names] == ["Liu Genlin", "刘根林", "劉根林"]
    assert [role.occupation for role in person.roles] == ["humanoid-robot-data-collector"]
