"""The host-worker framing: round trips, deadlines, closed channels."""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from execbench.sandbox.protocol import (
    ChannelClosed,
    ChannelTimeout,
    decode_records,
    dumps_request_frame,
    encode_records,
    loads_request_frame,
    read_frame,
    write_all,
)
from execbench.sandbox.types import ExecRequest, Limits

json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
headers = st.dictionaries(st.text(max_size=10), json_scalars, max_size=5)
payloads = st.none() | st.binary(max_size=200)


@given(st.lists(st.tuples(headers, payloads), max_size=8))
def test_records_round_trip(records: list[tuple[dict[str, object], bytes | None]]) -> None:
    frame = encode_records(records)
    assert decode_records(frame[4:]) == records


def test_request_frame_round_trip_through_a_pipe() -> None:
    r, w = os.pipe()
    try:
        batch = [(0, ExecRequest("print(1)", limits=Limits(timeout=1.5), id="a"))]
        write_all(w, dumps_request_frame(batch))
        assert loads_request_frame(read_frame(r, time.monotonic() + 5)) == batch
    finally:
        os.close(r)
        os.close(w)


def test_read_frame_deadline_and_eof() -> None:
    r, w = os.pipe()
    try:
        with pytest.raises(ChannelTimeout):
            read_frame(r, time.monotonic() + 0.05)
        os.write(w, b"\x05\x00\x00\x00ab")  # a truncated frame, then EOF
        os.close(w)
        w = -1
        with pytest.raises(ChannelClosed):
            read_frame(r, time.monotonic() + 5)
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)
