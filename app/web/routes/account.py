"""The signed-in user's account page: change password, delete the account.

Both actions ask for the current password, so a browser left signed in is not
enough to take the account over or destroy it; wrong guesses count against
the same per-account limit as failed sign-ins.
"""

from typing import Annotated

from fastapi import Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.models.accounts import User
from app.services.accounts import account_actions
from app.web.middleware import rate_limit
from app.web.middleware.password_checks import password_check
from app.web.middleware.visitor import expire_session_cookie, mark_private, session_policy
from app.web.routes.auth import RequiredUserDep, end_current_session, start_session
from app.web.routes.deps import SessionDep, SettingsDep, TemplatesDep
from app.web.routes.unit_of_work import area_router

router = area_router(include_in_schema=False)

NOTICES = {"password-changed": "Your password was changed and your other sessions were ended."}
GUESSES_RULE = "login_failures_per_account"


def _account_page(
    request: Request,
    templates: TemplatesDep,
    user: User,
    *,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    mark_private(request)
    return templates.TemplateResponse(
        request,
        "auth/account.html",
        {"user": user, "errors": errors, "notice": notice},
        status_code=status_code,
    )


def _not_a_wrong_guess(problems: account_actions.AccountDetailsError) -> bool:
    """Whether a refusal was something other than a wrong current password.

    Only wrong passwords count against the limit; a new password that is too
    short, say, is not a guess.
    """
    wrong = account_actions.WRONG_PASSWORD
    return wrong not in (
        problems.problems.get("current_password"),
        problems.problems.get("password"),
    )


@router.get("/account", name="account.page", response_class=HTMLResponse)
def account_page(
    request: Request, templates: TemplatesDep, user: RequiredUserDep, done: str = ""
) -> Response:
    """The account page, with a notice after a change."""
    return _account_page(request, templates, user, notice=NOTICES.get(done))


@router.post("/account/password", name="account.change_password", response_class=HTMLResponse)
def change_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    user: RequiredUserDep,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
) -> Response:
    """Change the password; every session ends and this browser gets a new one."""
    with (
        rate_limit.attempt(request, (GUESSES_RULE, user.email)) as attempt,
        password_check(request),
    ):
        try:
            issued = account_actions.change_password(
                session=session,
                user=user,
                current_password=current_password,
                new_password=new_password,
                policy=session_policy(settings),
            )
        except account_actions.AccountDetailsError as problems:
            attempt.succeeded = _not_a_wrong_guess(problems)
            return _account_page(
                request,
                templates,
                user,
                errors=problems.problems,
                status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            )
        attempt.succeeded = True
    start_session(request, issued, settings)
    return RedirectResponse("/account?done=password-changed", status.HTTP_303_SEE_OTHER)


@router.post("/account/delete", name="account.delete", response_class=HTMLResponse)
def delete_account(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    user: RequiredUserDep,
    password: Annotated[str, Form()] = "",
) -> Response:
    """Delete the account after confirming the password, and sign this browser out."""
    with (
        rate_limit.attempt(request, (GUESSES_RULE, user.email)) as attempt,
        password_check(request),
    ):
        try:
            account_actions.delete_account(session=session, user=user, password=password)
        except account_actions.AccountDetailsError as problems:
            attempt.succeeded = _not_a_wrong_guess(problems)
            return _account_page(
                request,
                templates,
                user,
                errors=problems.problems,
                status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            )
        attempt.succeeded = True
    end_current_session(request, session)
    expire_session_cookie(request)
    return RedirectResponse("/", status.HTTP_303_SEE_OTHER)
