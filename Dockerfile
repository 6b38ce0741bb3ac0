FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends graphviz \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY orgchange ./orgchange
COPY projections ./projections
COPY api ./api
RUN pip install --no-cache-dir .
EXPOSE 8000
CMD ["orgchange", "serve", "--host", "0.0.0.0", "--port", "8000"]
