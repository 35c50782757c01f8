"""CustomerCredentialsApi: create or replace a customer's login credential under an ID the caller chooses."""

from __future__ import annotations

from typing import Any, Dict, Optional, Union

import urllib3
from typing_extensions import Unpack

from sparkfly_client._auth import JWT, SECRET_API_KEY
from sparkfly_client._endpoint import BodyParam, Endpoint, PathParam, PathSegmentStr
from sparkfly_client.api_client import ApiClient, RequestOptions
from sparkfly_client.api_response import ApiResponse
from sparkfly_client.models.customer_credential import CustomerCredential
from sparkfly_client.models.customer_credential_input import CustomerCredentialInput
from sparkfly_client.models.problem import Problem
from sparkfly_client.models.validation_problem import ValidationProblem

__all__ = ["CustomerCredentialsApi"]

# Either scheme is enough; the secret key is preferred when both are configured.
UPSERT_CREDENTIAL = Endpoint(
    "upsert_credential",
    "PUT",
    "/credentials/{id}",
    CustomerCredential,
    path_params=(PathParam("id", PathSegmentStr),),
    body=BodyParam("customer_credential_input", CustomerCredentialInput, required=True),
    error_model=Problem,
    error_models={422: ValidationProblem},
    auth=(SECRET_API_KEY, JWT),
    accept="application/json, application/problem+json",
)

CredentialInputArg = Union[CustomerCredentialInput, Dict[str, Any]]


class CustomerCredentialsApi:
    """The customer credential resource: ``PUT /credentials/{id}``.

    Authenticates with ``configuration.api_key['SecretApiKey']`` (header ``REB-APIKEY``) or
    ``configuration.access_token`` (``Authorization: Bearer <jwt>``). Error answers raise the
    exception for their status with ``.problem`` the parsed :class:`Problem` (a
    :class:`ValidationProblem` for 422).
    """

    def __init__(self, api_client: Optional[ApiClient] = None) -> None:
        self.api_client = ApiClient.get_default() if api_client is None else api_client

    def upsert_credential(
        self, id: str, customer_credential_input: CredentialInputArg, **options: Unpack[RequestOptions]
    ) -> CustomerCredential:
        """Upsert a credential (PUT /credentials/{id}): create it under ``id``, or replace the one there."""
        return self.upsert_credential_with_http_info(id, customer_credential_input, **options).data

    def upsert_credential_with_http_info(
        self, id: str, customer_credential_input: CredentialInputArg, **options: Unpack[RequestOptions]
    ) -> ApiResponse[CustomerCredential]:
        """As :meth:`upsert_credential`; ``status_code`` is 201 when created, 200 when replaced."""
        return self.api_client.call(
            UPSERT_CREDENTIAL, {"id": id, "customer_credential_input": customer_credential_input}, options
        )

    def upsert_credential_without_preload_content(
        self, id: str, customer_credential_input: CredentialInputArg, **options: Unpack[RequestOptions]
    ) -> urllib3.BaseHTTPResponse:
        return self.api_client.call_raw(
            UPSERT_CREDENTIAL, {"id": id, "customer_credential_input": customer_credential_input}, options
        )
