"""What a model's status reads as: "active" only when a source states it.

A model is stored as active unless a source says otherwise (the column's
default), so an unconfirmed "active" would claim what nobody stated: the
catalog once listed Claude 2 as active. Every page that shows a status asks
`shown_status` with whether any source states one (`model_facts`).
"""

ACTIVE = "active"
UNKNOWN = "unknown"


def shown_status(status: str, *, stated: bool) -> str:
    """`status` as a page shows it: "unknown" for an active nobody stated."""
    return UNKNOWN if status == ACTIVE and not stated else status
