"""Turning validated records into table rows, record by record, in insert order.

Nothing here knows a table: each table class declares in ``rows_from`` what its rows
are made of (see `aijobs.db.mapping`), and `record_rows` walks one record, and every
claim of it, through those declarations. A record's rows number its claims from 0;
`RowWriter` adds the number of claims written before it, so rows can be made for each
record on its own (in a worker process, or read from the cache) and the database build
never queries back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from keyword import iskeyword
from typing import Any

from sqlalchemy import Column, Connection, Integer

from aijobs.claims import Claim, claims_of
from aijobs.db.mapping import From, Item, Path, compile_getter, owner_key, stated_claim
from aijobs.db.tables import Table, metadata, table_classes
from aijobs.kb import KnowledgeBase
from aijobs.records import Record
from aijobs.walk import Node

Row = dict[str, Any]

TABLE_ORDER = tuple(table.name for table in metadata.sorted_tables)
"""Table names in an order that satisfies foreign keys (referenced tables first)."""

RecordRows = tuple[int, tuple[tuple[int, tuple[Any, ...]], ...]]
"""A record's rows: (its number of claims, ((plan number, row values in `_Plan.columns` order), ...)).

Only builtin values, so they can be stored in the cache; claim numbers in them count
from 0 within the record (`RowWriter` makes them global).
"""


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
        self.columns = tuple(column.name for column in columns if not self._numbered_by_database(column))
        self.make = self._compile(list(self.columns))
        of = source.of if isinstance(source.of, tuple) else (source.of,)
        owned_by_claim = all(issubclass(kind, Claim) for kind in of)
        self.claim_positions = tuple(
            index
            for index, name in enumerate(self.columns)
            if source.columns.get(name) is stated_claim
            or (owned_by_claim and (source.columns.get(name) is owner_key or name == source.parent))
        )
        """Where the row holds a claim number (counted within its record until written)."""

    def _numbered_by_database(self, column: Column[Any]) -> bool:
        """An integer primary key the declaration does not fill: the database numbers the rows."""
        return column.primary_key and isinstance(column.type, Integer) and column.name not in self.source.columns

    def _compile(self, columns: list[str]) -> Callable[[Item], tuple[Any, ...]]:
        """One function that builds the whole row, as a hand-written one would.

        This is the build's hot loop (one call per row), so the declaration is turned
        into a single tuple display: a field read straight off the model is an attribute
        access, anything else calls its compiled getter.
        """
        namespace: dict[str, Any] = {}
        entries = []
        for number, name in enumerate(columns):
            getter = self.source.columns.get(name, name)
            if name == self.source.parent and name not in self.source.columns:
                entries.append("item.owner_key")
            elif isinstance(getter, str) and getter.isidentifier() and not iskeyword(getter):
                entries.append(f"model.{getter}")
            else:
                namespace[f"get{number}"] = compile_getter(getter)
                entries.append(f"get{number}(item)")
        source = "def make(item):\n    model = item.model\n    return (" + "".join(f"{e}, " for e in entries) + ")\n"
        # The source holds only repr()s of column names and checked identifiers, all from
        # the table classes; nothing from the data (the way dataclasses builds __init__).
        exec(source, namespace)
        make: Callable[[Item], tuple[Any, ...]] = namespace["make"]
        return make

    def row(self, item: Item) -> tuple[Any, ...]:
        try:
            return self.make(item)
        except AttributeError as error:
            raise self.missing(error, item.model) from error

    def missing(self, error: AttributeError, model: Any) -> TypeError:
        """The error for a column whose model has no such field (`error`, raised making a row of `model`)."""
        kind = type(error.obj).__name__ if getattr(error, "obj", None) is not None else type(model).__name__
        return TypeError(f"table {self.table}: {kind} has no field {error.name!r}; map the column in rows_from")


@cache
def _plans() -> list[_Plan]:
    """Every declaration of every table, compiled (once per process)."""
    plans = [_Plan(table, source) for table in table_classes() for source in table.rows_from]
    for plan in plans:
        first = next(other for other in plans if other.table == plan.table)
        if plan.columns != first.columns:  # RowWriter buffers a table's rows together
            raise TypeError(f"table {plan.table}: every rows_from declaration must fill the same columns")
    return plans


@cache
def _plans_for(kind: type) -> tuple[tuple[int, _Plan], ...]:
    """(plan number, plan) of the declarations whose rows are made of instances of `kind`."""
    return tuple((number, plan) for number, plan in enumerate(_plans()) if issubclass(kind, plan.source.of))


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


def record_rows(record: Record, shown: str, nodes: list[Node] | None = None) -> RecordRows:
    """Every row made of one record and its claims (claims numbered from 0 within it; `nodes`: its `walk`).

    The build's hot loop (one pass per row): a declaration without a field makes one row
    of its owner directly; one with a field goes through `_values`.
    """
    claims = list(claims_of(record, nodes))
    numbers = {claim.path: number for number, claim in enumerate(claims)}
    owners: list[tuple[Any, str | int]] = [(record, record.id)]
    owners += [(claim, number) for number, claim in enumerate(claims)]
    rows: list[tuple[int, tuple[Any, ...]]] = []
    append = rows.append
    memo: dict[str, Any] = {}
    plan: _Plan | None = None
    try:
        for owner, key in owners:
            for number, plan in _plans_for(owner.__class__):
                if plan.source.field is None:
                    claim = numbers.get(()) if plan.cited else None
                    append((number, plan.make(Item(owner, record, shown, key, (), None, claim, memo))))
                    continue
                for model, index, path in _values(owner, plan.source):
                    claim = numbers.get(path) if plan.cited else None
                    append((number, plan.make(Item(model, record, shown, key, path, index, claim, memo))))
    except AttributeError as error:
        if plan is None:
            raise
        raise plan.missing(error, record) from error
    return len(claims), tuple(rows)


def _globalised(plan: _Plan, values: tuple[Any, ...], first_claim: int) -> tuple[Any, ...]:
    """`values` with the record's claim numbers made global (the first claim's number is `first_claim`)."""
    if not plan.claim_positions:
        return values
    row = list(values)
    for position in plan.claim_positions:
        if row[position] is not None:
            row[position] += first_claim
    return tuple(row)


def build_rows(kb: KnowledgeBase) -> dict[str, list[Row]]:
    """Every row of every table, keyed by table name, as dicts (column: value)."""
    plans = _plans()
    rows: dict[str, list[Row]] = {name: [] for name in TABLE_ORDER}
    first_claim = 1
    for loaded in kb.loaded:
        claims, made = record_rows(loaded.record, loaded.shown_as)
        for number, values in made:
            plan = plans[number]
            rows[plan.table].append(dict(zip(plan.columns, _globalised(plan, values, first_claim), strict=True)))
        first_claim += claims
    return rows


def _insert(table: str, columns: tuple[str, ...], marker: str) -> str:
    """An INSERT of one row; names quoted (a column may be a reserved word such as "end")."""
    names = ", ".join(f'"{name}"' for name in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES ({", ".join(marker for _ in columns)})'


class RowBatches:
    """Takes records' rows as they come and hands them on a batch per table at a time (`flush`).

    Claim numbers are made global: each record's count on from the claims of the records
    before it. With `in_table_order` (PostgreSQL, which checks each foreign key as a row goes
    in), every row is held until `finish` and tables are handed on referenced ones first;
    otherwise rows go in batches of `batch`, so memory stays small. Rows of a table keep
    their order either way.
    """

    def __init__(self, in_table_order: bool = False, batch: int = 2000) -> None:
        self.plans = _plans()
        self.in_table_order = in_table_order
        self.batch = batch
        self.first_claim = 1
        self.pending: dict[str, list[tuple[Any, ...]]] = {name: [] for name in TABLE_ORDER}
        self.counts: dict[str, int] = dict.fromkeys(TABLE_ORDER, 0)
        self.columns = {plan.table: plan.columns for plan in self.plans}
        """The columns of each table its rows' values fill, in order (not the ones the database numbers)."""

    def add(self, rows: RecordRows) -> None:
        claims, made = rows
        plans, pending, first_claim = self.plans, self.pending, self.first_claim
        for number, values in made:
            plan = plans[number]
            table = pending[plan.table]
            table.append(_globalised(plan, values, first_claim) if plan.claim_positions else values)
            if len(table) >= self.batch and not self.in_table_order:
                self._flush(plan.table)
        self.first_claim += claims

    def _flush(self, table: str) -> None:
        rows = self.pending[table]
        if rows:
            self.flush(table, rows)
            self.counts[table] += len(rows)
            self.pending[table] = []

    def flush(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        """Hand on `rows` of `table` (values in `columns` order); `counts[table]` rows were before them."""
        raise NotImplementedError

    def finish(self) -> dict[str, int]:
        """Hand on what is left; returns the rows per table."""
        for table in TABLE_ORDER:
            self._flush(table)
        return self.counts


class RowWriter(RowBatches):
    """Writes records' rows into the database as they come (`RowBatches`)."""

    def __init__(self, connection: Connection, in_table_order: bool = False, batch: int = 2000) -> None:
        super().__init__(in_table_order, batch)
        self.connection = connection
        self.indexes: list[tuple[str, str]] = []
        """(name, SQL) of indexes dropped while the rows go in, to make again after (see `aijobs.db.build`)."""
        marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        self.sql = {table: _insert(table, names, marker) for table, names in self.columns.items()}

    def flush(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        self.connection.exec_driver_sql(self.sql[table], rows)
