"""Counting the SQL statements a request sends, to hold pages to a fixed number of queries.

The `count_queries` fixture (tests/conftest.py) attaches one to the catalog
engine for the length of a test; tests take the class from here to annotate it.
"""


class QueryCounter:
    """Counts SQL statements sent through an engine while active."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __call__(self, _conn, _cursor, statement, _params, _context, _executemany) -> None:
        self.statements.append(statement)
