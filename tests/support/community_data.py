"""People and models made straight in the database, for service-level community tests.

Route tests sign people up through the real forms instead (tests/support/auth.py).
"""

from sqlalchemy.orm import Session

from app.models import Author, Comment, Model, User


def make_user(session: Session, name: str, *, admin: bool = False) -> User:
    """An account that can not sign in (its password hash is not a hash); fine for services."""
    user = User(
        email=f"{name.lower()}@example.test",
        display_name=name,
        password_hash="not-a-hash",
        is_admin=admin,
    )
    session.add(user)
    session.flush()
    return user


def make_model(session: Session, slug: str = "testlab/test-model") -> Model:
    """A bare model (and its author) with nothing but a slug and a name."""
    author_slug, _, model_id = slug.partition("/")
    author = session.query(Author).filter_by(slug=author_slug).one_or_none()
    model = Model(
        author=author or Author(slug=author_slug, name=f"{author_slug.title()} Lab"),
        slug=slug,
        name=model_id.replace("-", " ").title(),
        status="active",
    )
    session.add(model)
    session.flush()
    return model


def add_comments(session: Session, model: Model, author: User, count: int) -> list[Comment]:
    """`count` comments "comment 1".."comment N", created in that order."""
    comments = [
        Comment(model_id=model.id, user_id=author.id, body=f"comment {number}")
        for number in range(1, count + 1)
    ]
    for comment in comments:
        session.add(comment)
        session.flush()
    return comments
