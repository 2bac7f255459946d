"""The benches' lean HTTP/1.1 client: keep-alive connections, each request written as
prepared bytes and its answer read by Content-Length (or chunks), nothing parsed.

httpx costs about a millisecond of client CPU per request on the bench machine (its
request and response models, header normalisation, the connection pool's bookkeeping).
At one client that millisecond is in every p50 it reports, whichever server answers; at
16 clients it is CPU taken from the servers on the same two cores. This client costs a
tenth of it, so the figures are the servers'. (bench/postgraphile.py still prints the
p50 httpx measures, beside this one.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from urllib.parse import urlsplit


class WireError(RuntimeError):
    pass


class Wire:
    """Up to ``connections`` keep-alive connections to ``base_url``, opened as needed."""

    def __init__(self, base_url: str, connections: int = 16) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"an http:// URL is needed, not {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._slots = asyncio.Semaphore(connections)

    def request(self, method: str, path: str, body: bytes, headers: Mapping[str, str]) -> bytes:
        """A request's bytes, built once and sent as often as needed."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def post_json(self, path: str, body: bytes, headers: Mapping[str, str]) -> bytes:
        return self.request("POST", path, body, {"Content-Type": "application/json", **headers})

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """The status and body of ``request``'s answer."""
        async with self._slots:
            reused = bool(self._idle)
            reader, writer = self._idle.pop() if reused else await self._open()
            try:
                writer.write(request)
                status, body, keep = await _read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError) as error:
                writer.close()
                if not reused or getattr(error, "partial", b""):
                    raise
                # A kept connection the server closed while it sat idle (both servers
                # close one after 5 s): the request never reached it; once more.
                reader, writer = await self._open()
                writer.write(request)
                status, body, keep = await _read_response(reader)
            except BaseException:
                writer.close()
                raise
            if keep:
                self._idle.append((reader, writer))
            else:
                writer.close()
            return status, body

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        while self._idle:
            _, writer = self._idle.pop()
            writer.close()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head[:-4].split(b"\r\n")
    try:
        status = int(status_line.split(b" ", 2)[1])
    except (IndexError, ValueError):
        raise WireError(f"not an HTTP status line: {status_line[:80]!r}") from None
    length = None
    chunked = False
    keep = True
    for line in header_lines:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            keep = b"close" not in value.lower()
    if chunked:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # no trailers are sent here
                break
            parts.append((await reader.readexactly(size + 2))[:-2])
        return status, b"".join(parts), keep
    if length is None:
        return status, await reader.read(), False
    return status, await reader.readexactly(length), keep
