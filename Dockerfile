# One image for the code location, the Dagster webserver and the daemon.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 DAGSTER_HOME=/opt/dagster/home
WORKDIR /opt/tmdb-assets
COPY pyproject.toml README.md ./
COPY tmdb_assets ./tmdb_assets
COPY tmdb_assets_tests ./tmdb_assets_tests
COPY sql ./sql
COPY data ./data
RUN pip install --no-cache-dir -e . && mkdir -p $DAGSTER_HOME
COPY dagster.yaml $DAGSTER_HOME/dagster.yaml
COPY docker/workspace.yaml $DAGSTER_HOME/workspace.yaml
