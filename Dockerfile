# Two targets of one image:
#   app   the code location, the Dagster webserver and the daemon: the package, its SQL and seed
#         data, the exact versions of requirements.lock; no tests, no simulator; runs as a
#         non-root user.
#   demo  app plus tmdb_simulator (the local TMDb; no tests), for `docker compose --profile demo`.
#   viz   app plus the dashboard (Streamlit), for `docker compose --profile viz`.
FROM python:3.11-slim AS app
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DAGSTER_HOME=/opt/dagster/home \
    TMDB_SQL_DIR=/opt/tmdb-assets/sql TMDB_SEED_DIR=/opt/tmdb-assets/data
WORKDIR /opt/tmdb-assets
RUN useradd --uid 10001 --create-home --shell /usr/sbin/nologin tmdb
# Dependencies first (a layer that changes only with the lock), pinned by it.
COPY requirements.lock ./
COPY pyproject.toml README.md ./
COPY tmdb_assets ./tmdb_assets
RUN pip install --constraint requirements.lock . \
    && mkdir -p $DAGSTER_HOME/storage \
    && chown -R tmdb:tmdb $DAGSTER_HOME
COPY sql ./sql
COPY data ./data
COPY dagster.yaml $DAGSTER_HOME/dagster.yaml
COPY docker/workspace.yaml $DAGSTER_HOME/workspace.yaml
COPY docker/entrypoint.sh /usr/local/bin/tmdb-entrypoint
USER tmdb
ENTRYPOINT ["tmdb-entrypoint"]

FROM app AS demo
COPY --chown=tmdb:tmdb tmdb_simulator ./tmdb_simulator
ENV PYTHONPATH=/opt/tmdb-assets

# The analysts' dashboard (`docker compose --profile viz`): app plus Streamlit and pandas.
FROM app AS viz
USER root
COPY tmdb_assets_viz ./tmdb_assets_viz
RUN pip install --constraint requirements.lock ".[viz]"
USER tmdb
