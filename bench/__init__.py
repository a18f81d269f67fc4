"""`make bench`: the platform's speed, measured on this machine in one run.

One run starts the whole platform (devtools.platform.LocalPlatform) in a temporary folder,
seeds the demo people, then measures, one after the other and each for a bounded time
(warm-up excluded):

  (a) login through the gateway: start + read the code from the delivered mail + complete;
  (b) an authenticated read through the gateway: GET /v1/accounts/me;
  (c) the ceiling: a bare gRPC health check against one service of the platform;
  (d) a reference: the same health check against a plain grpcio server without the kit;
  (e), (f) campaign email from one notifications worker into a local SMTP server, at 10,000 and
      100,000 recipients (bench/notifications_email.py; their ratio shows whether the cost of a
      mail grows linearly);
  (g) the demo patient's document list through the gateway (20 documents, each listing audited
      synchronously), against (c);
  (h) a 1 MB JPEG uploaded through the gateway, against (i) a raw minio put_object of the same
      bytes to the same S3 endpoint (the platform runs with its moto S3 server);
  (j), (k) audit AppendRecord and AppendRecords (batches), against (l), (m) raw one-row and
      batched INSERTs into a throwaway database of the same PostgreSQL
      (bench/documents_audit.py; shorter timing: --io-warmup, --io-duration);
  (n) the bare pipeline, what Python does here for one read: Starlette on uvicorn -> a synchronous
      gRPC server -> one prepared primary-key SELECT through psycopg, no authentication, audit or
      logging, driven like (b) (bench/bare.py); every read is reported against it and against (c);
  (o) the demo GP reads one document's metadata through the gateway (audited before the answer);
  (p) the list of (g) for a patient with 2,000 documents, the first page of as many; (q) a 5 MB
      download, with the documents process's peak memory (bench/document_reads.py; short timing);
  (r) the messaging through the gateway: the demo GP starts a conversation with the demo patient
      and she reads its message, against (c) (bench/messaging.py; the shorter timing too);
  (s) the calendar through the gateway: the demo patient lists her appointments (ten seeded),
      against (c) (bench/agenda.py; the shorter timing too).

and prints requests/s, p50, p99, where the CPU went, and the ratios to the baselines.

The measurements the targets' ratios use run `--repeat` times (default 3) back to back; the report
shows the median run, then the targets of issue 17 (bench/targets.py) and whether each is met.

Extending it: add a `Measurement` to `bench.plan.MEASUREMENTS` (a key, a function that returns
a `Result`, and `short=True` for the shorter timing); `bench.loadgen` runs closed-loop load with h2load (HTTP/1.1 and
gRPC over HTTP/2, one cheap C process) or with Python worker processes for flows that need
code between requests (like reading a mailbox); `bench.cpu` accounts CPU per process group.
"""
