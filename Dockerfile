FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends graphviz \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The locked dependencies first (pinned with hashes), then the project without dependencies.
COPY requirements/service.txt ./requirements/
RUN pip install --no-cache-dir --require-hashes -r requirements/service.txt
COPY pyproject.toml README.md ./
COPY orgchange ./orgchange
COPY projections ./projections
COPY api ./api
RUN pip install --no-cache-dir --no-deps .
EXPOSE 8000
CMD ["orgchange", "serve", "--host", "0.0.0.0", "--port", "8000"]
