"""Turning a validated knowledge base into table rows (plain dicts, in insert order).

Nothing here knows a table: each table class declares in ``rows_from`` what its rows
are made of (see `aijobs.db.mapping`), and `build_rows` walks every record, and every
claim of it, through those declarations. Rows are built in memory in one pass, with
claim numbers assigned here, so the database build can insert each table with a single
executemany and never query back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from keyword import iskeyword
from typing import Any

from sqlalchemy import Column, Integer

from aijobs.db.mapping import From, Item, Path, compile_getter, stated_claim
from aijobs.db.tables import Table, metadata, table_classes
from aijobs.kb import KnowledgeBase

Row = dict[str, Any]

TABLE_ORDER = tuple(table.name for table in metadata.sorted_tables)
"""Table names in an order that satisfies foreign keys (referenced tables first)."""


class _Plan:
    """One declaration of one table, checked against the table's columns and compiled once."""

    def __init__(self, table: type[Table], source: From) -> None:
        self.table = str(table.__tablename__)
        self.source = source
        columns: list[Column[Any]] = list(table.__table__.columns)  # type: ignore[attr-defined]
        names = {column.name for column in columns}
        unknown = set(source.columns) - names | ({source.parent} - names - {None})
        if unknown:
            raise TypeError(f"{table.__name__}.rows_from names columns it does not have: {sorted(map(str, unknown))}")
        self.cited = stated_claim in source.columns.values()  # rows that need Item.claim_id
        self.make = self._compile([column.name for column in columns if not self._numbered_by_database(column)])

    def _numbered_by_database(self, column: Column[Any]) -> bool:
        """An integer primary key the declaration does not fill: the database numbers the rows."""
        return column.primary_key and isinstance(column.type, Integer) and column.name not in self.source.columns

    def _compile(self, columns: list[str]) -> Callable[[Item], Row]:
        """One function that builds the whole row, as a hand-written one would.

        This is the build's hot loop (one call per row), so the declaration is turned
        into a single dict display: a field read straight off the model is an attribute
        access, anything else calls its compiled getter.
        """
        namespace: dict[str, Any] = {}
        entries = []
        for number, name in enumerate(columns):
            getter = self.source.columns.get(name, name)
            if name == self.source.parent and name not in self.source.columns:
                entries.append(f"{name!r}: item.owner_key")
            elif isinstance(getter, str) and getter.isidentifier() and not iskeyword(getter):
                entries.append(f"{name!r}: model.{getter}")
            else:
                namespace[f"get{number}"] = compile_getter(getter)
                entries.append(f"{name!r}: get{number}(item)")
        source = "def make(item):\n    model = item.model\n    return {" + ", ".join(entries) + "}\n"
        # The source holds only repr()s of column names and checked identifiers, all from
        # the table classes; nothing from the data (the way dataclasses builds __init__).
        exec(source, namespace)
        make: Callable[[Item], Row] = namespace["make"]
        return make

    def row(self, item: Item) -> Row:
        try:
            return self.make(item)
        except AttributeError as error:
            raise TypeError(
                f"table {self.table}: {type(item.model).__name__} has no field {error.name!r}; "
                f"map the column in rows_from"
            ) from error


@cache
def _plans() -> list[_Plan]:
    """Every declaration of every table, compiled (once per process)."""
    return [_Plan(table, source) for table in table_classes() for source in table.rows_from]


def _values(owner: Any, source: From) -> Iterator[tuple[Any, int | None, Path]]:
    """(model, index in its list, path below the owner) of each row `source` makes of `owner`."""
    if source.field is None:
        yield owner, None, ()
        return
    value = getattr(owner, source.field)
    if isinstance(value, list | tuple):
        seen: set[Any] = set()
        for index, element in enumerate(value):
            if source.distinct:
                if element in seen:
                    continue
                seen.add(element)
            yield element, index, (source.field, index)
    elif value is not None:
        yield value, None, (source.field,)


def build_rows(kb: KnowledgeBase) -> dict[str, list[Row]]:
    """Every row of every table, keyed by table name."""
    plans = _plans()
    plans_for: dict[type, list[_Plan]] = {}  # the plans that apply to each model class
    rows: dict[str, list[Row]] = {name: [] for name in TABLE_ORDER}
    numbers: dict[str, dict[Path, int]] = {}  # {record id: {claim path: claim number}}
    for number, claim in enumerate(kb.claims(), start=1):
        numbers.setdefault(claim.subject, {})[claim.path] = number
    for loaded in kb.loaded:
        record, shown = loaded.record, loaded.shown_as
        claims = numbers.get(record.id, {})
        # What rows are made of: the record, keyed by its id, and its claims, by number.
        owners: list[tuple[Any, str | int]] = [(record, record.id)]
        owners += [(claim, claims[claim.path]) for claim in kb.claims_about(record.id)]
        for owner, key in owners:
            kind = type(owner)
            if kind not in plans_for:
                plans_for[kind] = [plan for plan in plans if isinstance(owner, plan.source.of)]
            for plan in plans_for[kind]:
                table = rows[plan.table]
                for model, index, path in _values(owner, plan.source):
                    item = Item(model, record, shown, key, path, index, claims.get(path) if plan.cited else None)
                    table.append(plan.row(item))
    return rows
