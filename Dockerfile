# One image for every part of the system; docker-compose.yml picks the command.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY router ./router
COPY subgraphs ./subgraphs
RUN pip install .

COPY supergraph.yaml supergraph.graphql ./
RUN useradd --create-home --uid 10001 app && mkdir -p /data && chown app /data
USER app
