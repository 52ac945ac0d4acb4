# The Rasa server's image: the trained model built in, started by scripts/server.sh (the launcher that applies the speed fixes, channels/serve.py), serving the widget at /widget.js; what `make cluster` runs, in a container.
# Build from the repository's root:  docker build -f deploy/docker/rasa.Dockerfile -t cers-rasa .
# make deploy-check lints this file (hadolint) and checks that its command is the cluster's.
ARG PYTHON_IMAGE=python:3.10.22-slim-bookworm
ARG NODE_IMAGE=node:20.18.1-bookworm-slim

# The widget's socket.io client and the dashboard's Chart.js (web/node_modules), as `make setup` installs them.
FROM ${NODE_IMAGE} AS widget
WORKDIR /app/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# The virtualenv, the spaCy pipeline and the model, by the Makefile's own recipes (those of `make train`).
FROM ${PYTHON_IMAGE} AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends make=4.3-4.1 \
    && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore
WORKDIR /app
# The packages first: a change of code or training data does not reinstall them.
COPY Makefile requirements.lock requirements-nodeps.lock ./
RUN make .venv/.installed PYTHON=python3.10
COPY . .
RUN make models/cers.tar.gz PYTHON=python3.10 \
    && rm -rf .rasa .venv/.installed \
    && mkdir -p var

FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 cers \
    && useradd --system --uid 10001 --gid cers --home-dir /app --no-create-home cers
WORKDIR /app
COPY --from=build /app /app
COPY --from=widget /app/web/node_modules /app/web/node_modules
RUN chown cers:cers /app/var
ENV RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore PYTHONUNBUFFERED=1 \
    HOME=/tmp MODEL=/app/models/cers.tar.gz RASA_ENDPOINTS=endpoints.cluster.yml
USER 10001
EXPOSE 5005
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s \
    CMD ["/app/.venv/bin/python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5005/', timeout=4)"]
ENTRYPOINT ["/app/scripts/server.sh"]
CMD ["rasa", "--port", "5005"]
