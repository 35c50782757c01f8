"""CustomerCredentialsApi: create or replace a customer's login credential under an ID the caller chooses.

The operation is declared once here (:class:`CustomerCredentialsOperations`) for :class:`CustomerCredentialsApi` and
:class:`AsyncCustomerCredentialsApi`, which lives in ``async_customer_credentials_api.py`` and is found here too,
imported when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional, Union

from typing_extensions import Unpack

from sparkfly_client._endpoint import BodyParam, Endpoint, PathParam, PathSegmentStr
from sparkfly_client._lazy import lazy_dir, lazy_exports
from sparkfly_client._operations import ApiBase, SyncApi, operation
from sparkfly_client._request import Call, RequestOptions
from sparkfly_client._shared import JWT, SECRET_API_KEY

if TYPE_CHECKING:
    from sparkfly_client.api_client import ApiClient
    from sparkfly_client.models.customer_credential import CustomerCredential
    from sparkfly_client.models.customer_credential_input import CustomerCredentialInput

    CredentialInputArg = Union[CustomerCredentialInput, Dict[str, Any]]

# Where AsyncCustomerCredentialsApi was before it had a module of its own: still found here, imported on first use.
_EXPORTS = {"AsyncCustomerCredentialsApi": "sparkfly_client.api.async_customer_credentials_api"}
__all__ = ["CustomerCredentialsApi", *_EXPORTS]
__getattr__ = lazy_exports(__name__, _EXPORTS, globals())
__dir__ = lazy_dir(_EXPORTS, globals())

# The models by where they live: each is imported when a call first needs it (see ModelRef).
_MODELS = "sparkfly_client.models."
# Either scheme is enough; the secret key is preferred when both are configured.
UPSERT_CREDENTIAL: Endpoint[CustomerCredential] = Endpoint(
    "upsert_credential",
    "PUT",
    "/credentials/{id}",
    _MODELS + "customer_credential:CustomerCredential",
    path_params=(PathParam("id", PathSegmentStr),),
    body=BodyParam(
        "customer_credential_input", _MODELS + "customer_credential_input:CustomerCredentialInput", required=True
    ),
    error_model=_MODELS + "problem:Problem",
    error_models={422: _MODELS + "validation_problem:ValidationProblem"},
    auth=(SECRET_API_KEY, JWT),
    accept="application/json, application/problem+json",
)


class CustomerCredentialsOperations(ApiBase):
    """The customer credential resource: ``PUT /credentials/{id}``, declared once for
    :class:`CustomerCredentialsApi` and :class:`AsyncCustomerCredentialsApi`.

    Authenticates with ``configuration.api_key['SecretApiKey']`` (header ``REB-APIKEY``) or
    ``configuration.access_token`` (``Authorization: Bearer <jwt>``). Error responses raise the
    exception for their status with ``.problem`` the parsed :class:`Problem` (a
    :class:`ValidationProblem` for 422).
    """

    @operation
    def upsert_credential(
        self, id: str, customer_credential_input: CredentialInputArg, **options: Unpack[RequestOptions]
    ) -> Call[CustomerCredential]:
        """Upsert a credential (PUT /credentials/{id}): create it under ``id``, or replace the one there.
        With ``_with_http_info``, ``status_code`` is 201 when created, 200 when replaced."""
        return Call(UPSERT_CREDENTIAL, {"id": id, "customer_credential_input": customer_credential_input}, options)

    upsert_credential_with_http_info = upsert_credential.with_http_info()
    upsert_credential_without_preload_content = upsert_credential.without_preload_content()


class CustomerCredentialsApi(CustomerCredentialsOperations, SyncApi):
    """The customer credential resource over an :class:`ApiClient` (the default one when none is given)."""

    def __init__(self, api_client: Optional[ApiClient] = None) -> None:
        from sparkfly_client.api_client import ApiClient

        self.api_client = ApiClient.get_default() if api_client is None else api_client
