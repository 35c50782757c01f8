"""One module per API class."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sparkfly_client._lazy import lazy_dir, lazy_exports

API_MODULES = {
    "CredentialsApi": "sparkfly_client.api.credentials_api",
    "AsyncCredentialsApi": "sparkfly_client.api.async_credentials_api",
    "CustomerCredentialsApi": "sparkfly_client.api.customer_credentials_api",
    "AsyncCustomerCredentialsApi": "sparkfly_client.api.async_customer_credentials_api",
}
__all__ = sorted(API_MODULES)

__getattr__ = lazy_exports(__name__, API_MODULES, globals())
__dir__ = lazy_dir(API_MODULES, globals())

if TYPE_CHECKING:
    from sparkfly_client.api.async_credentials_api import AsyncCredentialsApi as AsyncCredentialsApi
    from sparkfly_client.api.async_customer_credentials_api import (
        AsyncCustomerCredentialsApi as AsyncCustomerCredentialsApi,
    )
    from sparkfly_client.api.credentials_api import CredentialsApi as CredentialsApi
    from sparkfly_client.api.customer_credentials_api import CustomerCredentialsApi as CustomerCredentialsApi
