# Bình Yên: one image for `binhyen serve` and `binhyen worker`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY content ./content
COPY storage ./storage
COPY admin ./admin
RUN pip install . && useradd --system --uid 10001 binhyen
USER binhyen

EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"
# Migrations first, then the service.
CMD ["sh", "-c", "binhyen migrate && exec binhyen serve --host 0.0.0.0 --port 8080"]
