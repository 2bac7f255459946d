"""Sending a call, and reading what came back: its data, its error codes, what it leaks."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from gateway.errors import STATUS_BY_CODE, GatewayError
from tests.walk.surfaces import Call, Slot, fill


@dataclass
class Answer:
    call: Call
    status: int
    text: str
    body: Any  # the parsed JSON, or None (a CSV export)

    @property
    def graphql(self) -> bool:
        return self.call.route is None

    def codes(self) -> list[str]:
        """GraphQL: the errors' codes. REST: every text in an error body (the family's
        envelope puts its code somewhere in there)."""
        if self.graphql:
            return [(e.get("extensions") or {}).get("code") for e in self.body.get("errors", [])]
        return sorted(_texts(self.body)) if self.status >= 400 else []

    def data(self) -> Any:
        """What the call answered with: the root field's value, or a REST success body."""
        if self.graphql:
            return (self.body.get("data") or {}).get(self.call.root or "")
        return self.body if self.status < 400 else None

    def describe(self) -> str:
        return f"{self.call.label}: {self.status} {self.text[:400]}"


async def send(
    client: httpx.AsyncClient,
    call: Call,
    headers: dict[str, str],
    ids: Callable[[Slot], str],
) -> Answer:
    values = fill(call.template, ids)
    if call.route is None:
        response = await client.post(
            "/graphql", json={"query": call.document, "variables": values}, headers=headers
        )
    else:
        path = call.route.path
        for name, value in values["path"].items():
            path = path.replace(f"{{{name}}}", quote(str(value), safe=""))
        response = await client.request(
            call.route.method,
            path,
            params=values["query"],
            json=values["body"] if call.route.method != "GET" else None,
            headers=headers,
        )
    try:
        body = response.json()
    except ValueError:
        body = None
    return Answer(call, response.status_code, response.text, body)


def leaks(answer: Answer, secrets: set[str]) -> list[str]:
    """Another organisation's ids, names, titles, emails or usernames in the answer."""
    return sorted(s for s in secrets if s in answer.text)


def refused_with(answer: Answer, code: str) -> str | None:
    """Why the answer is not a refusal with ``code`` and no data; None if it is."""
    if answer.graphql:
        errors = answer.body.get("errors") or []
        if not errors or answer.codes()[0] != code:
            return f"expected {code}, got {answer.describe()}"
        for error in errors:
            if _at(answer.body.get("data"), error.get("path") or []) is not None:
                return f"refused with {code} but answered data: {answer.describe()}"
        return None
    if answer.call.route is None:  # pragma: no cover - narrowing for the type checker
        return None
    rendered = answer.call.route.family.envelope(GatewayError(code, ""))
    if answer.status != STATUS_BY_CODE[code] or not set(_texts(rendered)) - {""} <= set(
        answer.codes()
    ):
        return f"expected {code} in the {answer.call.route.family.name} envelope, got " + (
            answer.describe()
        )
    return None


def answered(answer: Answer) -> str | None:
    """Why the answer is not a success with data; None if it is."""
    if answer.graphql:
        if answer.body.get("errors") or answer.data() is None:
            return f"expected data, got {answer.describe()}"
        return None
    assert answer.call.route is not None
    if answer.status != answer.call.route.status:
        return f"expected {answer.call.route.status}, got {answer.describe()}"
    return None


def _at(data: Any, path: list[Any]) -> Any:
    for step in path:
        if data is None:
            return None
        data = data[step] if isinstance(data, list) else data.get(step)
    return data


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def dumps(value: Any) -> str:
    return json.dumps(value, default=str)
