"""Turning a validated knowledge base into table rows (plain dicts, in insert order).

Nothing here knows a table: each table class declares in ``rows_from`` what its rows
are made of (see `aijobs.db.mapping`), and `build_rows` walks every record, and every
claim of it, through those declarations. Rows are built in memory in one pass, with
claim numbers assigned here, so the database build can insert each table with a single
executemany and never query back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Column, Integer

from aijobs.db.mapping import From, Item, Path, read
from aijobs.db.tables import Table, metadata, table_classes
from aijobs.kb import KnowledgeBase

Row = dict[str, Any]

TABLE_ORDER = tuple(table.name for table in metadata.sorted_tables)
"""Table names in an order that satisfies foreign keys (referenced tables first)."""

_MISSING = object()


class _Plan:
    """One declaration of one table, checked against the table's columns once."""

    def __init__(self, table: type[Table], source: From) -> None:
        self.table = str(table.__tablename__)
        self.source = source
        columns: list[Column[Any]] = list(table.__table__.columns)  # type: ignore[attr-defined]
        names = {column.name for column in columns}
        unknown = set(source.columns) - names | ({source.parent} - names - {None})
        if unknown:
            raise TypeError(f"{table.__name__}.rows_from names columns it does not have: {sorted(map(str, unknown))}")
        self.columns = [column.name for column in columns if not self._numbered_by_database(column)]

    def _numbered_by_database(self, column: Column[Any]) -> bool:
        """An integer primary key the declaration does not fill: the database numbers the rows."""
        return column.primary_key and isinstance(column.type, Integer) and column.name not in self.source.columns

    def row(self, item: Item) -> Row:
        row: Row = {}
        for name in self.columns:
            if name in self.source.columns:
                row[name] = read(self.source.columns[name], item)
            elif name == self.source.parent:
                row[name] = item.owner_key
            else:
                value = getattr(item.model, name, _MISSING)
                if value is _MISSING:
                    raise TypeError(
                        f"table {self.table}: {type(item.model).__name__} has no field {name!r}; "
                        f"map the column in rows_from"
                    )
                row[name] = value
        return row


def _plans() -> list[_Plan]:
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
    rows: dict[str, list[Row]] = {name: [] for name in TABLE_ORDER}
    numbers = {(claim.subject, claim.path): number for number, claim in enumerate(kb.claims(), start=1)}
    for loaded in kb.loaded:
        record = loaded.record
        # What rows are made of: the record, keyed by its id, and its claims, by number.
        owners: list[tuple[Any, str | int, Path]] = [(record, record.id, ())]
        owners += [(claim, numbers[(claim.subject, claim.path)], claim.path) for claim in kb.claims_about(record.id)]
        for plan in plans:
            for owner, key, base in owners:
                if not isinstance(owner, plan.source.of):
                    continue
                for model, index, below in _values(owner, plan.source):
                    path = (*base, *below)
                    item = Item(model, record, loaded.shown_as, key, path, index, numbers.get((record.id, path)))
                    rows[plan.table].append(plan.row(item))
    return rows
