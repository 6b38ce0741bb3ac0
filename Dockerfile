# orgchange, served by `orgchange serve` (docs/operations.md#install).
#
# Layers, least often changed first: the system packages (Graphviz for diagrams,
# Chromium and fonts for PDF, the PostgreSQL client for `orgchange backup`), then the
# Python dependencies from the lockfile (pinned, with hashes), then the code.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ORGCHANGE_DATABASE_URL=sqlite:////data/orgchange.db \
    ORGCHANGE_CHROMIUM=/usr/bin/chromium

RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        graphviz \
        chromium \
        fonts-dejavu-core \
        fonts-liberation \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The locked dependencies alone, in their own layer: a change to the code reuses it.
COPY requirements/service.txt ./requirements/service.txt
RUN pip install --no-cache-dir --no-deps --require-hashes -r requirements/service.txt

# The project itself, without dependencies (they are all above).
COPY pyproject.toml README.md ./
COPY orgchange ./orgchange
COPY projections ./projections
COPY api ./api
RUN pip install --no-cache-dir --no-deps .

# Not root: the service owns its data directory and nothing else.
RUN useradd --system --uid 10001 --home-dir /data --no-create-home orgchange \
    && mkdir -p /data \
    && chown orgchange:orgchange /data
USER orgchange
VOLUME ["/data"]
WORKDIR /data

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=4)"]
CMD ["orgchange", "serve", "--host", "0.0.0.0", "--port", "8000"]
