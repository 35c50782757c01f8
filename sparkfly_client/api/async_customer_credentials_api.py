"""AsyncCustomerCredentialsApi: the operation of ``CustomerCredentialsApi`` as a coroutine, over an
``AsyncApiClient``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sparkfly_client._operations import AsyncApi
from sparkfly_client.api.customer_credentials_api import CustomerCredentialsOperations

if TYPE_CHECKING:
    from sparkfly_client.async_api_client import AsyncApiClient

__all__ = ["AsyncCustomerCredentialsApi"]


class AsyncCustomerCredentialsApi(CustomerCredentialsOperations, AsyncApi):
    """The customer credential resource as coroutines over an :class:`AsyncApiClient`."""

    def __init__(self, api_client: AsyncApiClient) -> None:
        self.api_client = api_client
