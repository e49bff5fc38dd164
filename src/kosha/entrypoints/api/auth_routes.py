"""Account sign-up, sessions, stored forge tokens and OAuth sign-in (`/auth/*`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Query, Request, Response
from fastapi.responses import RedirectResponse

from kosha.entrypoints.api.deps import AccountDep, AccountsDep, AuthDep, client_address
from kosha.entrypoints.api.schemas import Credentials, ForgeTokenBody, RefreshBody

router = APIRouter(prefix="/auth", tags=["accounts"])
OAUTH_COOKIE = "kosha_oauth"


def _limit(request: Request, action: str) -> None:
    request.app.state.container.auth_limiter.hit(action, client_address(request))


@router.post("/signup", status_code=201, operation_id="signup")
def signup(body: Credentials, request: Request, auth: AuthDep) -> dict:
    """Create an account: `{user_id, access_token, refresh_token}`."""
    _limit(request, "signup")
    return auth.signup(body.email, body.password)


@router.post("/login", operation_id="login")
def login(body: Credentials, request: Request, auth: AuthDep) -> dict:
    """Tokens for a correct email and password."""
    _limit(request, "login")
    return auth.login(body.email, body.password)


@router.post("/refresh", operation_id="refresh")
def refresh(body: RefreshBody, request: Request, auth: AuthDep) -> dict:
    """Trade a refresh token for a new pair; the old one dies (reuse revokes the family)."""
    _limit(request, "refresh")
    return auth.refresh(body.refresh_token)


@router.post("/logout", status_code=204, operation_id="logout")
def logout(body: RefreshBody, auth: AuthDep) -> Response:
    """End the session family of a refresh token."""
    auth.logout(body.refresh_token)
    return Response(status_code=204)


@router.get("/me", operation_id="me")
def me(account: AccountDep, accounts: AccountsDep) -> dict:
    """`{user_id, email, tier, quota, usage, tokens}` of the signed-in account."""
    return accounts.me(account)


@router.delete("/me", status_code=204, operation_id="delete_account")
def delete_me(account: AccountDep, accounts: AccountsDep) -> Response:
    """Erase the account and all its data from every store."""
    accounts.delete_account(account)
    return Response(status_code=204)


@router.post("/github-pat", operation_id="save_github_token")
def github_pat(body: ForgeTokenBody, account: AccountDep, accounts: AccountsDep) -> dict:
    """Verify a GitHub token with GitHub, then store it encrypted."""
    return accounts.save_token(account, "github", body.token, body.domain)


@router.post("/gitlab-pat", operation_id="save_gitlab_token")
def gitlab_pat(body: ForgeTokenBody, account: AccountDep, accounts: AccountsDep) -> dict:
    """Verify a GitLab token with its GitLab, then store it encrypted."""
    return accounts.save_token(account, "gitlab", body.token, body.domain)


@router.get("/tokens", operation_id="list_tokens")
def tokens(account: AccountDep, accounts: AccountsDep) -> dict:
    """The forge domains with a stored token (the tokens themselves are never shown)."""
    return {"tokens": accounts.tokens(account)}


@router.delete("/tokens/{domain}", status_code=204, operation_id="delete_token")
def delete_token(domain: str, account: AccountDep, accounts: AccountsDep) -> Response:
    """Forget the stored token of a forge domain."""
    accounts.delete_token(account, domain)
    return Response(status_code=204)


def _callback_url(request: Request, domain: str) -> str:
    base = request.app.state.container.settings.public_url
    path = request.app.url_path_for("oauth_callback", domain=domain)
    return f"{base.rstrip('/')}{path}" if base else str(request.url_for("oauth_callback",
                                                                         domain=domain))


@router.get("/oauth/{domain}/start", operation_id="oauth_start")
def oauth_start(domain: str, request: Request) -> RedirectResponse:
    """Send the browser to the forge to sign in (GitHub or GitLab OAuth)."""
    _limit(request, "oauth")
    oauth = request.app.state.container.oauth
    url, nonce = oauth.start(domain.lower(), _callback_url(request, domain.lower()))
    response = RedirectResponse(url, status_code=302)
    response.set_cookie(OAUTH_COOKIE, nonce, max_age=600, httponly=True, samesite="lax",
                        path="/auth/oauth")
    return response


@router.get("/oauth/{domain}/callback", name="oauth_callback", operation_id="oauth_callback")
def oauth_callback(domain: str, request: Request,
                   code: Annotated[str, Query(min_length=1, max_length=512)],
                   state: Annotated[str, Query(min_length=1, max_length=4096)],
                   kosha_oauth: Annotated[str | None, Cookie()] = None) -> dict:
    """Finish a forge sign-in: the account's tokens; the forge token is stored encrypted."""
    oauth = request.app.state.container.oauth
    return oauth.finish(domain.lower(), code, state, kosha_oauth,
                        _callback_url(request, domain.lower()))
