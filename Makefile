# The two commands of the README: `make run` and `make test`. Everything else is a step of theirs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SERVICE_PATHS := $(subst $(eval) ,:,$(wildcard services/*))
export PYTHONPATH := lib:build/gen:.:$(SERVICE_PATHS)

.PHONY: run test test-unit test-integration test-e2e test-browser test-helm bench capacity gen venv clean browser loadtest faults

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

build/gen/.stamp: $(VENV)/.installed $(shell find protos -name '*.proto') scripts/gen-protos.sh
	PYTHON=$(PY) scripts/gen-protos.sh
	touch $@

# The portal's look: GOV.UK Frontend from the npm registry, checked against its pinned sha512.
build/portal-assets/.pin: scripts/get-govuk-frontend.py
	$(PYTHON) scripts/get-govuk-frontend.py build/portal-assets
	touch $@

gen: build/gen/.stamp build/portal-assets/.pin

# The browser tests drive Debian's Chromium (Playwright's own browser download cannot work here).
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium; }

run: gen
	$(PY) -m devtools.run

# Two workers (pytest-xdist): most tests wait on servers and jobs. tests/conftest.py groups the tests
# (its worker_group) and puts the whole platform's first, the longest group: that order is kept.
PARALLEL := -n 2 --dist loadscope --no-loadscope-reorder

test: gen browser
	$(PY) -m pytest $(PARALLEL) tests/unit tests/integration tests/e2e tests/browser tests/helm

test-unit: gen
	$(PY) -m pytest tests/unit

test-integration: gen
	$(PY) -m pytest tests/integration

test-e2e: gen
	$(PY) -m pytest tests/e2e

test-browser: gen browser
	$(PY) -m pytest tests/browser

test-helm: gen
	$(PY) -m pytest tests/helm

# The API reference docs/api/ from the protos' comments (tests/unit/protos fails when it is stale).
api-docs: $(VENV)/.installed
	$(PY) scripts/gen-api-docs.py

# The last released contract, which `buf breaking` checks every change against: refresh at a release.
protos-release: $(VENV)/.installed
	buf=$$(PYTHON=$(PY) scripts/get-buf.sh) && $$buf build protos --exclude-source-info -o protos/release/mes-v1.binpb

.PHONY: api-docs protos-release

bench: gen
	$(PY) -m bench

# The load kit (loadtest/README.md) against `make run` (another terminal): `make loadtest
# LOADTEST_PROFILE=full`; LOADTEST_ARGS adds options (--users 50 --duration 5m, --thresholds FILE).
LOADTEST_PROFILE ?= full
loadtest: gen
	$(PY) -m loadtest --local var --profile $(LOADTEST_PROFILE) $(LOADTEST_ARGS)

# The load kit under faults (loadtest/README.md, "Faults"): a platform of its own in build/faults/var,
# each process killed (SIGKILL) and started again in turn, PostgreSQL stopped and started once, then
# the reconciliation of the journal and its table (build/faults/report.txt). FAULTS_ARGS: --users 10,
# --faults documents,audit.
faults: gen
	$(PY) -m loadtest.faults $(FAULTS_ARGS)

# Cores, replicas, PostgreSQL writes and storage for the national load, from the last bench run
# (docs/capacity.md): `make capacity BENCH_JSON=other.json`.
BENCH_JSON ?= build/bench/last.json
capacity: $(VENV)/.installed
	$(PY) scripts/capacity.py $(BENCH_JSON)

clean:
	rm -rf build .pytest_cache
