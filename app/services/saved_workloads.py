"""Workloads a signed-in person keeps: save, list, rename, delete, and the query that re-prices one.

A saved workload is the calculator's own input: it is read by the
calculator's parser (`services.workload.read_workload`) with the bounds the
calculator uses when no model narrows them, so nothing is stored that the
calculator would refuse. It is stored with every field explicit and no
preset, so the numbers stay what the person saw even if the presets change.

Every lookup is by the owner and the id together: someone else's id is
"not found", exactly like an id that does not exist, so ids cannot be probed.
"""

from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.workloads import SavedWorkload
from app.services.pricing import Workload
from app.services.workload import Limits, Presets, WorkloadForm, read_workload

MAX_NAME_LENGTH = 80
# Enough for every project and scenario a person prices; bounds one account's rows and
# keeps "My workloads" a list one can take in on a model page.
MAX_WORKLOADS_PER_USER = 50


class SavedWorkloadError(ValueError):
    """A refused save or rename; the message is meant for the person who typed it."""


class DuplicateNameError(SavedWorkloadError):
    """The person already has a workload of that name."""


class SavedWorkloadNotFoundError(LookupError):
    """No workload of that id belongs to this person (whether or not the id exists)."""


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
    return urlencode([*keep, *saved.fields.items()])


def summary(saved: SavedWorkload) -> str:
    """A one-line reminder of what the workload sends, beside its name."""
    fields = saved.fields
    per = "day" if "requests_per_day" in fields else "month"
    requests = int(fields[f"requests_per_{per}"])
    tokens_in, tokens_out = int(fields["input_tokens"]), int(fields["output_tokens"])
    return f"{requests:,} requests a {per}, {tokens_in:,} tokens in, {tokens_out:,} out"


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
    *, session: Session, user_id: int, name: str, workload: Workload
) -> SavedWorkload:
    """Keep `workload` under `name` (already cleaned) for the person."""
    count = session.scalar(
        select(func.count()).select_from(SavedWorkload).where(SavedWorkload.user_id == user_id)
    )
    if (count or 0) >= MAX_WORKLOADS_PER_USER:
        raise SavedWorkloadError(
            f"You can keep at most {MAX_WORKLOADS_PER_USER} workloads; delete one first."
        )
    _refuse_taken(session, user_id, name)
    saved = SavedWorkload(user_id=user_id, name=name, fields=stored_fields(workload))
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
