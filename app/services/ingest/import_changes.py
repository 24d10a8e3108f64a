"""The clause every catalog import's summary uses to say what it changed."""

from collections.abc import Iterable, Mapping


def changes_clause(
    created: Mapping[str, int], updated: Mapping[str, int], more: Iterable[str] = ()
) -> str:
    """`created 2 models, 5 prices; updated 1 models; …`: one wording for every import's log line.

    Kinds with a zero count are left out, so the clause names only what really changed.
    """
    made = ", ".join(f"{n} {what}" for what, n in sorted(created.items()) if n)
    changed = ", ".join(f"{n} {what}" for what, n in sorted(updated.items()) if n)
    parts = [f"created {made}" if made else "", f"updated {changed}" if changed else "", *more]
    return "; ".join(part for part in parts if part)
