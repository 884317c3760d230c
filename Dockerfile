# Bình Yên: one image for `binhyen serve` and `binhyen worker`, installed from uv.lock.
# compose.yaml runs it (docs/OPERATIONS.md); the base image is pinned to a patch release.
FROM python:3.11.11-slim-bookworm

# The uv release the lock names (tests/unit/test_packaging.py keeps the two equal).
ARG UV_VERSION=0.13.9
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_NO_CACHE=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/binhyen \
    PATH=/opt/binhyen/bin:$PATH

WORKDIR /app
RUN pip install "uv==${UV_VERSION}"
# The locked dependencies first (a layer that changes only with the lock), then the service.
COPY pyproject.toml uv.lock README.md ./
# --locked: a lock that no longer matches pyproject.toml stops the build.
RUN uv sync --locked --no-install-project
COPY bot ./bot
COPY handlers ./handlers
COPY content ./content
COPY storage ./storage
COPY admin ./admin
# The two folders the service writes, made and handed to the service's user here, before
# VOLUME: a named volume mounted on /app/media starts as a copy of the image's folder, owner
# included, so the non-root user can write it (a bind mount keeps the host folder's owner:
# chown it to 10001 there). Anything a step put in /app/media after VOLUME would be dropped.
RUN uv sync --locked --no-editable \
    && useradd --system --uid 10001 binhyen \
    && mkdir -p /app/media /run/binhyen-metrics \
    && chown binhyen:binhyen /app/media /run/binhyen-metrics
# Every `binhyen serve` and `binhyen worker` of one container (one PID namespace) writes its
# counts here and /metrics adds them up (bot/metrics.py); never share it across namespaces.
ENV BINHYEN_METRICS_DIR=/run/binhyen-metrics
USER binhyen
# Tip attachments (BINHYEN_MEDIA_DIR, ./media): keep them on a volume, or in object storage.
VOLUME /app/media

EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"
# Migrations first, then the service.
CMD ["sh", "-c", "binhyen migrate && exec binhyen serve --host 0.0.0.0 --port 8080"]
