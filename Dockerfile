# One image for every Python part of the system (four subgraphs and the router);
# docker-compose.yml picks each container's command.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app
WORKDIR /app

# Dependencies first, from pyproject.toml alone, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt && rm /tmp/requirements.txt

# The code runs from /app (PYTHONPATH): `python -m subgraphs.users`, `python -m router serve`, ...
COPY router ./router
COPY subgraphs ./subgraphs
COPY supergraph.yaml supergraph.graphql ./

# Not root; /data holds the SQLite files (a named volume per service in docker-compose.yml).
RUN useradd --create-home --uid 10001 app && mkdir -p /data && chown app /data
USER app
EXPOSE 8000 8001 8002 8003 8004
