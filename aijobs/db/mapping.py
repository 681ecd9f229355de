"""Where a table's rows come from: the declaration every table class carries.

Each table class in `aijobs.db.tables` says, in its ``rows_from`` class variable, what
its rows are made of and how their columns are read:

* ``From(Occupation)`` — one row per occupation record;
* ``From(Person, "roles", parent="person_id")`` — one row per item of a record's list
  field (or per value of a single sub-model field), with the record id in ``person_id``;
* ``From(Claim)`` / ``From(Claim, "citations", parent="claim_id")`` — one row per claim,
  or per citation of each claim, with the claim's number in ``claim_id``.

A column takes the model's field of the same name unless ``columns`` says otherwise:
a dotted path (``"producer.kind"``, read through None) or a function of the `Item`.
Integer primary keys are left to the database, except where ``columns`` fills them
(the claim numbers, which other rows refer to). `aijobs.db.rows` walks these
declarations; no table is special-cased there, so a new record field that maps to a
same-named column needs only the column and its migration.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Path = tuple[str | int, ...]


@dataclass(slots=True)
class Item:
    """What one row is made of, with the context a column may need."""

    model: Any
    """The record, claim, sub-model or plain value (an id in a list) the row is made of."""
    record: Any
    """The record it belongs to (a `aijobs.records.Record`)."""
    file: str
    """The record's curated file, as shown to people."""
    owner_key: str | int
    """What the ``parent`` column receives: the record id, or the claim's number."""
    path: Path
    """Where ``model`` is in its owner: ``()`` for the owner itself, ``("roles", 0)``."""
    index: int | None
    """The position of ``model`` in its list field, if it is in one."""
    claim_id: int | None
    """The number of the claim ``model`` states (it carries ``cite``), if any; filled only
    for declarations that read it through `stated_claim`."""
    memo: dict[str, Any]
    """Shared by every item of one record: what a getter works out of the whole record once
    (see `per_record`), rather than once per row."""


Getter = str | Callable[[Item], Any]
"""How a column is read: a dotted attribute path on the item's model, or a function."""


@dataclass(frozen=True)
class From:
    """Rows made of each instance of `of`, or of the values of its field `field`."""

    of: type | tuple[type, ...]
    field: str | None = None
    parent: str | None = None
    columns: Mapping[str, Getter] = dataclasses.field(default_factory=dict)
    distinct: bool = False
    """Skip repeated values of a list field (a list of ids may name one twice)."""


def compile_getter(getter: Getter) -> Callable[[Item], Any]:
    """`getter` as a function of the item; a dotted path stops at the first None."""
    if callable(getter):
        return getter
    first, *rest = getter.split(".")
    if not rest:
        return lambda item: getattr(item.model, first)

    def follow(item: Item) -> Any:
        value = getattr(item.model, first)
        for name in rest:
            if value is None:
                return None
            value = getattr(value, name)
        return value

    return follow


def per_record(item: Item, name: str, compute: Callable[[Any], Any]) -> Any:
    """`compute(item.record)`, worked out once for all the rows of a record (kept in `Item.memo`)."""
    memo = item.memo
    if name not in memo:
        memo[name] = compute(item.record)
    return memo[name]


# Getters shared by several declarations.


def this(item: Item) -> Any:
    """The model itself: for a list of plain values such as ids."""
    return item.model


def position(item: Item) -> int:
    """The 1-based position of the model in its list."""
    assert item.index is not None, f"{item.path} is not in a list"
    return item.index + 1


def owner_key(item: Item) -> str | int:
    return item.owner_key


def stated_claim(item: Item) -> int | None:
    """The claim the model states (``claim_id`` columns)."""
    return item.claim_id


def record_file(item: Item) -> str:
    return item.file


def constant(value: Any) -> Callable[[Item], Any]:
    """The same value in every row."""
    return lambda item: value


def present(name: str) -> Callable[[Item], bool]:
    """True when the model's field `name` is set."""
    return lambda item: getattr(item.model, name) is not None


def known(name: str) -> Callable[[Item], Any]:
    """The model's field `name`, with 'unknown' read as NULL."""

    def value(item: Item) -> Any:
        found = getattr(item.model, name)
        return None if found == "unknown" else found

    return value


def called(method: str) -> Callable[[Item], Any]:
    """The result of calling the model's method `method`."""
    return lambda item: getattr(item.model, method)()
