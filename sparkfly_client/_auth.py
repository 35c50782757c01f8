"""Credentials per security scheme, and the ``GET /auth`` token that the client renews itself."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Callable, Dict, Optional, Tuple

from sparkfly_client._endpoint import Endpoint
from sparkfly_client.exceptions import ApiException, ApiValueError

if TYPE_CHECKING:
    from sparkfly_client.configuration import Configuration
    from sparkfly_client.rest import RESTResponse

__all__ = ["SPARKFLY_TOKEN", "SECRET_API_KEY", "JWT", "TokenSource", "SECRET_HEADERS", "AUTHENTICATE"]

SPARKFLY_TOKEN = "X-Auth-Token"
SECRET_API_KEY = "SecretApiKey"
JWT = "JWT"

#: The token request: a GET, so retried like any other; the identity and key go in as headers.
AUTHENTICATE: Endpoint[None] = Endpoint("authenticate", "GET", "/auth", None)

#: Header names whose values are credentials: masked in every log line.
SECRET_HEADERS = frozenset(
    {
        "x-auth-token",
        "x-auth-key",
        "x-auth-identity",
        "reb-apikey",
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
    }
)


class TokenSource:
    """Obtains the Sparkfly ``X-Auth-Token`` from ``GET /auth`` and renews it.

    One instance per :class:`ApiClient`. Renewal is serialised by a lock, and a thread that asks
    to renew a token someone else has already replaced simply takes the new one, so a crowd of
    threads that all saw the same expired token causes exactly one ``/auth`` call.
    """

    def __init__(self, fetch: Callable[[], RESTResponse], ttl: float) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._lock = threading.Lock()
        # The token and when to renew it, replaced together so a reader never pairs one with the other's expiry.
        self._held: Optional[Tuple[str, float]] = None

    def current(self) -> str:
        held = self._held
        if held is not None and time.monotonic() < held[1]:
            return held[0]
        return self.renew(stale=None if held is None else held[0])

    def renew(self, stale: Optional[str]) -> str:
        """A fresh token; ``stale`` is the one the caller found wanting (``None``: none yet)."""
        with self._lock:
            held = self._held
            if held is not None and held[0] != stale and time.monotonic() < held[1]:
                return held[0]
            response = self._fetch()
            token = response.headers.get("X-Auth-Token")
            if not (200 <= response.status < 300) or not token:
                error_class = ApiException.for_status(response.status)
                raise error_class(
                    response.status,
                    response.reason,
                    body=response.data.decode("utf-8", "replace"),
                    headers=response.headers,
                    note="GET /auth did not return an X-Auth-Token",
                )
            # Renew 5 minutes early (or at 90 % of a short TTL) so no call carries a token that expires in flight.
            self._held = (token, time.monotonic() + max(self._ttl - 300.0, self._ttl * 0.9))
            return token


def scheme_header(
    configuration: Configuration, scheme: str, tokens: Optional[TokenSource]
) -> Optional[Tuple[str, str]]:
    """The header that carries a scheme's credential, or ``None`` when the configuration lacks it."""
    if scheme == SPARKFLY_TOKEN:
        key = configuration.get_api_key_with_prefix(SPARKFLY_TOKEN)
        if key is not None:
            return "X-Auth-Token", key
        if tokens is not None:
            return "X-Auth-Token", tokens.current()
        return None
    if scheme == SECRET_API_KEY:
        key = configuration.get_api_key_with_prefix(SECRET_API_KEY)
        return None if key is None else ("REB-APIKEY", key)
    if scheme == JWT:
        return None if not configuration.access_token else ("Authorization", f"Bearer {configuration.access_token}")
    raise ApiValueError(f"unknown security scheme {scheme!r}")


_HOW_TO_CONFIGURE: Dict[str, str] = {
    SPARKFLY_TOKEN: "configuration.api_key['X-Auth-Token'], or auth_identity and auth_key",
    SECRET_API_KEY: "configuration.api_key['SecretApiKey']",
    JWT: "configuration.access_token",
}


def missing_credentials_message(operation_id: str, schemes: Tuple[str, ...]) -> str:
    options = " or ".join(_HOW_TO_CONFIGURE[s] for s in schemes)
    return f"{operation_id} needs credentials: set {options}"
