"""The ``file`` part of a multipart upload as a stream of chunks, straight from the socket.

Nothing is spooled or buffered beyond one network chunk: the bytes go on to storage as they arrive,
so memory stays flat whatever the size of the scan, and an oversize upload is refused as soon as
the limit is passed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Request
from litestar.exceptions import InternalServerException
from multipart import MultipartError, MultipartSegment, PushMultipartParser  # type: ignore[import-untyped]

from agency.errors import BadRequest, Invalid, TooLarge

FIELD = "file"
# Headers and boundaries around the file part; the file itself is held to the limit by storage.
MULTIPART_OVERHEAD = 64 * 1024


class ClientGone(BadRequest):
    """The client went away mid-upload; nothing was kept."""


class MultipartUpload:
    def __init__(self, request: Request[Any, Any, Any], limit: int) -> None:
        content_type, options = request.content_type
        if content_type != "multipart/form-data" or not options.get("boundary"):
            raise Invalid("请以 multipart/form-data 上传，文件放在 file 字段（multipart/form-data required）",
                          field=FIELD)
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit + MULTIPART_OVERHEAD:
            raise TooLarge(f"文件超过 {limit // (1024 * 1024)} MB 上限（file too large）", field=FIELD)
        self._request = request
        self._boundary = options["boundary"]
        self.filename: str | None = None
        self.found = False

    async def chunks(self) -> AsyncIterator[bytes]:
        in_file = False
        try:
            parser = PushMultipartParser(self._boundary, max_segment_count=20)
            async for network_chunk in self._request.stream():
                for event in parser.parse(network_chunk):
                    if isinstance(event, MultipartSegment):
                        in_file = event.name == FIELD and not self.found
                        if in_file:
                            self.found, self.filename = True, event.filename
                    elif event is None:
                        if in_file:
                            return  # the file is complete; later fields are not needed
                    elif in_file and event:
                        yield bytes(event)
            parser.close()  # a body cut short raises here, so a truncated file is never kept
        except MultipartError as error:
            raise BadRequest(f"multipart 格式错误：{error}（malformed multipart body）") from None
        except InternalServerException:
            raise ClientGone("客户端在上传中途断开，未保存任何内容（client disconnected）") from None
        if not self.found:
            raise Invalid("请求中没有 file 字段（multipart field 'file' is required）", field=FIELD)


class StreamedForm:
    """A multipart form read part by part as it arrives, for the page's upload form.

    Nothing is spooled: each part's bytes are handed on as they come, and the whole body is held to
    ``limit`` (the upload limit; the declared length is refused before anything is read). The caller reads
    the parts in the order the browser sends them — the form's fields in document order — so it can check
    the small fields that come first (the CSRF token) before it reads any file.
    """

    def __init__(self, request: Request[Any, Any, Any], limit: int, *, max_parts: int = 40) -> None:
        content_type, options = request.content_type
        if content_type != "multipart/form-data" or not options.get("boundary"):
            raise Invalid("请以 multipart/form-data 上传（multipart/form-data required）", field=FIELD)
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit + MULTIPART_OVERHEAD:
            raise TooLarge(f"上传的文件合计超过 {limit // (1024 * 1024)} MB 上限，请分次上传（upload too large）",
                           field=FIELD)
        self._request = request
        self._limit = limit + MULTIPART_OVERHEAD
        self._parser = PushMultipartParser(options["boundary"], max_segment_count=max_parts)
        self._events = self._parse()
        self._in_part = False

    async def _parse(self) -> AsyncIterator[MultipartSegment | bytes | None]:
        read = 0
        try:
            async for network_chunk in self._request.stream():
                read += len(network_chunk)
                if read > self._limit:
                    raise TooLarge(f"上传的文件合计超过 {(self._limit - MULTIPART_OVERHEAD) // (1024 * 1024)} MB "
                                   "上限，请分次上传（upload too large）", field=FIELD)
                for event in self._parser.parse(network_chunk):
                    yield event if isinstance(event, MultipartSegment) or event is None else bytes(event)
            self._parser.close()  # a body cut short raises here
        except MultipartError as error:
            raise BadRequest(f"multipart 格式错误：{error}（malformed multipart body）") from None
        except InternalServerException:
            raise ClientGone("客户端在上传中途断开，未保存任何内容（client disconnected）") from None

    async def next_part(self) -> MultipartSegment | None:
        """The next part's headers (name, filename), skipping what is left of the current one; None at the end."""
        async for event in self._events:
            if isinstance(event, MultipartSegment):
                self._in_part = True
                return event
            if event is None:
                self._in_part = False
        return None

    async def chunks(self) -> AsyncIterator[bytes]:
        """The bytes of the current part, as they arrive."""
        if not self._in_part:
            return
        async for event in self._events:
            if event is None:
                self._in_part = False
                return
            if isinstance(event, bytes) and event:
                yield event

    async def text(self, max_length: int = 1024) -> str:
        """The current part as a short text field."""
        data = b""
        async for chunk in self.chunks():
            data += chunk
            if len(data) > max_length:
                raise BadRequest("表单字段过长（form field too long）")
        return data.decode("utf-8", errors="replace")
