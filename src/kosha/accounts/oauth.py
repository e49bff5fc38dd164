"""Sign-in through a forge (GitHub or GitLab OAuth 2, authorization code, with Authlib).

The state is a short-lived JWT bound to a nonce held in an HttpOnly cookie, so a callback
only completes in the browser that started it. The forge's access token becomes the account's
stored token for that forge (encrypted like a PAT).
"""

from __future__ import annotations

import secrets
import time

import jwt
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc6749 import OAuth2Error
from pydantic import SecretStr

from kosha.accounts.auth import Account, AuthService
from kosha.config import ForgeConfig
from kosha.domain.errors import EmailUnavailable, ForgeError, InvalidInput, Unauthorized

STATE_TTL_S = 600
SCOPES = {"gitlab": "read_user read_api read_repository", "github": "repo read:user user:email"}


class OAuthFailed(Unauthorized):
    code = "oauth_failed"


def endpoints(forge: ForgeConfig) -> tuple[str, str]:
    """(authorize URL, token URL) of a forge's OAuth server."""
    if forge.kind == "gitlab":
        return f"{forge.git_base}/oauth/authorize", f"{forge.git_base}/oauth/token"
    return f"{forge.git_base}/login/oauth/authorize", f"{forge.git_base}/login/oauth/access_token"


class OAuthSignIn:
    def __init__(self, auth: AuthService, accounts, registry, secret: str) -> None:  # noqa: ANN001
        self.auth = auth
        self.accounts = accounts  # AccountService: stores the forge token
        self.registry = registry
        self._secret = secret

    def _client(self, domain: str, redirect_uri: str) -> tuple[OAuth2Client, ForgeConfig]:
        forge = self.registry.forge(domain)
        if not forge.oauth_client_id or forge.oauth_client_secret is None:
            raise InvalidInput(f"sign-in through {domain} is not configured on this server")
        client = OAuth2Client(client_id=forge.oauth_client_id,
                              client_secret=forge.oauth_client_secret.get_secret_value(),
                              redirect_uri=redirect_uri, scope=SCOPES[forge.kind],
                              token_endpoint_auth_method="client_secret_post", timeout=15.0)
        return client, forge

    def start(self, domain: str, redirect_uri: str) -> tuple[str, str]:
        """(URL to send the browser to, nonce for the HttpOnly cookie)."""
        client, forge = self._client(domain, redirect_uri)
        nonce = secrets.token_urlsafe(24)
        state = jwt.encode({"typ": "oauth_state", "dom": domain, "nonce": nonce,
                            "exp": int(time.time()) + STATE_TTL_S}, self._secret,
                           algorithm="HS256")
        with client:
            url, _ = client.create_authorization_url(endpoints(forge)[0], state=state)
        return url, nonce

    def finish(self, domain: str, code: str, state: str, nonce: str | None,
               redirect_uri: str) -> dict:
        """Check the state, trade the code for a token, sign the forge user in (or up)."""
        try:
            claims = jwt.decode(state, self._secret, algorithms=["HS256"],
                                options={"require": ["exp"]})
        except jwt.PyJWTError:
            raise OAuthFailed("the sign-in link has expired or was tampered with") from None
        if (claims.get("typ") != "oauth_state" or claims.get("dom") != domain or not nonce
                or not secrets.compare_digest(str(claims.get("nonce")), nonce)):
            raise OAuthFailed("this sign-in was not started in this browser")
        client, forge = self._client(domain, redirect_uri)
        try:
            with client:
                token = client.fetch_token(endpoints(forge)[1], code=code,
                                           redirect_uri=redirect_uri)
        except OAuth2Error as exc:
            raise OAuthFailed(f"{domain} refused the sign-in ({exc.error})") from None
        except Exception as exc:  # noqa: BLE001 - network errors; never echo the response
            raise ForgeError(f"{domain} could not be reached to finish the sign-in "
                             f"({type(exc).__name__})") from None
        access = token.get("access_token")
        if not isinstance(access, str) or not access:
            raise OAuthFailed(f"{domain} sent no access token")
        secret = SecretStr(access)
        who = self.registry.client(domain).current_user(secret)
        user = self.accounts.store.user_by_oauth(domain, who.id)
        if user is None:
            if not who.email:
                raise OAuthFailed(f"{domain} shares no email address for this account")
            if self.accounts.store.user_by_email(who.email.lower()) is not None:
                raise EmailUnavailable("an account with this email exists: log in with its "
                                       "password and connect the forge from there")
            user = self.auth.create_oauth_user(who.email)
            self.accounts.store.link_oauth(user.id, domain, who.id)
        self.accounts.save_token(Account.of(user), forge.kind, access, domain, source="oauth")
        return self.auth.session_for(user)
