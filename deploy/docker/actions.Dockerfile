# The action server's image (it also runs the reminder job, scripts/remind.py): only the packages the action server imports (deploy/docker/actions-requirements.txt, at requirements.lock's versions, and aiohttp lifted as requirements-nodeps.lock says), started by scripts/server.sh as `make cluster` starts it.
# Build from the repository's root:  docker build -f deploy/docker/actions.Dockerfile -t cers-actions .
# make deploy-check lints this file (hadolint), checks that its command is the cluster's, and that
# actions/ and cers/ import with only those packages.
ARG PYTHON_IMAGE=python:3.10.22-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements.lock requirements-nodeps.lock deploy/docker/actions-requirements.txt ./
RUN python3.10 -m venv .venv \
    && .venv/bin/pip install --quiet --disable-pip-version-check pip==24.0 \
    && .venv/bin/pip install --quiet --disable-pip-version-check -c requirements.lock -r actions-requirements.txt \
    && grep -E '^(aiohttp|aiohappyeyeballs)==' requirements-nodeps.lock > aiohttp.lock \
    && .venv/bin/pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r aiohttp.lock

FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 cers \
    && useradd --system --uid 10001 --gid cers --home-dir /app --no-create-home cers
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY actions /app/actions
COPY cers /app/cers
COPY migrations /app/migrations
COPY scripts/server.sh scripts/remind.py /app/scripts/
COPY alembic.ini office.yml /app/
ENV PYTHONWARNINGS=ignore PYTHONUNBUFFERED=1 HOME=/tmp ACTION_SERVER_HOST=0.0.0.0
USER 10001
EXPOSE 5055
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s \
    CMD ["/app/.venv/bin/python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5055/health', timeout=4)"]
ENTRYPOINT ["/app/scripts/server.sh"]
CMD ["actions", "--port", "5055"]
