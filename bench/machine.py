"""Facts about the machine and the software that the numbers depend on."""
from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

import psutil


def _cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def facts() -> list[tuple[str, str]]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = psutil.virtual_memory().total / 2**30
    frequency = psutil.cpu_freq()
    model = _cpu_model() + (f" @ {frequency.max or frequency.current:.0f} MHz" if frequency else "")
    packages = ", ".join(f"{name} {_version(name)}" for name in
                         ("grpcio", "protobuf", "uvicorn", "starlette", "sqlalchemy", "psycopg", "argon2-cffi"))
    return [
        ("cores", f"{os.cpu_count()} logical, {usable} usable by this process"),
        ("cpu", model),
        ("memory", f"{memory:.1f} GiB"),
        ("load average", " ".join(f"{x:.2f}" for x in os.getloadavg())),
        ("os", f"{platform.system()} {platform.release()} ({platform.machine()})"),
        ("python", f"{platform.python_implementation()} {sys.version.split()[0]}"),
        ("packages", packages),
    ]
