"""The schema's documentation, read from the table classes of `aijobs.db.tables`.

Every table's meaning is its class docstring and every column's is its field's
description; nothing else describes them. `aijobs.db.serve` turns this catalog into
Datasette metadata and `aijobs.tools.docs` into the README's schema reference. Tables
are taken from `SQLModel.metadata` (so any table class is found, whatever its name),
in the order they are defined.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from sqlalchemy import Column, Table, TypeDecorator
from sqlmodel import SQLModel

from aijobs.db import tables

# How each Python type of a column reads in the documentation.
_TYPE_NAMES = {str: "text", int: "integer", float: "real", bool: "0 or 1"}


class UndocumentedSchema(Exception):
    """A table or column without a description: a mistake in `aijobs/db/tables.py`."""


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    type: str
    """'text', 'integer', 'real' or '0 or 1' (a boolean)."""
    nullable: bool
    primary_key: bool
    references: str | None
    """The column a foreign key points at, as 'table.column'."""
    description: str


@dataclass(frozen=True)
class TableDoc:
    name: str
    description: str
    """The table class's docstring, one paragraph per line."""
    columns: tuple[ColumnDoc, ...]

    @property
    def summary(self) -> str:
        """The first paragraph of the description."""
        return self.description.split("\n", 1)[0]


def _table_classes() -> dict[Table, type[SQLModel]]:
    found: dict[Table, type[SQLModel]] = {}
    pending: list[type[SQLModel]] = [SQLModel]
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        table = getattr(model, "__table__", None)
        if isinstance(table, Table):
            found[table] = model
    return found


def table_class(name: str) -> type[SQLModel]:
    """The class that defines table `name`."""
    return _table_classes()[tables.metadata.tables[name]]


def _paragraphs(docstring: str) -> str:
    return "\n".join(" ".join(paragraph.split()) for paragraph in inspect.cleandoc(docstring).split("\n\n"))


def _column(table: Table, column: Column[object], model: type[SQLModel]) -> ColumnDoc:
    field = model.model_fields.get(column.name)
    description = field.description if field is not None else None
    if not description:
        raise UndocumentedSchema(
            f"column {table.name}.{column.name} has no description: "
            f"give it Field(description=...) in {model.__name__} (aijobs/db/tables.py)"
        )
    sql_type = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    type_name = _TYPE_NAMES.get(sql_type.python_type) or str(sql_type).lower()
    target = next(iter(column.foreign_keys), None)
    return ColumnDoc(
        name=column.name,
        type=type_name,
        nullable=bool(column.nullable) and not column.primary_key,
        primary_key=column.primary_key,
        references=target.target_fullname if target is not None else None,
        description=description,
    )


def catalog() -> list[TableDoc]:
    """Every table of the schema, with its description and its columns' descriptions."""
    classes = _table_classes()
    documented = []
    for table in tables.metadata.tables.values():
        model = classes.get(table)
        if model is None or not model.__doc__:
            raise UndocumentedSchema(f"table {table.name} has no docstring in aijobs/db/tables.py")
        columns = tuple(_column(table, column, model) for column in table.columns)
        documented.append(TableDoc(table.name, _paragraphs(model.__doc__), columns))
    return documented
