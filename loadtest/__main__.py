"""`python -m loadtest`: provision the run's patients, run locust headless as a subprocess, judge the
thresholds. Exit 0 when every threshold of the profile holds, 1 when one does not (each named on
stderr), 2 when the run could not start. See loadtest/README.md."""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent
PROFILES = json.loads((KIT / "profiles.json").read_text())


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m loadtest", description=__doc__)
    parser.add_argument("--local", type=Path, metavar="VAR_DIR",
                        help="a platform of this machine by its data folder (make run: var): its gateway, identity, "
                             "signing key and mail folder, instead of the four options below")
    parser.add_argument("--host", help="the gateway's base URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("--identity", help="identity's gRPC host:port (operator RPCs that provision)")
    parser.add_argument("--signing-key", type=Path,
                        help="the platform's token signing key (PEM): short operator tokens to provision")
    mail = parser.add_mutually_exclusive_group()
    mail.add_argument("--mail-dir", type=Path, help="the folder of the platform's SMTP sink (make run: var/mail)")
    mail.add_argument("--smtp-port", type=int,
                      help="be the platform's SMTP server on this port (its mail lands in WORK_DIR/mail)")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="smoke")
    parser.add_argument("--users", type=int, help="concurrent patients (default: the profile's)")
    parser.add_argument("--spawn-rate", type=float, help="users started per second (default: the profile's)")
    parser.add_argument("--duration", help="run time, e.g. 60s, 10m (default: the profile's)")
    parser.add_argument("--thresholds", type=Path,
                        help="a JSON file of thresholds replacing the profile's (same shape as in profiles.json)")
    parser.add_argument("--work-dir", type=Path, default=Path("build/loadtest"),
                        help="users.json, journal.jsonl, summary.json (and mail/ with --smtp-port)")
    parser.add_argument("--token-issuer", default=os.environ.get("TOKEN_ISSUER", "mes-identity"))
    parser.add_argument("--token-audience", default=os.environ.get("TOKEN_AUDIENCE", "mes-api"))
    args = parser.parse_args(argv)
    if args.local:
        ports = args.local / "ports"
        args.host = args.host or f"http://127.0.0.1:{(ports / 'gateway.port').read_text().strip()}"
        args.identity = args.identity or f"127.0.0.1:{(ports / 'identity.port').read_text().strip()}"
        args.signing_key = args.signing_key or args.local / "keys" / "signing-key.pem"
        if args.smtp_port is None:
            args.mail_dir = args.mail_dir or args.local / "mail"
    missing = [name for name in ("host", "identity", "signing_key") if not getattr(args, name)]
    if missing or (args.mail_dir is None and args.smtp_port is None):
        parser.error(f"give --local, or {', '.join('--' + m.replace('_', '-') for m in missing) or ''} "
                     "and --mail-dir or --smtp-port")
    # locust runs in the work folder: the paths it is given must not depend on where we are
    args.work_dir = args.work_dir.resolve()
    args.mail_dir = args.mail_dir.resolve() if args.mail_dir else None
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    profile = {**PROFILES[args.profile]}
    profile.update({k: v for k, v in (("users", args.users), ("spawn_rate", args.spawn_rate),
                                      ("duration", args.duration)) if v is not None})
    if args.thresholds:
        profile["thresholds"] = json.loads(args.thresholds.read_text())
    args.work_dir.mkdir(parents=True, exist_ok=True)
    journal, summary = args.work_dir / "journal.jsonl", args.work_dir / "summary.json"
    for stale in (journal, summary):
        stale.unlink(missing_ok=True)
    sink = None
    if args.smtp_port is not None:
        from devtools.smtp_sink import SmtpSink
        sink = SmtpSink(args.work_dir / "mail", port=args.smtp_port, host="0.0.0.0")
        sink.start()
    try:
        users_file = args.work_dir / "users.json"
        if not provision(args, profile["users"], users_file):
            return 2
        env = {**os.environ, "LOADTEST_PROFILE": json.dumps(profile), "LOADTEST_USERS_FILE": str(users_file),
               "LOADTEST_MAIL_DIR": str(args.mail_dir or args.work_dir / "mail"),
               "LOADTEST_JOURNAL": str(journal), "LOADTEST_SUMMARY": str(summary)}
        command = [sys.executable, "-m", "locust", "-f", str(KIT / "locustfile.py"), "--headless", "--only-summary",
                   "--users", str(profile["users"]), "--spawn-rate", str(profile["spawn_rate"]),
                   "--run-time", profile["duration"], "--stop-timeout", "10", "--host", args.host,
                   "--loglevel", "WARNING"]
        print(f"loadtest: profile {args.profile}, {profile['users']} users for {profile['duration']} "
              f"against {args.host}", flush=True)
        locust = subprocess.Popen(command, env=env, cwd=args.work_dir)
        # Stopped early (SIGTERM, e.g. by the fault runner): locust stops its users and reports.
        signal.signal(signal.SIGTERM, lambda *_: locust.terminate())
        code = locust.wait()
    finally:
        if sink is not None:
            sink.stop()
    if summary.exists():
        print(report(json.loads(summary.read_text())), flush=True)
    print(f"loadtest: {'passed' if code == 0 else 'FAILED'} (journal {journal})", flush=True)
    return code


def provision(args: argparse.Namespace, count: int, users_file: Path) -> bool:
    from loadtest.people import save
    from loadtest.provision import Provisioner
    began = time.monotonic()
    provisioner = Provisioner(args.identity, args.host, args.signing_key, args.token_issuer, args.token_audience)
    try:
        save(provisioner.patients(count), users_file)
        (users_file.parent / "gp.json").write_text(json.dumps(provisioner.gp))
    except Exception as error:      # the platform is not there or refuses: say so, no traceback to read
        print(f"loadtest: provisioning {count} patients failed: {error!r}", file=sys.stderr)
        return False
    finally:
        provisioner.close()
    print(f"loadtest: {count} patients provisioned in {time.monotonic() - began:.1f} s", flush=True)
    return True


def report(summary: dict) -> str:
    lines = [f"{'operation':<20} {'requests':>8} {'errors':>6} {'p95 ms':>8} {'p99 ms':>8}"]
    lines += [f"{op:<20} {o['requests']:>8} {o['failures']:>6} {o['p95_ms']:>8.0f} {o['p99_ms']:>8.0f}"
              for op, o in summary["ops"].items()]
    lines.append(f"total {summary['requests']} requests, {summary['failures']} errors, {summary['rps']} req/s; "
                 f"throttled (429): {sum(summary['throttled'].values())}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
