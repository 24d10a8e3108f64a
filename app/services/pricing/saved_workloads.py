"""Workloads a signed-in person keeps: save, list, rename, delete, and the query that re-prices one.

A saved workload is the calculator's own input: it is read by the
calculator's parser (`services.pricing.workload.read_workload`) with the bounds the
calculator uses when no model narrows them, so nothing is stored that the
calculator would refuse. It is stored with every field explicit and no
preset, so the numbers stay what the person saw even if the presets change.

A workload saved from a usage replay also records where it came from (how
many rows, first and last day) so the list can say so; the log itself is
never stored. Those fields are only shown, never handed to the calculator.

Every lookup is by the owner and the id together: someone else's id is
"not found", exactly like an id that does not exist, so ids cannot be probed.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.workloads import SavedWorkload
from app.services.pricing.workload import Limits, Presets, WorkloadForm, read_workload
from app.services.pricing.workload_cost import Workload

MAX_NAME_LENGTH = 80
# Enough for every project and scenario a person prices; bounds one account's rows and
# keeps "My workloads" a list one can take in on a model page.
MAX_WORKLOADS_PER_USER = 50
# Where a workload saved from a replay came from, stored beside the calculator's fields.
SOURCE_FIELDS = ("replay_rows", "replay_first", "replay_last")
# Bounds of a replay's description: any log a replay reads is well inside them.
MAX_SOURCE_ROWS = 10**9
EARLIEST_SOURCE_DAY = date(2000, 1, 1)
LATEST_SOURCE_DAY = date(2100, 1, 1)


class SavedWorkloadError(ValueError):
    """A refused save or rename; the message is meant for the person who typed it."""


class DuplicateNameError(SavedWorkloadError):
    """The person already has a workload of that name."""


class SavedWorkloadNotFoundError(LookupError):
    """No workload of that id belongs to this person (whether or not the id exists)."""


@dataclass(frozen=True)
class ReplaySource:
    """The replay a workload was derived from: how many rows, over which days."""

    rows: int
    first_day: date
    last_day: date

    def fields(self) -> dict[str, str]:
        """As stored beside the calculator's fields (and carried by the form that saves it)."""
        return {
            "replay_rows": str(self.rows),
            "replay_first": self.first_day.isoformat(),
            "replay_last": self.last_day.isoformat(),
        }

    def describe(self) -> str:
        rows = f"{self.rows:,} row{'' if self.rows == 1 else 's'}"
        if self.first_day == self.last_day:
            return f"from a replay of {rows} on {self.first_day.isoformat()}"
        return (
            f"from a replay of {rows}, {self.first_day.isoformat()} to {self.last_day.isoformat()}"
        )


def read_source(params: Mapping[str, str]) -> ReplaySource | None:
    """The replay described by submitted (or stored) fields; None when they describe none.

    The description comes back from the person's browser, so it is checked
    like any input: a save with a garbled one is refused rather than stored.
    """
    given = [name for name in SOURCE_FIELDS if name in params]
    if not given:
        return None
    unreadable = SavedWorkloadError(
        "The replay's description is not readable; replay the log again and save it from there."
    )
    if len(given) != len(SOURCE_FIELDS):
        raise unreadable
    try:
        rows = int(params["replay_rows"].strip())
        first_day = date.fromisoformat(params["replay_first"].strip())
        last_day = date.fromisoformat(params["replay_last"].strip())
    except ValueError:
        raise unreadable from None
    if not (
        1 <= rows <= MAX_SOURCE_ROWS
        and EARLIEST_SOURCE_DAY <= first_day <= last_day <= LATEST_SOURCE_DAY
    ):
        raise unreadable
    return ReplaySource(rows=rows, first_day=first_day, last_day=last_day)


def clean_name(text: str) -> str:
    """The name as stored: stripped, 1 to 80 characters, no control characters."""
    name = text.strip()
    if not name:
        raise SavedWorkloadError("Give the workload a name.")
    if len(name) > MAX_NAME_LENGTH:
        raise SavedWorkloadError(f"Use at most {MAX_NAME_LENGTH} characters for the name.")
    if any(ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F for char in name):
        raise SavedWorkloadError("The name cannot contain control characters.")
    return name


def read_submitted_workload(params: Mapping[str, str], *, presets: Presets) -> WorkloadForm:
    """The calculator's reading of submitted fields, with the bounds it uses for any model."""
    return read_workload(params, presets=presets, limits=Limits())


def stored_fields(workload: Workload) -> dict[str, str]:
    """A workload as calculator query parameters, every field explicit."""
    return {
        f"requests_per_{workload.per}": str(workload.requests),
        "input_tokens": str(workload.input_tokens),
        "output_tokens": str(workload.output_tokens),
        "reasoning_tokens": str(workload.reasoning_tokens),
        "cache_share": str(workload.cache_share),
        "cache_write_share": str(workload.cache_write_share),
        "batch": "1" if workload.batch else "0",
        "days": str(workload.days),
    }


def repricing_query(saved: SavedWorkload, keep: Sequence[tuple[str, str]] = ()) -> str:
    """The query string that loads `saved` into a calculator (`keep`: e.g. compare's models)."""
    calculator = [
        (name, value) for name, value in saved.fields.items() if name not in SOURCE_FIELDS
    ]
    return urlencode([*keep, *calculator])


def summary(saved: SavedWorkload) -> str:
    """A one-line reminder of what the workload sends, beside its name (and where it came from)."""
    fields = saved.fields
    per = "day" if "requests_per_day" in fields else "month"
    requests = int(fields[f"requests_per_{per}"])
    tokens_in, tokens_out = int(fields["input_tokens"]), int(fields["output_tokens"])
    sends = f"{requests:,} requests a {per}, {tokens_in:,} tokens in, {tokens_out:,} out"
    source = read_source(fields)  # checked when it was saved
    return f"{sends}; {source.describe()}" if source else sends


def list_workloads(*, session: Session, user_id: int) -> list[SavedWorkload]:
    """The person's workloads by name."""
    query = select(SavedWorkload).where(SavedWorkload.user_id == user_id)
    return list(session.scalars(query.order_by(SavedWorkload.name, SavedWorkload.id)))


def owned_workload(*, session: Session, user_id: int, workload_id: int) -> SavedWorkload:
    """The person's workload of that id; `SavedWorkloadNotFoundError` for anyone else's."""
    saved = session.scalar(
        select(SavedWorkload).where(
            SavedWorkload.id == workload_id, SavedWorkload.user_id == user_id
        )
    )
    if saved is None:
        raise SavedWorkloadNotFoundError("There is no such saved workload.")
    return saved


def save_workload(
    *,
    session: Session,
    user_id: int,
    name: str,
    workload: Workload,
    source: ReplaySource | None = None,
) -> SavedWorkload:
    """Keep `workload` under `name` (already cleaned), with the replay it came from if any."""
    count = session.scalar(
        select(func.count()).select_from(SavedWorkload).where(SavedWorkload.user_id == user_id)
    )
    if (count or 0) >= MAX_WORKLOADS_PER_USER:
        raise SavedWorkloadError(
            f"You can keep at most {MAX_WORKLOADS_PER_USER} workloads; delete one first."
        )
    _refuse_taken(session, user_id, name)
    fields = stored_fields(workload) | (source.fields() if source else {})
    saved = SavedWorkload(user_id=user_id, name=name, fields=fields)
    session.add(saved)
    session.flush()
    return saved


def rename_workload(*, session: Session, saved: SavedWorkload, name: str) -> SavedWorkload:
    """Give a workload found with `owned_workload` a new name (already cleaned)."""
    if saved.name != name:
        _refuse_taken(session, saved.user_id, name)
        saved.name = name
        session.flush()
    return saved


def delete_workload(*, session: Session, user_id: int, workload_id: int) -> None:
    """Delete the person's workload for good."""
    session.delete(owned_workload(session=session, user_id=user_id, workload_id=workload_id))
    session.flush()


def _refuse_taken(session: Session, user_id: int, name: str) -> None:
    taken = session.scalar(
        select(SavedWorkload.id).where(SavedWorkload.user_id == user_id, SavedWorkload.name == name)
    )
    if taken is not None:
        raise DuplicateNameError(f"You already have a workload named “{name}”.")
