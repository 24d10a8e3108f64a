"""Result rows as named tuples, for code that reads many columns of each row by name.

A SQLAlchemy `Row` looks a name up by first asking its class for it
(`hasattr(type(row), name)`), which fails, building and dropping an
AttributeError, before it finds the column: about half a microsecond a
lookup, ten times an index. A page that reads two dozen columns of each of a
few dozen rows spent a few percent of its time there. A named tuple made from
the row once answers each name from a slot on its class.
"""

from collections import namedtuple
from functools import cache
from typing import Any

from sqlalchemy import Result

# A row of `named_rows`: its attributes are its statement's columns, known at run time only.
NamedRow = Any


@cache
def _row_type(fields: tuple[str, ...]) -> Any:
    """One named tuple class per distinct list of column names (a statement's are fixed)."""
    return namedtuple("NamedRow", fields)


def named_rows(result: Result[Any]) -> list[NamedRow]:
    """Every row of `result` as a named tuple of its columns, by the result's column names."""
    make = _row_type(tuple(result.keys()))._make
    return [make(row) for row in result]
