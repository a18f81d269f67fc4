# syntax=docker/dockerfile:1
# One image for every service: `python -m <service>` serves, `python -m <service> migrate` migrates
# (the chart sets the command). Build from the repository root: docker build -t mes:TAG .
#
# checkov:skip=CKV_DOCKER_2:no HEALTHCHECK, Kubernetes ignores it; the chart sets gRPC and HTTP probes per service

# The base is pinned to an exact Python patch release and Debian release. Add its digest when you
# build a release (python:3.11.7-slim-bookworm@sha256:...): a digest cannot be looked up from the
# machines this file is written on, and a wrong one is worse than none.
FROM python:3.11.7-slim-bookworm AS base

# ---- build: generated code from protos/ (needs grpcio-tools, which the final image must not carry)
FROM base AS generate
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY requirements.txt requirements-dev.txt ./
# Only the generator and what it imports, at the versions the requirements pin.
RUN python -m venv /opt/tools \
 && grep -hE '^(protobuf|googleapis-common-protos|grpcio|grpcio-tools|mypy-protobuf)==' requirements.txt requirements-dev.txt \
    | xargs /opt/tools/bin/pip install
COPY protos/ protos/
COPY scripts/gen-protos.sh scripts/
RUN PYTHON=/opt/tools/bin/python scripts/gen-protos.sh

# ---- build: the portal's GOV.UK Frontend files (the npm registry's tarball, checked against its pinned sha512)
FROM base AS portal-assets
WORKDIR /src
COPY scripts/get-govuk-frontend.py scripts/
RUN python scripts/get-govuk-frontend.py /src/build/portal-assets

# ---- build: the runtime virtualenv, runtime requirements only, byte-compiled
FROM base AS runtime-deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
COPY requirements.txt /tmp/requirements.txt
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install -r /tmp/requirements.txt \
 && /opt/venv/bin/pip uninstall --yes pip setuptools wheel

# ---- final: runtime deps + lib/ + generated code + the portal's assets + services/, nothing else
FROM base
ARG UID=10001
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp
# No package installer at run time: the app venv has none, and the base's own pip goes too.
RUN groupadd --system --gid "${UID}" mes \
 && useradd --system --uid "${UID}" --gid mes --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin mes \
 && rm -rf /usr/local/bin/pip* /usr/local/lib/python3.11/site-packages/pip* /root/.cache /var/lib/apt/lists/*
COPY --from=runtime-deps /opt/venv /opt/venv
COPY --from=generate /src/build/gen /app/gen
COPY --from=portal-assets /src/build/portal-assets /app/build/portal-assets
COPY lib/ /app/lib/
COPY services/ /app/services/
# The import path: the kit, the generated code and every folder of services/, one line each in a
# .pth file of the venv. Then byte-compile at build time: the root filesystem is read-only at run time.
RUN printf '%s\n' /app/lib /app/gen /app/services/*/ \
      > "$(python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/mes.pth" \
 && python -m compileall -q /app
WORKDIR /app
USER ${UID}:${UID}
EXPOSE 50051 8080 9090
# The chart sets the command per service; this default serves identity.
CMD ["python", "-m", "identity"]
