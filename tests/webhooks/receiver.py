"""A real webhook receiver on 127.0.0.1 for the outage test: plain HTTP/1.1 over
``asyncio.start_server``, one request per connection.

It checks each signature (401 if wrong), answers 500 to its first ``failures`` calls,
stops listening right after the last of them (so the next POSTs meet a refused
connection) until ``start()`` is called again on the same port, and keeps the ids it
accepted, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac


class FlakyReceiver:
    def __init__(self, secret: str, failures: int) -> None:
        self.secret = secret.encode()
        self.failures = failures
        self.calls = 0
        self.accepted: list[str] = []
        self.bad_signatures = 0
        self.port = 0
        self.went_down = asyncio.Event()
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> None:
        """Listens (again) on its port; the first time on a free one."""
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            headers = {}
            for line in head.decode("latin-1").split("\r\n")[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            status = self._answer(headers, body)
            reason = {200: "OK", 401: "Unauthorized", 500: "Internal Server Error"}[status]
            answer = f"HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close"
            writer.write(f"{answer}\r\n\r\n".encode())
            await writer.drain()
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    def _answer(self, headers: dict[str, str], body: bytes) -> int:
        self.calls += 1
        expected = "sha256=" + hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("x-signature-256", ""), expected):
            self.bad_signatures += 1
            return 401
        if self.calls <= self.failures:
            if self.calls == self.failures:
                # Down from now on: later connections are refused until start() again.
                self.stop()
                self.went_down.set()
            return 500
        self.accepted.append(headers["x-webhook-id"])
        return 200
