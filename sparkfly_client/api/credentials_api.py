"""CredentialsApi: issue, look up, redeem and void the codes members redeem offers with.

The operations are declared once here (:class:`CredentialsOperations`) for :class:`CredentialsApi` and
:class:`AsyncCredentialsApi`, which lives in ``async_credentials_api.py`` (a sync program does not pay for making it)
and is found here too, imported when first used.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Dict, Iterator, Mapping, Optional, Sequence, Tuple, Union

from typing_extensions import TypedDict, Unpack

from sparkfly_client._endpoint import (
    BodyParam,
    Endpoint,
    Flag,
    NonEmptyStr,
    NonNegativeInt,
    PathParam,
    PositiveIntList,
    QueryParam,
    TimestampParam,
)
from sparkfly_client._lazy import lazy_dir, lazy_exports
from sparkfly_client._operations import ApiBase, SyncApi, operation
from sparkfly_client._request import Call, RequestOptions
from sparkfly_client._shared import SPARKFLY_TOKEN

if TYPE_CHECKING:
    from sparkfly_client._settle import SettleStrategy
    from sparkfly_client.api_client import ApiClient
    from sparkfly_client.models.credential_eligibility_response import CredentialEligibilityResponse
    from sparkfly_client.models.credential_input_request import CredentialInputRequest
    from sparkfly_client.models.credential_list import CredentialList
    from sparkfly_client.models.credential_response import CredentialResponse

    InputRequest = Union[CredentialInputRequest, Dict[str, Any], None]

# Where AsyncCredentialsApi was before it had a module of its own: still found here, imported on first use.
_EXPORTS = {"AsyncCredentialsApi": "sparkfly_client.api.async_credentials_api"}
__all__ = ["CredentialsApi", *_EXPORTS, "CredentialSearch", "CredentialSearchCall"]
__getattr__ = lazy_exports(__name__, _EXPORTS, globals())
__dir__ = lazy_dir(_EXPORTS, globals())

# The models by where they live: each is imported when a call first needs it (see ModelRef).
_MODELS = "sparkfly_client.models."
_RESPONSE = _MODELS + "credential_response:CredentialResponse"
_ID = (PathParam("credential_id"),)
_BODY = BodyParam("credential_input_request", _MODELS + "credential_input_request:CredentialInputRequest")
_AUTH = (SPARKFLY_TOKEN,)
_ERR = _MODELS + "bad_request_object:BadRequestObject"


# How a lost answer to each operation that settles one is settled (when settling is on): its strategy is made,
# and _settle.py imported, when a call first settles.
def _settle_delete() -> SettleStrategy:
    from sparkfly_client._settle import SettleDelete

    return SettleDelete()


def _settle_create() -> SettleStrategy:
    from sparkfly_client._settle import SettleCreate

    return SettleCreate(search=GET_CREDENTIALS)


def _settle_redeem() -> SettleStrategy:
    from sparkfly_client._settle import SettleRedeem

    return SettleRedeem(read=GET_CREDENTIAL)


DELETE_CREDENTIAL: Endpoint[CredentialResponse] = Endpoint(
    "delete_credential",
    "DELETE",
    "/v1.0/credentials/{credential_id}",
    _RESPONSE,
    path_params=_ID,
    error_model=_ERR,
    auth=_AUTH,
    settle=_settle_delete,
)
GET_CREDENTIAL: Endpoint[CredentialResponse] = Endpoint(
    "get_credential",
    "GET",
    "/v1.0/credentials/{credential_id}",
    _RESPONSE,
    path_params=_ID,
    error_model=_ERR,
    auth=_AUTH,
)
GET_CREDENTIALS: Endpoint[CredentialList] = Endpoint(
    "get_credentials",
    "GET",
    "/v1.0/credentials",
    _MODELS + "credential_list:CredentialList",
    query_params=(
        QueryParam("member_id"),
        QueryParam("offer_id"),
        QueryParam("store_id"),
        QueryParam("page"),
        QueryParam("per_page"),
        # The published search filters, passed by keyword (see CredentialSearch).
        QueryParam("identifier", NonEmptyStr),
        QueryParam("channel_id"),
        QueryParam("ids", PositiveIntList),
        QueryParam("redeemed", Flag),
        QueryParam("reusable", Flag),
        QueryParam("inactive_later_than", TimestampParam),
        QueryParam("eligible_channel_id"),
        QueryParam("credential_type", NonNegativeInt),
    ),
    error_model=_ERR,
    auth=_AUTH,
)
# A lost answer is settled (when settling is on) by searching for the identifier the create carried.
CREATE_CREDENTIAL: Endpoint[CredentialResponse] = Endpoint(
    "create_credential",
    "POST",
    "/v1.0/credentials",
    _RESPONSE,
    body=_BODY,
    error_model=_ERR,
    auth=_AUTH,
    settle=_settle_create,
)
GET_OFFER_ELIGIBILITY_FOR_MEMBER: Endpoint[CredentialEligibilityResponse] = Endpoint(
    "get_offer_eligibility_for_member",
    "GET",
    "/v1.0/credentials/eligible",
    _MODELS + "credential_eligibility_response:CredentialEligibilityResponse",
    query_params=(QueryParam("member_id", required=True), QueryParam("offer_id", required=True)),
    error_model=_ERR,
    auth=_AUTH,
)
# A reusable credential can be redeemed more than once, so a redeem is never repeated automatically; a lost
# answer is settled (when settling is on) by reading the credential.
REDEEM_CREDENTIAL: Endpoint[CredentialResponse] = Endpoint(
    "redeem_credential",
    "PUT",
    "/v1.0/credentials/{credential_id}/redeem",
    _RESPONSE,
    path_params=_ID,
    error_model=_ERR,
    auth=_AUTH,
    idempotent=False,
    settle=_settle_redeem,
)
UPDATE_CREDENTIAL: Endpoint[CredentialResponse] = Endpoint(
    "update_credential",
    "PUT",
    "/v1.0/credentials/{credential_id}",
    _RESPONSE,
    path_params=_ID,
    body=_BODY,
    error_model=_ERR,
    auth=_AUTH,
)
VOID_CREDENTIAL: Endpoint[CredentialResponse] = Endpoint(
    "void_credential",
    "PUT",
    "/v1.0/credentials/{credential_id}/void",
    _RESPONSE,
    path_params=_ID,
    error_model=_ERR,
    auth=_AUTH,
)


class CredentialSearch(TypedDict, total=False):
    """The keyword-only search filters of ``get_credentials*`` and ``iter_credentials``, as the type
    checker sees them; GET_CREDENTIALS declares how each is checked and sent."""

    #: the code a member shows (also a phone number, e-mail or external id): the point-of-sale lookup
    identifier: str
    channel_id: int
    #: sent as repeated parameters, ``ids=1&ids=2``
    ids: Sequence[int]
    #: sent as ``true`` / ``false``
    redeemed: bool
    reusable: bool
    #: credentials that became inactive after this instant; sent as ISO 8601
    inactive_later_than: Union[datetime, str]
    eligible_channel_id: int
    credential_type: int


class CredentialSearchCall(CredentialSearch, RequestOptions, total=False):
    """The search filters and the per-call options: every keyword a search method takes."""


_SEARCH_FILTERS = frozenset(CredentialSearch.__annotations__)


def _search(
    member_id: Optional[int],
    offer_id: Optional[int],
    store_id: Optional[int],
    page: Optional[int],
    per_page: Optional[int],
    keywords: Mapping[str, Any],
) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """The arguments of GET_CREDENTIALS and the per-call options, from a search method's parameters."""
    args: Dict[str, Any] = {
        "member_id": member_id,
        "offer_id": offer_id,
        "store_id": store_id,
        "page": page,
        "per_page": per_page,
    }
    args.update(dict.fromkeys(CredentialSearch.__annotations__))  # all named: a misspelt one gets a suggestion
    options: Dict[str, Any] = {}
    for name, value in keywords.items():
        (args if name in _SEARCH_FILTERS else options)[name] = value
    return args, options


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
        **filters_and_options: Unpack[CredentialSearchCall],
    ) -> Call[CredentialList]:
        """List Credentials (GET /v1.0/credentials), one page; see ``iter_credentials`` for all.

        Keyword filters (all optional, combinable): ``identifier`` (str), ``channel_id`` (int),
        ``ids`` (list of int), ``redeemed`` and ``reusable`` (bool), ``inactive_later_than``
        (timezone-aware ``datetime`` or ISO 8601 str), ``eligible_channel_id`` and ``credential_type`` (int).
        A wrong type raises ``ApiTypeError`` / ``ApiValueError`` before anything is sent.
        """
        args, options = _search(member_id, offer_id, store_id, page, per_page, filters_and_options)
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
        **filters_and_options: Unpack[CredentialSearchCall],
    ) -> Iterator[CredentialResponse]:
        """Every credential matching the filters (those of ``get_credentials``), page after page.

        Stops after the last page the server announces, at an empty or short page, or when a server
        that ignores ``page`` sends a page it already sent, so it cannot loop forever.
        """
        from sparkfly_client._lookup import PageWalk  # a search's own: not imported by every cold start

        walk = PageWalk(per_page)
        while (page := walk.next_page()) is not None:
            yield from walk.accept(
                self.get_credentials(member_id, offer_id, store_id, page, per_page, **filters_and_options)
            )

    def find_active_credential(
        self, identifier: str, **options: Unpack[RequestOptions]
    ) -> Optional[CredentialResponse]:
        """The point-of-sale lookup: the active credential for the code a member shows, or ``None``.

        Searches by ``identifier`` across every page. One identifier may have belonged to several
        credentials over time (voided, then reissued); the one whose ``voided_at`` is null is active.
        Should several be active, the most recently updated is returned and a warning is logged.
        """
        from sparkfly_client._lookup import choose_active

        return choose_active(self.iter_credentials(identifier=identifier, **options))
