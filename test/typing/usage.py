"""Typed usage, checked by ``mypy --strict test/typing`` (never run): what an integration written from the
docs gets from the type checker. Each ``assert_type`` fails the check if a signature changes."""

from __future__ import annotations

from typing import AsyncIterator, Iterator, List, Optional

import aiohttp
import urllib3
from typing_extensions import assert_type

import sparkfly_client
from sparkfly_client import (
    ApiResponse,
    Credential,
    CredentialList,
    CredentialResponse,
    CustomerCredential,
)


def sync_integration(configuration: sparkfly_client.Configuration) -> List[int]:
    with sparkfly_client.ApiClient(configuration) as api_client:
        api = sparkfly_client.CredentialsApi(api_client)
        request = sparkfly_client.CredentialInputRequest(
            credential=sparkfly_client.CredentialInput(member_id=56, offer_id=56, channel_id=56)
        )
        created = api.create_credential(request)
        assert_type(created, CredentialResponse)
        assert_type(created.credential, Credential)
        assert_type(created.credential.id, int)  # no None check needed: a success carries the id
        redeemed = api.redeem_credential(created.credential.id, _deadline=5.0)
        assert_type(redeemed.credential.identifier, Optional[str])
        info = api.get_credential_with_http_info(created.credential.id)
        assert_type(info, ApiResponse[CredentialResponse])
        assert_type(info.status_code, int)
        raw = api.get_credential_without_preload_content(56)
        assert_type(raw, urllib3.BaseHTTPResponse)
        page = api.get_credentials(member_id=56, redeemed=False, ids=[1, 2])
        assert_type(page, CredentialList)
        every: Iterator[CredentialResponse] = api.iter_credentials(member_id=56, identifier="5600")
        found = api.find_active_credential("5600")
        assert_type(found, Optional[CredentialResponse])
        customer = sparkfly_client.CustomerCredentialsApi(api_client)
        upserted = customer.upsert_credential(
            "cus_crd_1", {"username": "jane", "password": "pw", "customerId": "cus_1"}
        )
        assert_type(upserted, CustomerCredential)
        return [item.credential.id for item in every]


async def async_integration(configuration: sparkfly_client.Configuration) -> List[int]:
    async with sparkfly_client.AsyncApiClient(configuration) as api_client:
        api = sparkfly_client.AsyncCredentialsApi(api_client)
        credential = (await api.get_credential(56)).credential
        assert_type(credential.id, int)
        info = await api.void_credential_with_http_info(credential.id)
        assert_type(info, ApiResponse[CredentialResponse])
        raw = await api.get_credential_without_preload_content(56)
        assert_type(raw, aiohttp.ClientResponse)
        every: AsyncIterator[CredentialResponse] = api.iter_credentials(member_id=56)
        found = await api.find_active_credential("5600")
        assert_type(found, Optional[CredentialResponse])
        return [item.credential.id async for item in every]


def mistakes_the_checker_catches(api: sparkfly_client.CredentialsApi) -> None:
    api.get_credential("56")  # type: ignore[arg-type]
    api.get_credentials(memberid=56)  # type: ignore[call-arg]
    api.redeem_credential(56, _retries="twice")  # type: ignore[arg-type]


def called_through_the_class(api: sparkfly_client.CredentialsApi) -> None:
    """As plain functions of their class, the operations take the API object first."""
    assert_type(sparkfly_client.CredentialsApi.get_credential(api, 56), CredentialResponse)
    info = sparkfly_client.CredentialsApi.redeem_credential_with_http_info(api, 56, _settle=True)
    assert_type(info, ApiResponse[CredentialResponse])


async def awaited_through_the_class(api: sparkfly_client.AsyncCredentialsApi) -> None:
    assert_type(await sparkfly_client.AsyncCredentialsApi.get_credential(api, 56), CredentialResponse)
