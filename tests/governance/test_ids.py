"""Governance ids: time-ordered UUIDs, drawn as ``<prefix>_<ULID>`` and read back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.ids import GUARDIAN, MCP_SESSION, PREFIXES, new_id, parse_id, render_id

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
KNOWN = uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057")


def test_known_id_renders_as_its_ulid_and_reads_back():
    assert render_id(GUARDIAN, KNOWN) == "gov_01H455VB4PEX5VSKNK084SN02Q"
    assert parse_id(GUARDIAN, "gov_01H455VB4PEX5VSKNK084SN02Q") == KNOWN
    # Crockford base32 is case-insensitive; the plain UUID is accepted too.
    assert parse_id(GUARDIAN, "gov_01h455vb4pex5vsknk084sn02q") == KNOWN
    assert parse_id(GUARDIAN, str(KNOWN)) == KNOWN
    assert parse_id(GUARDIAN, str(KNOWN).upper()) == KNOWN


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_prefix_round_trips(prefix):
    value = new_id(T0)
    text = render_id(prefix, value)
    assert text.startswith(f"{prefix}_") and len(text) == len(prefix) + 27
    assert parse_id(prefix, text) == value


def test_new_id_is_a_version_7_uuid_holding_the_time():
    value = new_id(T0)
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert value.int >> 80 == int(T0.timestamp() * 1000)
    assert new_id(T0) != new_id(T0)


def test_ids_and_their_renderings_sort_by_creation_time():
    times = [T0 + timedelta(milliseconds=n) for n in (0, 1, 2, 1000, 86_400_000)]
    ids = [new_id(t) for t in reversed(times)]
    assert sorted(ids) == list(reversed(ids))
    rendered = [render_id(MCP_SESSION, i) for i in ids]
    assert sorted(rendered) == list(reversed(rendered))


@pytest.mark.parametrize(
    "text",
    [
        "mcs_01H455VB4PEX5VSKNK084SN02Q",  # another kind's prefix
        "GOV_01H455VB4PEX5VSKNK084SN02Q",  # prefixes are lower case
        "01H455VB4PEX5VSKNK084SN02Q",  # a ULID without its prefix
        "gov_01H455VB4PEX5VSKNK084SN02",  # 25 characters
        "gov_01H455VB4PEX5VSKNK084SN02QQ",  # 27 characters
        "gov_01H455VB4PEX5VSKNK084SN0IL",  # I and L are not in the alphabet
        "gov_01H455VB4PEX5VSKNK084SN0UO",  # nor U and O
        "gov_81H457BB4PEX5VSKNK084SN02Q",  # more than 128 bits
        "gov-01H455VB4PEX5VSKNK084SN02Q",
        "gov_01H455VB4PEX5VSKNK0\x0084SN02Q",
        "gov_01H455VB4PEX5VSKNK0\ud80084SN02Q",
        "gov_\uff101H455VB4PEX5VSKNK084SN02Q",  # a fullwidth digit
        "01890a5dac96774bbcceb302099a8057",  # a UUID without hyphens
        "{01890a5d-ac96-774b-bcce-b302099a8057}",
        "urn:uuid:01890a5d-ac96-774b-bcce-b302099a8057",
        "01890a5d-ac96-774b-bcce-b302099a8057\n",
        "",
        "gov_",
        "gov_" + "0" * 100_000,
    ],
)
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError):
        parse_id(GUARDIAN, text)


def test_unknown_prefix_cannot_be_rendered():
    with pytest.raises(ValueError):
        render_id("usr", KNOWN)


@given(st.uuids(), st.sampled_from(PREFIXES))
def test_any_uuid_round_trips(value, prefix):
    assert parse_id(prefix, render_id(prefix, value)) == value
    assert parse_id(prefix, str(value)) == value


@given(st.text(max_size=40))
def test_arbitrary_text_is_an_id_or_a_value_error(text):
    try:
        value = parse_id(GUARDIAN, text)
    except ValueError:
        return
    assert text.lower() in {str(value), render_id(GUARDIAN, value).lower()}
