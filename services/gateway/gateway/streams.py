"""Streaming calls: server streams rendered as NDJSON lines or, for downloads, as the bytes
themselves; and the outcome of a client stream the service ended early."""
from __future__ import annotations

import asyncio
import json

import grpc

from gateway import media, transcode
from gateway.problems import Problem
from gateway.routes import Route

NDJSON = b"application/x-ndjson"


class Lines:
    """Server streams as newline-delimited JSON: {"result": message} per line, {"heartbeat": {}}
    whenever the stream stays idle for an interval, {"error": problem} as the last line if the
    stream breaks. Headers go at once: a watch may wait long for its first message."""

    immediate = True
    content_type = NDJSON
    headers = [(b"x-accel-buffering", b"no")]     # proxies pass each line on at once
    heartbeat = b'{"heartbeat":{}}\n'

    def __init__(self, route: Route):
        self.route = route

    def body(self, reply) -> bytes:
        return _line({"result": transcode.to_dict(reply, self.route.response_body)})

    def finish(self) -> None:
        pass

    def broken(self, problem: Problem, request_id: str) -> bytes | None:
        return _line({"error": problem.body(request_id)})


class Bytes:
    """Downloads (media.Download) as the bytes themselves: headers from the first (metadata)
    message, then the chunks. A break after the start aborts the connection."""

    immediate = False

    def __init__(self, download: media.Download):
        self.download = download
        self.remaining: int | None = None    # bytes still due under Content-Length

    def head(self, reply) -> tuple[bytes, list, bytes]:
        if reply is grpc.aio.EOF:
            raise Problem(502, "Réponse du service vide", "DATA_LOSS", reason="UPSTREAM_PROTOCOL")
        first = reply.WhichOneof(self.download.metadata.containing_oneof.name) == self.download.metadata.name
        content_type, headers, self.remaining = media.download_headers(
            getattr(reply, self.download.metadata.name) if first else None)
        return content_type, headers, b"" if first else self.body(reply)

    def body(self, reply) -> bytes:
        data = getattr(reply, self.download.chunk.name)
        if self.remaining is not None:
            self.remaining -= len(data)
            if self.remaining < 0:
                raise Problem(502, "Le service envoie plus d'octets qu'annoncé", "DATA_LOSS",
                              reason="UPSTREAM_PROTOCOL")
        return data

    def finish(self) -> None:
        if self.remaining:
            raise Problem(502, "Le service envoie moins d'octets qu'annoncé", "DATA_LOSS",
                          reason="UPSTREAM_PROTOCOL")

    def broken(self, problem: Problem, request_id: str) -> bytes | None:
        return None


async def paced(call, interval: float):
    """The replies of the server-streaming `call`, and None whenever `interval` seconds pass
    without one. (The pending read is awaited, not cancelled: cancelling it cancels the call.)"""
    read = asyncio.ensure_future(call.read())
    try:
        while True:
            done, _ = await asyncio.wait((read,), timeout=interval)
            if not done:
                yield None
                continue
            reply = read.result()
            if reply is grpc.aio.EOF:
                return
            yield reply
            read = asyncio.ensure_future(call.read())
    finally:
        if not read.done():
            read.cancel()


# grpc.aio puts this status in place of the service's when a write fails as the call ends
# (grpc/grpc#36066, still open in 1.85): the service's refusal and its reason would be lost.
_LOCAL_WRITE_FAILURE = "Internal error from Core"


def ending(call) -> grpc.aio.AioRpcError | None:
    """The error a call ended with, read in its done callback (before a failed write overwrites it)."""
    try:
        if call.cancelled() or _settled(call.code()) == grpc.StatusCode.OK:
            return None
        return grpc.aio.AioRpcError(_settled(call.code()), _settled(call.initial_metadata()),
                                    _settled(call.trailing_metadata()), _settled(call.details()),
                                    _settled(call.debug_error_string()))
    except Exception:   # never fail inside grpc's callback; the call's own status is used then
        return None


def _settled(coroutine):
    """The value of an accessor of a finished call: it returns without suspending."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("the call has not finished")


async def outcome(call, ends: list):
    """The reply of a client-streaming call, or its error as the service sent it."""
    try:
        return await call
    except grpc.RpcError as exc:
        real = [e for e in (*ends, exc) if e is not None and e.details() != _LOCAL_WRITE_FAILURE]
        raise (real[0] if real else exc) from None


def _line(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
