"""CredentialsApi: issue, look up, redeem and void the codes members redeem offers with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, AsyncIterator, Dict, Iterator, Optional, Union

from typing_extensions import Unpack

from sparkfly_client._auth import SPARKFLY_TOKEN
from sparkfly_client._endpoint import BodyParam, Endpoint, PathParam, QueryParam
from sparkfly_client._operations import ApiBase, AsyncApi, SyncApi, operation
from sparkfly_client._pages import PageWalk
from sparkfly_client._request import Call, RequestOptions
from sparkfly_client.models.bad_request_object import BadRequestObject
from sparkfly_client.models.credential_eligibility_response import CredentialEligibilityResponse
from sparkfly_client.models.credential_input_request import CredentialInputRequest
from sparkfly_client.models.credential_list import CredentialList
from sparkfly_client.models.credential_response import CredentialResponse

__all__ = ["CredentialsApi", "AsyncCredentialsApi"]

_ID = (PathParam("credential_id"),)
_BODY = BodyParam("credential_input_request", CredentialInputRequest)
_AUTH = (SPARKFLY_TOKEN,)
_ERR = BadRequestObject

CREATE_CREDENTIAL = Endpoint(
    "create_credential", "POST", "/v1.0/credentials", CredentialResponse, body=_BODY, error_model=_ERR, auth=_AUTH
)
DELETE_CREDENTIAL = Endpoint(
    "delete_credential",
    "DELETE",
    "/v1.0/credentials/{credential_id}",
    CredentialResponse,
    path_params=_ID,
    error_model=_ERR,
    auth=_AUTH,
)
GET_CREDENTIAL = Endpoint(
    "get_credential",
    "GET",
    "/v1.0/credentials/{credential_id}",
    CredentialResponse,
    path_params=_ID,
    error_model=_ERR,
    auth=_AUTH,
)
GET_CREDENTIALS = Endpoint(
    "get_credentials",
    "GET",
    "/v1.0/credentials",
    CredentialList,
    query_params=(
        QueryParam("member_id"),
        QueryParam("offer_id"),
        QueryParam("store_id"),
        QueryParam("page"),
        QueryParam("per_page"),
    ),
    error_model=_ERR,
    auth=_AUTH,
)
GET_OFFER_ELIGIBILITY_FOR_MEMBER = Endpoint(
    "get_offer_eligibility_for_member",
    "GET",
    "/v1.0/credentials/eligible",
    CredentialEligibilityResponse,
    query_params=(QueryParam("member_id", required=True), QueryParam("offer_id", required=True)),
    error_model=_ERR,
    auth=_AUTH,
)
# A reusable credential can be redeemed more than once, so a redeem is never repeated automatically.
REDEEM_CREDENTIAL = Endpoint(
    "redeem_credential",
    "PUT",
    "/v1.0/credentials/{credential_id}/redeem",
    CredentialResponse,
    path_params=_ID,
    error_model=_ERR,
    auth=_AUTH,
    idempotent=False,
)
UPDATE_CREDENTIAL = Endpoint(
    "update_credential",
    "PUT",
    "/v1.0/credentials/{credential_id}",
    CredentialResponse,
    path_params=_ID,
    body=_BODY,
    error_model=_ERR,
    auth=_AUTH,
)
VOID_CREDENTIAL = Endpoint(
    "void_credential",
    "PUT",
    "/v1.0/credentials/{credential_id}/void",
    CredentialResponse,
    path_params=_ID,
    error_model=_ERR,
    auth=_AUTH,
)

InputRequest = Union[CredentialInputRequest, Dict[str, Any], None]

if TYPE_CHECKING:
    from sparkfly_client.api_client import ApiClient
    from sparkfly_client.async_api_client import AsyncApiClient


class CredentialsOperations(ApiBase):
    """The eight Sparkfly credential operations, declared once for :class:`CredentialsApi` and
    :class:`AsyncCredentialsApi`.

    Each operation comes in three forms: ``name(...)`` returns the decoded model,
    ``name_with_http_info(...)`` an :class:`ApiResponse` with status and headers too, and
    ``name_without_preload_content(...)`` the unread response. All take the per-call options of
    :class:`RequestOptions` (``_request_timeout``, ``_deadline``, ``_headers``, ``_request_auth``,
    ``_content_type``, ``_host_index``, ``_retries``).
    """

    @operation
    def create_credential(
        self, credential_input_request: InputRequest = None, **options: Unpack[RequestOptions]
    ) -> Call[CredentialResponse]:
        """Creates a credential (POST /v1.0/credentials). Never retried once the request may have been sent."""
        return Call(CREATE_CREDENTIAL, {"credential_input_request": credential_input_request}, options)

    create_credential_with_http_info = create_credential.with_http_info()
    create_credential_without_preload_content = create_credential.without_preload_content()

    @operation
    def delete_credential(self, credential_id: int, **options: Unpack[RequestOptions]) -> Call[CredentialResponse]:
        """Delete Credential (DELETE /v1.0/credentials/{credential_id})."""
        return Call(DELETE_CREDENTIAL, {"credential_id": credential_id}, options)

    delete_credential_with_http_info = delete_credential.with_http_info()
    delete_credential_without_preload_content = delete_credential.without_preload_content()

    @operation
    def get_credential(self, credential_id: int, **options: Unpack[RequestOptions]) -> Call[CredentialResponse]:
        """Get Credential (GET /v1.0/credentials/{credential_id})."""
        return Call(GET_CREDENTIAL, {"credential_id": credential_id}, options)

    get_credential_with_http_info = get_credential.with_http_info()
    get_credential_without_preload_content = get_credential.without_preload_content()

    @operation
    def get_credentials(
        self,
        member_id: Optional[int] = None,
        offer_id: Optional[int] = None,
        store_id: Optional[int] = None,
        page: Optional[int] = None,
        per_page: Optional[int] = None,
        **options: Unpack[RequestOptions],
    ) -> Call[CredentialList]:
        """List Credentials (GET /v1.0/credentials), one page; see ``iter_credentials`` for all."""
        args = {"member_id": member_id, "offer_id": offer_id, "store_id": store_id, "page": page, "per_page": per_page}
        return Call(GET_CREDENTIALS, args, options)

    get_credentials_with_http_info = get_credentials.with_http_info()
    get_credentials_without_preload_content = get_credentials.without_preload_content()

    @operation
    def get_offer_eligibility_for_member(
        self, member_id: int, offer_id: int, **options: Unpack[RequestOptions]
    ) -> Call[CredentialEligibilityResponse]:
        """Determine if a member is eligible for an offer (GET /v1.0/credentials/eligible)."""
        return Call(GET_OFFER_ELIGIBILITY_FOR_MEMBER, {"member_id": member_id, "offer_id": offer_id}, options)

    get_offer_eligibility_for_member_with_http_info = get_offer_eligibility_for_member.with_http_info()
    get_offer_eligibility_for_member_without_preload_content = (
        get_offer_eligibility_for_member.without_preload_content()
    )

    @operation
    def redeem_credential(self, credential_id: int, **options: Unpack[RequestOptions]) -> Call[CredentialResponse]:
        """Redeem a credential (PUT /v1.0/credentials/{credential_id}/redeem). Never retried automatically."""
        return Call(REDEEM_CREDENTIAL, {"credential_id": credential_id}, options)

    redeem_credential_with_http_info = redeem_credential.with_http_info()
    redeem_credential_without_preload_content = redeem_credential.without_preload_content()

    @operation
    def update_credential(
        self, credential_id: int, credential_input_request: InputRequest = None, **options: Unpack[RequestOptions]
    ) -> Call[CredentialResponse]:
        """Updates a credential (PUT /v1.0/credentials/{credential_id})."""
        args = {"credential_id": credential_id, "credential_input_request": credential_input_request}
        return Call(UPDATE_CREDENTIAL, args, options)

    update_credential_with_http_info = update_credential.with_http_info()
    update_credential_without_preload_content = update_credential.without_preload_content()

    @operation
    def void_credential(self, credential_id: int, **options: Unpack[RequestOptions]) -> Call[CredentialResponse]:
        """Void a credential (PUT /v1.0/credentials/{credential_id}/void)."""
        return Call(VOID_CREDENTIAL, {"credential_id": credential_id}, options)

    void_credential_with_http_info = void_credential.with_http_info()
    void_credential_without_preload_content = void_credential.without_preload_content()


class CredentialsApi(CredentialsOperations, SyncApi):
    """The credential operations over an :class:`ApiClient` (the process-wide default when none is given)."""

    def __init__(self, api_client: Optional[ApiClient] = None) -> None:
        from sparkfly_client.api_client import ApiClient

        self.api_client = ApiClient.get_default() if api_client is None else api_client

    def iter_credentials(
        self,
        member_id: Optional[int] = None,
        offer_id: Optional[int] = None,
        store_id: Optional[int] = None,
        per_page: int = 50,
        **options: Unpack[RequestOptions],
    ) -> Iterator[CredentialResponse]:
        """Every credential matching the filters, fetching page after page as it goes.

        Stops after ``total_pages``, at an empty or short page, or when a server that ignores
        ``page`` sends a page it already sent, so it cannot loop forever.
        """
        walk = PageWalk(per_page)
        while walk.page is not None:
            yield from walk.accept(self.get_credentials(member_id, offer_id, store_id, walk.page, per_page, **options))


class AsyncCredentialsApi(CredentialsOperations, AsyncApi):
    """The credential operations as coroutines over an :class:`AsyncApiClient`."""

    def __init__(self, api_client: AsyncApiClient) -> None:
        self.api_client = api_client

    async def iter_credentials(
        self,
        member_id: Optional[int] = None,
        offer_id: Optional[int] = None,
        store_id: Optional[int] = None,
        per_page: int = 50,
        **options: Unpack[RequestOptions],
    ) -> AsyncIterator[CredentialResponse]:
        """Every credential matching the filters, fetching page after page as it goes (``async for``).
        Stops as :meth:`CredentialsApi.iter_credentials` does."""
        walk = PageWalk(per_page)
        while walk.page is not None:
            result = await self.get_credentials(member_id, offer_id, store_id, walk.page, per_page, **options)
            for item in walk.accept(result):
                yield item
