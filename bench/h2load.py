"""h2load (Debian's nghttp2-client): one C process that drives HTTP/1.1 or HTTP/2 (so gRPC)
with keep-alive connections, and writes every request's latency to a log file.

It is not on a fresh machine: `ensure()` installs it with apt-get when run as root (as on the
project's machines), else the caller falls back to the Python generator."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.stats import Summary, summarize

PACKAGE = "nghttp2-client"


def find() -> str | None:
    return shutil.which("h2load")


def version(binary: str) -> str:
    result = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10)
    return result.stdout.strip() or result.stderr.strip()


def ensure(install: bool, say=print) -> str | None:
    """The h2load binary, installed with apt-get if missing and allowed; None if not to be had."""
    binary = find()
    if binary or not install:
        return binary
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        say(f"h2load not found and cannot install {PACKAGE} (needs root and apt-get)")
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", PACKAGE]
    for attempt in ("install", "update then install"):
        say(f"installing {PACKAGE} (h2load) with apt-get ({attempt})...")
        try:
            if attempt != "install":
                subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, timeout=300)
            result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            continue
        if result.returncode == 0 and find():
            return find()
    say(f"could not install {PACKAGE}: falling back to the Python generator")
    return None


@dataclass(frozen=True)
class Target:
    url: str                                  # http://127.0.0.1:PORT/path
    http1: bool = True                        # False: HTTP/2 cleartext (gRPC)
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None                 # POSTed when set
    body_bytes_per_response: int | None = None  # checked against the data h2load received


def grpc_unary(address: str, method: str, request: bytes) -> Target:
    """A unary gRPC call as h2load sends it: one length-prefixed message, HTTP/2, trailers."""
    framed = b"\x00" + len(request).to_bytes(4, "big") + request
    return Target(url=f"http://{address}/{method.lstrip('/')}", http1=False, body=framed,
                  headers=(("content-type", "application/grpc"), ("te", "trailers")))


def command(binary: str, target: Target, *, concurrency: int, warmup: float, duration: float,
            workdir: Path, rps: float | None = None) -> tuple[list[str], Path]:
    """`rps`: each connection sends at most this many requests per second (open loop, h2load --rps)."""
    log = workdir / "h2load-requests.tsv"
    log.unlink(missing_ok=True)            # h2load appends to it: a second run would count the first's too
    argv = [binary, "--clients", str(concurrency), "--max-concurrent-streams", "1", "--threads", "1",
            "--duration", f"{duration:g}", "--warm-up-time", f"{warmup:g}", "--log-file", str(log)]
    if rps:
        argv += ["--rps", f"{rps:.3f}"]
    if target.http1:
        argv.append("--h1")
    if target.body is not None:
        data = workdir / "h2load-body.bin"
        data.write_bytes(target.body)
        argv += ["--data", str(data)]
    for name, value in target.headers:
        argv += ["--header", f"{name}: {value}"]
    argv.append(target.url)
    return argv, log


def start(binary: str, target: Target, *, concurrency: int, warmup: float, duration: float,
          workdir: Path, rps: float | None = None) -> tuple[subprocess.Popen, Path]:
    argv, log = command(binary, target, concurrency=concurrency, warmup=warmup, duration=duration,
                        workdir=workdir, rps=rps)
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return process, log


_NUMBERS = {
    "requests": re.compile(r"^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                           r"(\d+) failed, (\d+) errored, (\d+) timeout", re.M),
    "status": re.compile(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", re.M),
    "data": re.compile(r"^traffic: .*?\((\d+)\) data", re.M),
}


def parse(output: str, log: Path, target: Target, duration: float) -> Summary:
    """Latencies from the per-request log (main phase only: h2load leaves out the warm-up);
    errors: failed (non-2xx or reset) and timed-out requests, and missing gRPC messages."""
    found = {key: pattern.search(output) for key, pattern in _NUMBERS.items()}
    if not found["requests"]:
        raise RuntimeError(f"h2load said nothing usable:\n{output[-2000:]}")
    failed, timeout = int(found["requests"].group(5)), int(found["requests"].group(7))
    latencies, bad_status = [], 0
    for line in log.read_text().splitlines():
        parts = line.split("\t")
        if len(parts) < 3 or parts[1] == "0":     # status 0: in flight when the window closed, not an answer
            continue
        if parts[1].startswith("2"):
            latencies.append(int(parts[2]) / 1e6)
        else:
            bad_status += 1
    errors = max(failed, bad_status) + timeout      # `failed` already counts non-2xx answers
    if target.body_bytes_per_response and found["data"]:
        # A gRPC error is a 200 with no message: count the answers that carried none.
        with_message = int(found["data"].group(1)) // target.body_bytes_per_response
        errors += max(0, len(latencies) - with_message)
    return summarize(latencies, duration, errors)


def run_to_end(process: subprocess.Popen, log: Path, target: Target, duration: float,
               timeout: float) -> Summary:
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        raise RuntimeError(f"h2load did not stop by itself within {timeout:.0f}s") from None
    if process.returncode != 0:
        print(output[-2000:], file=sys.stderr)
        raise RuntimeError(f"h2load exited with {process.returncode}")
    return parse(output, log, target, duration)
