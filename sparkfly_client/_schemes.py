"""The security schemes an operation may name, the headers that carry credentials, and how each is configured.

At the bottom of the core: request building, the plan, decoding and the token flow all speak of these.
"""

from __future__ import annotations

from typing import Dict, Tuple

__all__ = ["SPARKFLY_TOKEN", "SECRET_API_KEY", "JWT", "SECRET_HEADERS", "missing_credentials_message"]

SPARKFLY_TOKEN = "X-Auth-Token"
SECRET_API_KEY = "SecretApiKey"
JWT = "JWT"

#: Header names whose values are credentials: masked in every log line and message.
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

_HOW_TO_CONFIGURE: Dict[str, str] = {
    SPARKFLY_TOKEN: "configuration.api_key['X-Auth-Token'], or auth_identity and auth_key",
    SECRET_API_KEY: "configuration.api_key['SecretApiKey']",
    JWT: "configuration.access_token",
}


def missing_credentials_message(operation_id: str, schemes: Tuple[str, ...]) -> str:
    options = " or ".join(_HOW_TO_CONFIGURE[s] for s in schemes)
    return f"{operation_id} needs credentials: set {options}"
