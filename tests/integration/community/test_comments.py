"""Comments services: the body rules, who may do what, and the thread loader."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Comment
from app.services.community import comments
from app.services.community.comments import (
    MAX_BODY_CHARS,
    CommentHiddenError,
    CommentNotFoundError,
    InvalidCommentError,
    NotAllowedError,
    Permissions,
    clean_body,
    permissions,
)
from app.services.community.community_page import COMMENTS_PER_PAGE, load_thread
from app.services.community.direction_controls import DIRECTION_CONTROLS
from tests.support.community_data import add_comments, make_model, make_user


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("  hello  ", "hello"),
        ("\n\nline one\r\nline two\rline three\n\n", "line one\nline two\nline three"),
        ("x" * MAX_BODY_CHARS, "x" * MAX_BODY_CHARS),
        ("  " + "é" * MAX_BODY_CHARS + "\n", "é" * MAX_BODY_CHARS),
    ],
)
def test_clean_body_normalises_and_trims(raw: str, stored: str) -> None:
    assert clean_body(raw) == stored


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (None, "Write something first: a comment cannot be empty."),
        ("", "Write something first: a comment cannot be empty."),
        (" \n\t\r\n ", "Write something first: a comment cannot be empty."),
        ("x" * 5_001, "A comment can be at most 5,000 characters; this one has 5,001."),
        (
            "a\x00b",
            "The comment contains a NUL character (U+0000), shown as � below; "
            "remove it and post again.",
        ),
        (
            "see\r\nfile-\u202egnp.exe\u202c now",
            "The comment contains an invisible text-direction control (U+202E RIGHT-TO-LEFT "
            "OVERRIDE, character 10), which makes text read in another order than it was typed; "
            "remove it and post again. Right-to-left writing needs no such character.",
        ),
    ],
)
def test_clean_body_refuses(raw: str | None, message: str) -> None:
    with pytest.raises(InvalidCommentError) as refused:
        clean_body(raw)
    assert str(refused.value) == message


@pytest.mark.parametrize("control", sorted(DIRECTION_CONTROLS))
def test_clean_body_refuses_every_explicit_direction_control(control: str) -> None:
    with pytest.raises(InvalidCommentError, match=f"U\\+{ord(control):04X} "):
        clean_body(f"x {control} y")


RIGHT_TO_LEFT_TEXTS = {
    "hebrew": "\u05de\u05d5\u05d3\u05dc \u05de\u05e6\u05d5\u05d9\u05df, "
    "\u05de\u05d4\u05d9\u05e8 \u05de\u05d0\u05d5\u05d3.",
    "arabic with a Latin name between marks": "\u062c\u0631\u0628\u062a "
    "\u200eMistral Small 4\u200e \u0627\u0644\u064a\u0648\u0645\u061f",
    "hebrew ending in a Latin name, closed by a mark": "\u05d4\u05e9\u05ea\u05de\u05e9\u05ea\u05d9 "
    "\u05d1-GPT-4o\u200f.",
    "arabic letter mark before digits": "\u0627\u0644\u0633\u0639\u0631 \u061c12.5$",
    "persian with a zero-width non-joiner": "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
}


@pytest.mark.parametrize("text", RIGHT_TO_LEFT_TEXTS.values(), ids=RIGHT_TO_LEFT_TEXTS.keys())
def test_right_to_left_text_and_its_implicit_marks_are_kept(text: str) -> None:
    assert clean_body(text) == text


def test_crlf_counts_as_one_character_like_the_browser_does() -> None:
    typed = "ab\r\n" * 1_667
    assert len(typed) > MAX_BODY_CHARS
    assert len(clean_body(typed)) == MAX_BODY_CHARS


@pytest.mark.parametrize(
    ("author_id", "hidden", "viewer_id", "admin", "expected"),
    [
        (1, False, None, False, Permissions()),
        (1, False, 2, False, Permissions()),
        (1, False, 1, False, Permissions(edit=True, delete=True)),
        (1, True, 1, False, Permissions(delete=True)),
        (1, False, 2, True, Permissions(hide=True)),
        (1, True, 2, True, Permissions(unhide=True)),
        (2, False, 2, True, Permissions(edit=True, delete=True, hide=True)),
        (None, False, 2, False, Permissions()),
        (None, False, 2, True, Permissions(hide=True)),
    ],
)
def test_permissions(
    author_id: int | None, hidden: bool, viewer_id: int | None, admin: bool, expected: Permissions
) -> None:
    allowed = permissions(
        author_id=author_id, hidden=hidden, viewer_id=viewer_id, viewer_is_admin=admin
    )
    assert allowed == expected
    assert bool(allowed) == (expected != Permissions())


def test_add_edit_and_delete_own_comment(session: Session) -> None:
    model = make_model(session)
    ada = make_user(session, "Ada")
    comment = comments.add_comment(session=session, model_id=model.id, author=ada, body=" hi ")
    assert (comment.body, comment.user_id, comment.edited_at) == ("hi", ada.id, None)

    comments.edit_comment(session=session, comment_id=comment.id, editor=ada, body="hi\r\n")
    assert comment.edited_at is None, "saving the same text is not an edit"
    comments.edit_comment(session=session, comment_id=comment.id, editor=ada, body="hello")
    assert comment.body == "hello"
    assert comment.edited_at is not None

    comments.delete_comment(session=session, comment_id=comment.id, user=ada)
    assert session.scalars(select(Comment)).all() == []


def test_nobody_else_may_edit_or_delete(session: Session) -> None:
    model = make_model(session)
    ada, bob = make_user(session, "Ada"), make_user(session, "Bob")
    admin = make_user(session, "Root", admin=True)
    comment = comments.add_comment(session=session, model_id=model.id, author=ada, body="mine")
    for intruder in (bob, admin):
        with pytest.raises(NotAllowedError, match="your own comments"):
            comments.edit_comment(
                session=session, comment_id=comment.id, editor=intruder, body="theirs"
            )
        with pytest.raises(NotAllowedError, match="your own comments"):
            comments.delete_comment(session=session, comment_id=comment.id, user=intruder)
    session.refresh(comment)
    assert comment.body == "mine"


def test_unknown_comment(session: Session) -> None:
    ada = make_user(session, "Ada")
    with pytest.raises(CommentNotFoundError, match="no comment 999"):
        comments.delete_comment(session=session, comment_id=999, user=ada)


def test_only_admins_hide_and_a_hidden_comment_cannot_be_edited(session: Session) -> None:
    model = make_model(session)
    ada = make_user(session, "Ada")
    admin = make_user(session, "Root", admin=True)
    comment = comments.add_comment(session=session, model_id=model.id, author=ada, body="rude")
    with pytest.raises(NotAllowedError, match="Only administrators"):
        comments.set_hidden(session=session, comment_id=comment.id, moderator=ada, hidden=True)
    assert comment.hidden_at is None

    comments.set_hidden(session=session, comment_id=comment.id, moderator=admin, hidden=True)
    hidden_at = comment.hidden_at
    assert hidden_at is not None
    assert comment.hidden_by_id == admin.id
    comments.set_hidden(session=session, comment_id=comment.id, moderator=admin, hidden=True)
    assert comment.hidden_at == hidden_at, "hiding twice keeps the first time"

    with pytest.raises(CommentHiddenError):
        comments.edit_comment(session=session, comment_id=comment.id, editor=ada, body="nicer")

    comments.set_hidden(session=session, comment_id=comment.id, moderator=admin, hidden=False)
    assert (comment.hidden_at, comment.hidden_by_id) == (None, None)
    comments.edit_comment(session=session, comment_id=comment.id, editor=ada, body="nicer")
    assert comment.body == "nicer"


def test_thread_is_newest_first_in_pages(session: Session) -> None:
    model = make_model(session)
    ada = make_user(session, "Ada")
    add_comments(session, model, ada, COMMENTS_PER_PAGE + 5)

    first = load_thread(session=session, model_id=model.id, page_text=None)
    assert first.place.count == 2
    assert first.visible_count == COMMENTS_PER_PAGE + 5
    assert len(first.comments) == COMMENTS_PER_PAGE
    assert first.comments[0].body_html.strip() == f"<p>comment {COMMENTS_PER_PAGE + 5}</p>"

    second = load_thread(session=session, model_id=model.id, page_text="2")
    assert [c.body_html.strip() for c in second.comments] == [
        f"<p>comment {number}</p>" for number in range(5, 0, -1)
    ]
    assert second.place.message is None


@pytest.mark.parametrize(
    ("page_text", "number", "message"),
    [
        ("7", 2, "That page is past the end of the list — showing the last page (2 of 2)."),
        ("abc", 1, "Page must be a whole number from 1 — showing page 1."),
        ("0", 1, "Page must be a whole number from 1 — showing page 1."),
    ],
)
def test_thread_page_falls_back_with_a_message(
    session: Session, page_text: str, number: int, message: str
) -> None:
    model = make_model(session)
    add_comments(session, model, make_user(session, "Ada"), COMMENTS_PER_PAGE + 1)
    thread = load_thread(session=session, model_id=model.id, page_text=page_text)
    assert (thread.place.number, thread.place.message) == (number, message)


def test_hidden_comments_keep_their_place_but_are_not_counted(session: Session) -> None:
    model = make_model(session)
    ada = make_user(session, "Ada")
    admin = make_user(session, "Root", admin=True)
    first, second, third = add_comments(session, model, ada, 3)
    comments.set_hidden(session=session, comment_id=second.id, moderator=admin, hidden=True)
    thread = load_thread(session=session, model_id=model.id, page_text=None)
    assert thread.visible_count == 2
    assert [(c.id, c.hidden) for c in thread.comments] == [
        (third.id, False),
        (second.id, True),
        (first.id, False),
    ]


def test_a_deleted_account_leaves_its_comments_by_deleted_user(session: Session) -> None:
    model = make_model(session)
    ada = make_user(session, "Ada")
    comments.add_comment(session=session, model_id=model.id, author=ada, body="still useful")
    session.delete(ada)
    session.flush()
    session.expire_all()
    (view,) = load_thread(session=session, model_id=model.id, page_text=None).comments
    assert (view.author_id, view.author_name, view.body_html.strip()) == (
        None,
        None,
        "<p>still useful</p>",
    )
