"""`literal_count`: a LIMIT written into a statement's text instead of bound as a parameter.

On PostgreSQL psycopg prepares a statement from its fifth run on a
connection, and PostgreSQL then keeps one generic plan for it if that plan's
estimated cost is no worse than the plans it made for the parameters of the
first runs. A bound LIMIT is unknown to the generic plan, which must guess it
(a tenth of the rows), so it looks dearer: the model page's endpoints
statement, whose newest-sample subqueries each take LIMIT 1, was planned again
on every request, 0.7 ms of a cold page. Written into the text, the count is
known to every plan, and a statement of fixed counts is planned once.
"""

from sqlalchemy import ColumnElement, Integer, literal_column


def literal_count(count: int) -> ColumnElement[int]:
    """`count` as it appears in the statement's text, for `.limit()` or `.offset()`."""
    return literal_column(str(int(count)), Integer)
