"""The API classes are plain Python to every tool pointed at them: each operation, in all three variants, is a
real function of its class with the declared signature, so inspect, help(), autospec mocks and tracebacks see it."""

from __future__ import annotations

import asyncio
import inspect
import traceback
from typing import Any, Iterator, List, Tuple
from unittest import mock

import pytest
from drivers import HAVE_AIOHTTP

import sparkfly_client
from sparkfly_client._operations import declared_operations
from sparkfly_client._request import RequestOptions
from sparkfly_client.sandbox import Sandbox

SYNC_CLASSES = [sparkfly_client.CredentialsApi, sparkfly_client.CustomerCredentialsApi]
ASYNC_CLASSES = [sparkfly_client.AsyncCredentialsApi, sparkfly_client.AsyncCustomerCredentialsApi]
SUFFIXES = ("", "_with_http_info", "_without_preload_content")
OPTIONS = list(RequestOptions.__annotations__)
COMPOSITES = {"CredentialsApi": ("iter_credentials", "find_active_credential")}


def functions(api_class: type) -> Iterator[Tuple[str, str]]:
    """Every operation function of a class: (operation, variant name)."""
    for name in declared_operations(api_class):
        for suffix in SUFFIXES:
            yield name, name + suffix


def every_function(api_class: type) -> List[str]:
    composites = COMPOSITES.get(api_class.__name__.replace("Async", ""), ())
    return [variant for _, variant in functions(api_class)] + list(composites)


def test_each_class_declares_every_operation_of_its_api() -> None:
    assert declared_operations(sparkfly_client.CredentialsApi) == (
        "create_credential",
        "delete_credential",
        "get_credential",
        "get_credentials",
        "get_offer_eligibility_for_member",
        "redeem_credential",
        "update_credential",
        "void_credential",
    )
    assert declared_operations(sparkfly_client.CustomerCredentialsApi) == ("upsert_credential",)
    for sync_class, async_class in zip(SYNC_CLASSES, ASYNC_CLASSES):
        assert declared_operations(async_class) == declared_operations(sync_class)


@pytest.mark.parametrize("api_class", SYNC_CLASSES + ASYNC_CLASSES, ids=lambda c: c.__name__)
def test_every_operation_is_a_named_function_of_its_class(api_class: type) -> None:
    is_async = api_class in ASYNC_CLASSES
    for name in every_function(api_class):
        function = getattr(api_class, name)
        assert inspect.isfunction(function), name
        assert inspect.getattr_static(api_class, name) is function  # on the class itself, not a descriptor
        if name == "iter_credentials":
            assert inspect.isasyncgenfunction(function) is is_async
        else:
            assert inspect.iscoroutinefunction(function) is is_async, name
        assert function.__name__ == name
        assert function.__qualname__ == f"{api_class.__name__}.{name}"
        assert function.__module__ == api_class.__module__
        assert function.__doc__ and function.__doc__.strip()


@pytest.mark.parametrize("api_class", SYNC_CLASSES + ASYNC_CLASSES, ids=lambda c: c.__name__)
def test_signatures_are_self_then_the_declared_parameters_and_the_real_return(api_class: type) -> None:
    unread = "aiohttp.ClientResponse" if api_class in ASYNC_CLASSES else "urllib3.BaseHTTPResponse"
    model = {"upsert_credential": "CustomerCredential", "get_credentials": "CredentialList"}
    for operation, name in functions(api_class):
        signature = inspect.signature(getattr(api_class, name))
        parameters = list(signature.parameters.values())
        assert parameters[0].name == "self"
        keyword_only = [p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY]
        assert keyword_only[-len(OPTIONS) :] == OPTIONS, name
        assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters), name
        expected = model.get(
            operation, "CredentialEligibilityResponse" if "eligib" in operation else "CredentialResponse"
        )
        returns = {"": expected, "_with_http_info": f"ApiResponse[{expected}]", "_without_preload_content": unread}
        assert signature.return_annotation == returns[name[len(operation) :]], name


def test_the_declared_parameters_keep_their_annotations_and_defaults() -> None:
    signature = inspect.signature(sparkfly_client.CredentialsApi.get_credentials)
    assert str(signature.parameters["member_id"]) == "member_id: 'Optional[int]' = None"
    assert signature.parameters["member_id"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert str(signature.parameters["ids"]) == "ids: 'Optional[Sequence[int]]' = None"
    assert signature.parameters["redeemed"].kind is inspect.Parameter.KEYWORD_ONLY
    deadline = signature.parameters["_deadline"]
    assert repr(deadline.default) == "<from Configuration>"  # None there means "no deadline"
    bound = inspect.signature(sparkfly_client.CredentialsApi(sparkfly_client.ApiClient()).get_credential)
    assert list(bound.parameters)[0] == "credential_id"


def test_the_source_shown_is_the_declared_operation() -> None:
    for name in ("get_credential", "get_credential_with_http_info", "get_credential_without_preload_content"):
        source = inspect.getsource(getattr(sparkfly_client.AsyncCredentialsApi, name))
        assert "def get_credential(self, credential_id: int" in source and "GET_CREDENTIAL" in source, name


def test_help_names_the_operation_and_its_module() -> None:
    import pydoc

    text = pydoc.render_doc(sparkfly_client.CredentialsApi.get_credential, renderer=pydoc.plaintext)
    assert "function get_credential in module sparkfly_client.api.credentials_api" in text
    assert "credential_id: 'int'" in text and "-> 'CredentialResponse'" in text
    assert "_operations" not in text


@pytest.mark.parametrize("api_class", SYNC_CLASSES + ASYNC_CLASSES, ids=lambda c: c.__name__)
def test_autospec_mocks_enforce_each_signature(api_class: type) -> None:
    mocked = mock.create_autospec(api_class, instance=True)
    for name in every_function(api_class):
        method = getattr(mocked, name)
        with pytest.raises(TypeError):
            method(1, 2, 3, 4, 5, 6, 7)  # more positional arguments than any operation takes
        with pytest.raises(TypeError):
            method(_deadlin=2.0)  # a misspelt request option
        with pytest.raises(TypeError):
            method(unknown_keyword=1)
    if api_class.__name__.endswith("CredentialsApi") and "Customer" not in api_class.__name__:
        with pytest.raises(TypeError):
            mocked.get_credentials(identifer="5600")  # a misspelt search filter
        with pytest.raises(TypeError):
            mocked.iter_credentials(memberid=56)
        accepted = [
            mocked.get_credentials(56, identifier="5600", redeemed=False, _deadline=2.0),
            mocked.get_credential(credential_id=5),
            mocked.get_credential(5, _request_timeout=3),
        ]
        for result in accepted:  # the async class's mocks hand back coroutines: close them unawaited
            if inspect.iscoroutine(result):
                result.close()


def test_sync_autospec_returns_what_the_test_configures() -> None:
    mocked = mock.create_autospec(sparkfly_client.CredentialsApi, instance=True)
    mocked.get_credential.return_value = "the credential"
    assert mocked.get_credential(56) == "the credential"
    mocked.get_credential.assert_called_once_with(56)


@pytest.mark.parametrize("api_class", ASYNC_CLASSES, ids=lambda c: c.__name__)
def test_async_mocks_of_every_coroutine_operation_are_awaitable(api_class: type) -> None:
    autospec = mock.create_autospec(api_class, instance=True)
    spec = mock.MagicMock(spec=api_class)
    for name in every_function(api_class):
        if name == "iter_credentials":
            continue  # an async generator function: iterated, not awaited
        for mocked in (autospec, spec):
            method = getattr(mocked, name)
            assert isinstance(method, mock.AsyncMock), name
            method.return_value = name
            arguments = [
                1
                for p in inspect.signature(getattr(api_class, name)).parameters.values()
                if p.default is inspect.Parameter.empty and p.name != "self"
            ]
            assert asyncio.run(_await(method(*arguments))) == name


async def _await(awaitable: Any) -> Any:
    return await awaitable


def test_a_real_call_keeps_its_did_you_mean_error() -> None:
    api = sparkfly_client.CredentialsApi(sparkfly_client.ApiClient())
    with pytest.raises(sparkfly_client.ApiTypeError, match="did you mean 'identifier'"):
        api.get_credentials(identifer="5600")
    with pytest.raises(sparkfly_client.ApiTypeError, match="did you mean '_deadline'"):
        api.get_credential(56, _deadlin=2.0)


def test_a_traceback_through_a_call_names_the_operation(sparkfly_sandbox: Sandbox) -> None:
    with sparkfly_sandbox.api_client() as client:
        api = sparkfly_client.CredentialsApi(client)
        with pytest.raises(sparkfly_client.NotFoundException) as caught:
            api.get_credential_with_http_info(99999)
    names = [frame.name for frame in traceback.extract_tb(caught.value.__traceback__)]
    assert names[1] == "get_credential_with_http_info"
    assert "method" not in names


@pytest.mark.skipif(not HAVE_AIOHTTP, reason='needs the "async" extra')
def test_an_async_traceback_names_the_operation(sparkfly_sandbox: Sandbox) -> None:
    async def call() -> None:
        async with sparkfly_sandbox.async_api_client() as client:
            await sparkfly_client.AsyncCredentialsApi(client).redeem_credential(99999)

    with pytest.raises(sparkfly_client.NotFoundException) as caught:
        asyncio.run(call())
    names = [frame.name for frame in traceback.extract_tb(caught.value.__traceback__)]
    assert "redeem_credential" in names and "method" not in names


@pytest.mark.parametrize("api_class", SYNC_CLASSES + ASYNC_CLASSES, ids=lambda c: c.__name__)
def test_an_api_class_can_be_subclassed_and_its_methods_overridden(api_class: type) -> None:
    class Inherited(api_class):  # type: ignore[valid-type,misc]
        pass

    operation = declared_operations(api_class)[0]

    def mine(self: Any) -> str:
        return "mine"

    overriding = type("Overriding", (api_class,), {operation: mine})  # a method of its own in the class body
    assert getattr(Inherited, operation) is getattr(api_class, operation)
    assert declared_operations(Inherited) == declared_operations(api_class)
    assert getattr(overriding, operation) is mine


def test_a_subclass_declaring_an_operation_keeps_the_inherited_ones() -> None:
    from sparkfly_client._operations import operation
    from sparkfly_client._request import Call
    from sparkfly_client.api.credentials_api import GET_CREDENTIAL

    class Extended(sparkfly_client.CredentialsApi):
        @operation
        def get_credential_again(self, credential_id: int, **options: Any) -> Any:
            """Get Credential once more."""
            return Call(GET_CREDENTIAL, {"credential_id": credential_id}, options)

    inherited = declared_operations(sparkfly_client.CredentialsApi)
    assert declared_operations(Extended) == tuple(sorted((*inherited, "get_credential_again")))
    with Sandbox() as sandbox, sparkfly_client.ApiClient(sandbox.configuration()) as client:
        assert Extended(client).get_credential_again(56).credential.id == 56
