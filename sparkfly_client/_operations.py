"""Operations declared once, served by the sync and the async API classes alike.

An operation is declared as a method that turns its arguments into a :class:`Call` (data, no I/O)::

    class CredentialsOperations(ApiBase):
        @operation
        def get_credential(self, credential_id: int, **options: Unpack[RequestOptions]) -> Call[CredentialResponse]:
            return Call(GET_CREDENTIAL, {"credential_id": credential_id}, options)

        get_credential_with_http_info = get_credential.with_http_info()
        get_credential_without_preload_content = get_credential.without_preload_content()

    class CredentialsApi(CredentialsOperations, SyncApi): ...
    class AsyncCredentialsApi(CredentialsOperations, AsyncApi): ...

On a :class:`SyncApi` the three attributes are methods returning the model, an :class:`ApiResponse`
and the unread urllib3 response; on an :class:`AsyncApi` they are coroutines returning the model, an
:class:`ApiResponse` and the unread aiohttp response. Type checkers see the declared parameters and
the right return type on each side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Coroutine, Dict, Generic, Optional, TypeVar, overload

from typing_extensions import Concatenate, ParamSpec

from sparkfly_client._request import Call
from sparkfly_client.api_response import ApiResponse

if TYPE_CHECKING:
    import aiohttp
    import urllib3

__all__ = ["ApiBase", "SyncApi", "AsyncApi", "Operation", "operation"]

P = ParamSpec("P")
R = TypeVar("R")
Declaration = Callable[Concatenate[Any, P], Call[R]]

#: What a variant hands back: the decoded model, the ApiResponse, or the unread response.
DATA, HTTP_INFO, UNREAD = "data", "http_info", "unread"


class ApiBase:
    """What the operation classes share; the client does the work (``api_client.run_call``)."""

    api_client: Any

    def _bind(self, declaration: Callable[..., Call[Any]], result: str, name: str) -> Callable[..., Any]:
        raise NotImplementedError


class SyncApi(ApiBase):
    def _bind(self, declaration: Callable[..., Call[Any]], result: str, name: str) -> Callable[..., Any]:
        def method(*args: Any, **kwargs: Any) -> Any:
            return self.api_client.run_call(declaration(self, *args, **kwargs), result)

        return method


class AsyncApi(ApiBase):
    def _bind(self, declaration: Callable[..., Call[Any]], result: str, name: str) -> Callable[..., Any]:
        # A coroutine function (not a plain one handing back the client's coroutine, which would save a frame):
        # inspect.iscoroutinefunction, mock's autospec and frameworks that look must see one on every Python.
        async def method(*args: Any, **kwargs: Any) -> Any:
            return await self.api_client.run_call(declaration(self, *args, **kwargs), result)

        return method


class _Variant:
    """A descriptor that binds a declaration to an API object as one of its three variants. The bound
    method is kept on the object, so later lookups are plain attribute hits."""

    result = DATA

    def __init__(self, declaration: Callable[..., Call[Any]]) -> None:
        self.declaration = declaration
        self.__doc__ = declaration.__doc__
        self.name = declaration.__name__
        self._signatures: Dict[bool, Any] = {}

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<operation {self.name}{self.signature(is_async=False)}>"

    def __call__(self, api: ApiBase, *args: Any, **kwargs: Any) -> Any:
        """``CredentialsApi.get_credential(api, 56)`` works as with a plain method."""
        return self._get(api)(*args, **kwargs)

    def signature(self, *, is_async: bool) -> Any:
        """The parameters as declared (no ``self``) and what this variant returns, for help() and IDEs."""
        import inspect  # not on every import: only when a method is first bound

        if is_async not in self._signatures:
            declared = inspect.signature(self.declaration)
            returns = str(declared.return_annotation)
            model = returns[len("Call[") : -1] if returns.startswith("Call[") else "Any"
            shown = {
                DATA: model,
                HTTP_INFO: f"ApiResponse[{model}]",
                UNREAD: "aiohttp.ClientResponse" if is_async else "urllib3.BaseHTTPResponse",
            }[self.result]
            self._signatures[is_async] = declared.replace(
                parameters=list(declared.parameters.values())[1:], return_annotation=shown
            )
        return self._signatures[is_async]

    @property
    def __signature__(self) -> Any:
        import inspect

        declared = inspect.signature(self.declaration)
        return declared.replace(return_annotation=self.signature(is_async=False).return_annotation)

    def _get(self, obj: Optional[ApiBase]) -> Any:
        if obj is None:
            return self
        method = obj._bind(self.declaration, self.result, self.name)
        method.__name__ = method.__qualname__ = self.name
        method.__doc__ = self.__doc__
        method.__signature__ = self.signature(is_async=isinstance(obj, AsyncApi))  # type: ignore[attr-defined]
        obj.__dict__[self.name] = method
        return method


class Operation(_Variant, Generic[P, R]):
    """``name(...)``: the decoded model."""

    @overload
    def __get__(self, obj: None, owner: Any) -> Operation[P, R]: ...
    @overload
    def __get__(self, obj: SyncApi, owner: Any) -> Callable[P, R]: ...
    @overload
    def __get__(self, obj: AsyncApi, owner: Any) -> Callable[P, Coroutine[Any, Any, R]]: ...
    def __get__(self, obj: Any, owner: Any) -> Any:
        return self._get(obj)

    def with_http_info(self) -> WithHttpInfo[P, R]:
        """The ``_with_http_info`` variant of this operation."""
        return WithHttpInfo(self.declaration)

    def without_preload_content(self) -> WithoutPreloadContent[P]:
        """The ``_without_preload_content`` variant of this operation."""
        return WithoutPreloadContent(self.declaration)


class WithHttpInfo(_Variant, Generic[P, R]):
    """``name_with_http_info(...)``: an :class:`ApiResponse` with status, headers and raw body too."""

    result = HTTP_INFO

    @overload
    def __get__(self, obj: None, owner: Any) -> WithHttpInfo[P, R]: ...
    @overload
    def __get__(self, obj: SyncApi, owner: Any) -> Callable[P, ApiResponse[R]]: ...
    @overload
    def __get__(self, obj: AsyncApi, owner: Any) -> Callable[P, Coroutine[Any, Any, ApiResponse[R]]]: ...
    def __get__(self, obj: Any, owner: Any) -> Any:
        return self._get(obj)


class WithoutPreloadContent(_Variant, Generic[P]):
    """``name_without_preload_content(...)``: the unread response, whatever its status."""

    result = UNREAD

    @overload
    def __get__(self, obj: None, owner: Any) -> WithoutPreloadContent[P]: ...
    @overload
    def __get__(self, obj: SyncApi, owner: Any) -> Callable[P, urllib3.BaseHTTPResponse]: ...
    @overload
    def __get__(self, obj: AsyncApi, owner: Any) -> Callable[P, Coroutine[Any, Any, aiohttp.ClientResponse]]: ...
    def __get__(self, obj: Any, owner: Any) -> Any:
        return self._get(obj)


def operation(declaration: Declaration[P, R]) -> Operation[P, R]:
    """Declare an operation (see the module's description)."""
    return Operation(declaration)
