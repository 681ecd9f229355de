"""Scoring a search function on the evaluation set: top-1 and mean reciprocal rank."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

EVAL_SET = Path(__file__).parent / "search_eval.yaml"


@dataclass(frozen=True)
class Case:
    query: str
    find: str
    kind: str


def load_eval(path: Path = EVAL_SET) -> list[Case]:
    return [Case(str(item["query"]), str(item["find"]), str(item["kind"])) for item in yaml.safe_load(path.read_text())]


@dataclass
class Score:
    ranks: list[tuple[Case, int | None]] = field(default_factory=list)
    """Each case with the 1-based rank of the expected record, None when not found."""

    @property
    def top1(self) -> float:
        return sum(rank == 1 for _, rank in self.ranks) / len(self.ranks)

    @property
    def mrr(self) -> float:
        return sum(1 / rank for _, rank in self.ranks if rank) / len(self.ranks)

    def summary(self) -> str:
        return f"{len(self.ranks)} queries, top-1 {self.top1:.1%}, MRR {self.mrr:.3f}"

    def by_kind(self) -> dict[str, tuple[float, float]]:
        kinds: dict[str, Score] = {}
        for case, rank in self.ranks:
            kinds.setdefault(case.kind, Score()).ranks.append((case, rank))
        return {kind: (part.top1, part.mrr) for kind, part in kinds.items()}

    def misses(self) -> list[str]:
        return [f"{case.query!r} -> {case.find}: rank {rank}" for case, rank in self.ranks if rank != 1]


def score(find: Callable[[str], Sequence[str]], cases: list[Case]) -> Score:
    """Rank of each case's record among the ids `find` returns for its query."""
    result = Score()
    for case in cases:
        found = list(find(case.query))
        result.ranks.append((case, found.index(case.find) + 1 if case.find in found else None))
    return result
