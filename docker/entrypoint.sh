#!/bin/sh
# Entry point of the app image: which TMDb API the services use, then the service's command.
#
# TMDB_API_TOKEN set: that token, against TMDB_API_BASE_URL (unset: the real TMDb); a database
# password is then required (a real deployment). Unset: the TMDb simulator when the demo profile
# runs it (the host `simulator` resolves), else stop and say what to do. The pipeline itself
# never knows the difference: only the base URL and the token change.
set -eu
if [ -z "${TMDB_API_TOKEN:-}" ]; then
  if getent hosts simulator >/dev/null 2>&1; then
    export TMDB_API_BASE_URL="http://simulator:8765/3"
    export TMDB_EXPORTS_BASE_URL="http://simulator:8765/p/exports"
    export TMDB_API_TOKEN="simulator"  # the simulator accepts any non-empty token
    echo "tmdb-assets: TMDB_API_TOKEN is not set; using the TMDb simulator at $TMDB_API_BASE_URL (demo profile)" >&2
  else
    echo "tmdb-assets: TMDB_API_TOKEN is not set. Put your TMDb v4 API Read Access Token in .env (copy .env.example), or run the demo against the TMDb simulator: docker compose --profile demo up" >&2
    exit 2
  fi
elif [ -z "${POSTGRES_PASSWORD:-}" ]; then
  echo "tmdb-assets: POSTGRES_PASSWORD is not set. A deployment with a real TMDb token needs one in .env (see .env.example)." >&2
  exit 2
fi
exec "$@"
