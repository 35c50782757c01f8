"""AsyncCredentialsApi: the operations of ``CredentialsApi`` as coroutines, over an ``AsyncApiClient``."""

from __future__ import annotations

from typing import TYPE_CHECKING, AsyncIterator, Optional

from typing_extensions import Unpack

from sparkfly_client._lookup import PageWalk, choose_active
from sparkfly_client._operations import AsyncApi
from sparkfly_client._request import RequestOptions
from sparkfly_client.api.credentials_api import CredentialSearchCall, CredentialsOperations

if TYPE_CHECKING:
    from sparkfly_client.async_api_client import AsyncApiClient
    from sparkfly_client.models.credential_response import CredentialResponse

__all__ = ["AsyncCredentialsApi"]


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
        **filters_and_options: Unpack[CredentialSearchCall],
    ) -> AsyncIterator[CredentialResponse]:
        """Every credential matching the filters, page after page (``async for``); stops as
        :meth:`CredentialsApi.iter_credentials` does."""
        walk = PageWalk(per_page)
        while (page := walk.next_page()) is not None:
            result = await self.get_credentials(member_id, offer_id, store_id, page, per_page, **filters_and_options)
            for item in walk.accept(result):
                yield item

    async def find_active_credential(
        self, identifier: str, **options: Unpack[RequestOptions]
    ) -> Optional[CredentialResponse]:
        """The point-of-sale lookup, as :meth:`CredentialsApi.find_active_credential`."""
        return choose_active([item async for item in self.iter_credentials(identifier=identifier, **options)])
