"""Comments: write, edit, delete your own; administrators hide and unhide.

Who may do what to a comment is decided in one place, `permissions`, which
both the services below (to refuse) and the per-user controls (to offer)
use, so a button is shown exactly when pressing it would work.

The body is stored as the Markdown typed, after `clean_body`: newlines made
uniform, surrounding blank space trimmed, 1 to 5,000 characters. A NUL
character is refused with a message rather than silently removed:
PostgreSQL cannot store it in text, and a body that is quietly different from
what was typed is worse than a clear request to fix it. The same goes for the
invisible controls that reorder text (`services.community.direction_controls`), which
display names refuse too.
"""

import unicodedata
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Comment, User
from app.services.community.direction_controls import first_direction_control

MAX_BODY_CHARS = 5_000
# Ids are 32-bit integers in the database; a larger number in a URL is simply no comment
# (and must not reach PostgreSQL, which would refuse it as out of range).
MAX_COMMENT_ID = 2**31 - 1


class InvalidCommentError(ValueError):
    """The body cannot be saved as typed; the message says why."""


class CommentNotFoundError(LookupError):
    """No comment has this id."""


class NotAllowedError(PermissionError):
    """This person may not do that to this comment; the message says why."""


class CommentHiddenError(Exception):
    """A hidden comment cannot be edited until a moderator unhides it."""


@dataclass(frozen=True, slots=True)
class Permissions:
    """What one viewer may do to one comment."""

    edit: bool = False
    delete: bool = False
    hide: bool = False
    unhide: bool = False

    def __bool__(self) -> bool:
        return self.edit or self.delete or self.hide or self.unhide


NONE = Permissions()


def permissions(
    *, author_id: int | None, hidden: bool, viewer_id: int | None, viewer_is_admin: bool
) -> Permissions:
    """Authors edit and delete their own comments (edit only while not hidden); admins moderate.

    Nobody is the author of a "deleted user" comment (its author_id is None),
    so such a comment can only be hidden.
    """
    own = viewer_id is not None and author_id == viewer_id
    return Permissions(
        edit=own and not hidden,
        delete=own,
        hide=viewer_is_admin and not hidden,
        unhide=viewer_is_admin and hidden,
    )


def permissions_of(comment: Comment, viewer: User | None) -> Permissions:
    """`permissions` for a stored comment and a signed-in person (or None)."""
    if viewer is None:
        return NONE
    return permissions(
        author_id=comment.user_id,
        hidden=comment.hidden_at is not None,
        viewer_id=viewer.id,
        viewer_is_admin=viewer.is_admin,
    )


def clean_body(raw: str | None) -> str:
    """The body to store: line breaks as `\\n`, trimmed.

    Refused: empty, too long, a NUL, or a text-direction control (see
    `services.community.direction_controls`). The position of an invisible control is
    counted in the text as typed, so the writer can find it in the box.
    """
    text = (raw or "").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise InvalidCommentError(
            "The comment contains a NUL character (U+0000), shown as � below; "
            "remove it and post again."
        )
    if (index := first_direction_control(text)) is not None:
        control = text[index]
        raise InvalidCommentError(
            f"The comment contains an invisible text-direction control (U+{ord(control):04X} "
            f"{unicodedata.name(control)}, character {index + 1}), which makes text read in "
            "another order than it was typed; remove it and post again. Right-to-left writing "
            "needs no such character."
        )
    body = text.strip()
    if not body:
        raise InvalidCommentError("Write something first: a comment cannot be empty.")
    if len(body) > MAX_BODY_CHARS:
        raise InvalidCommentError(
            f"A comment can be at most {MAX_BODY_CHARS:,} characters; this one has {len(body):,}."
        )
    return body


def add_comment(*, session: Session, model_id: int, author: User, body: str) -> Comment:
    """Save a new comment by `author` on the model."""
    comment = Comment(model_id=model_id, user_id=author.id, body=clean_body(body))
    session.add(comment)
    session.flush()
    return comment


def get_comment(*, session: Session, comment_id: int) -> Comment:
    """The comment with this id, or CommentNotFoundError."""
    comment = session.get(Comment, comment_id) if 0 < comment_id <= MAX_COMMENT_ID else None
    if comment is None:
        raise CommentNotFoundError(f"There is no comment {comment_id}; it may have been deleted.")
    return comment


def editable_comment(*, session: Session, comment_id: int, editor: User) -> Comment:
    """The comment, if `editor` may edit it now; else the error that says why not."""
    comment = get_comment(session=session, comment_id=comment_id)
    if permissions_of(comment, editor).edit:
        return comment
    if comment.user_id != editor.id:
        raise NotAllowedError("You can only edit your own comments.")
    raise CommentHiddenError(
        "A moderator has hidden this comment, so it cannot be edited. You can still delete it."
    )


def edit_comment(*, session: Session, comment_id: int, editor: User, body: str) -> Comment:
    """Replace the body of the editor's own comment; marked edited only when the text changed."""
    comment = editable_comment(session=session, comment_id=comment_id, editor=editor)
    cleaned = clean_body(body)
    if cleaned != comment.body:
        comment.body = cleaned
        comment.edited_at = utcnow()
    session.flush()
    return comment


def delete_comment(*, session: Session, comment_id: int, user: User) -> Comment:
    """Delete the user's own comment for good, and return it (for where to go back to)."""
    comment = get_comment(session=session, comment_id=comment_id)
    if not permissions_of(comment, user).delete:
        raise NotAllowedError("You can only delete your own comments.")
    session.delete(comment)
    session.flush()
    return comment


def set_hidden(*, session: Session, comment_id: int, moderator: User, hidden: bool) -> Comment:
    """Hide a comment from everyone (or show it again); kept in the database either way.

    Hiding twice, or unhiding a visible comment, changes nothing and is not an
    error: two moderators acting on the same report should both succeed.
    """
    comment = get_comment(session=session, comment_id=comment_id)
    if not moderator.is_admin:
        raise NotAllowedError("Only administrators can hide or unhide comments.")
    if hidden and comment.hidden_at is None:
        comment.hidden_at = utcnow()
        comment.hidden_by_id = moderator.id
    elif not hidden:
        comment.hidden_at = None
        comment.hidden_by_id = None
    session.flush()
    return comment
