"""(r), the messaging measurement: what it sends, how it reads back, how it is registered and
ratioed (nothing here is timed)."""
from __future__ import annotations

import json

import pytest
from google.protobuf import json_format
from mes.messaging.v1 import messaging_pb2 as pb

from bench.payloads import MESSAGE_BODY, conversation_body, read_back
from bench.plan import MEASUREMENTS, RATIOS


def test_the_conversation_body_is_a_create_conversation_request_within_the_limits():
    request = json_format.Parse(conversation_body("k-1"), pb.CreateConversationRequest())
    assert request.subject and len(request.subject) <= 200
    assert request.body == MESSAGE_BODY and len(request.body) <= 20_000
    assert request.client_message_id == "k-1" and not request.attachments
    assert "é" in conversation_body("k-1").decode()          # French, as the gateway takes UTF-8 JSON


def test_reading_back_wants_the_one_message_of_the_conversation():
    message = {"messageId": "m-1", "conversationId": "c-1", "body": MESSAGE_BODY}
    assert read_back({"messages": [message]}, "c-1") == "m-1"
    for wrong in ({"messages": []}, {"messages": [message, message]},
                  {"messages": [{**message, "conversationId": "c-2"}]}, {"messages": [{**message, "body": "?"}]}):
        with pytest.raises(RuntimeError):
            read_back(json.loads(json.dumps(wrong)), "c-1")


def test_it_is_measured_with_the_short_timing_and_ratioed_to_the_ceiling_and_the_bare_pipeline():
    [measurement] = [m for m in MEASUREMENTS if m.key == "r"]
    assert measurement.short
    assert {("r", "c"), ("r", "n")} <= {(top, bottom) for top, bottom, _ in RATIOS}
    assert len({m.key for m in MEASUREMENTS}) == len(MEASUREMENTS)
    assert {k for pair in RATIOS for k in pair[:2]} <= {m.key for m in MEASUREMENTS}
