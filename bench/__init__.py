"""`make bench`: the platform's speed, measured on this machine in one run.

One run starts the whole platform (devtools.platform.LocalPlatform) in a temporary folder,
seeds the demo people, then measures, one after the other and each for a bounded time
(warm-up excluded):

  (a) login through the gateway: start + read the code from the delivered mail + complete;
  (b) an authenticated read through the gateway: GET /v1/accounts/me;
  (c) the ceiling: a bare gRPC health check against one service of the platform;
  (d) a reference: the same health check against a plain grpcio server without the kit.

and prints requests/s, p50, p99, where the CPU went, and the ratios to (c).

Extending it: add a `Measurement` to `bench.plan.MEASUREMENTS` (a key, a title, and a function
that returns a `Result`); `bench.loadgen` runs closed-loop load with h2load (HTTP/1.1 and
gRPC over HTTP/2, one cheap C process) or with Python worker processes for flows that need
code between requests (like reading a mailbox); `bench.cpu` accounts CPU per process group.
"""
