"""`tmdb-simulator` / `python -m tmdb_simulator`: serve a local TMDb API."""

import argparse
import datetime as dt
import logging
import signal
import sys

from tmdb_simulator.server import SimulatorConfig, make_server


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="tmdb-simulator", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765, help="0 picks a free port (printed on start)")
    p.add_argument("--movies", type=int, default=1000, help="catalog size")
    p.add_argument("--tv-series", type=int, default=200, help="TV catalogue size (0: none)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--rate-limit", type=float, default=50.0, help="requests per second; 0 = none")
    p.add_argument("--max-connections", type=int, default=20)
    p.add_argument("--latency-ms", type=float, default=0.0)
    p.add_argument("--fault-rate", type=float, default=0.0, help="share of requests answered 5xx")
    p.add_argument("--token", default=None, help="accept only this token (default: any non-empty)")
    p.add_argument(
        "--date", type=dt.date.fromisoformat, default=None, help="simulated day (YYYY-MM-DD)"
    )
    p.add_argument(
        "--export-tail",
        type=int,
        default=0,
        help="ids beyond the catalog in each daily ID export (/p/exports/movie_ids_*.json.gz)",
    )
    p.add_argument("--no-retry-after", action="store_true", help="omit Retry-After on 429")
    p.add_argument("--verbose", action="store_true", help="log every request")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s")
    if not 0 <= args.fault_rate <= 1:
        print("--fault-rate must be within 0..1", file=sys.stderr)
        return 2
    config = SimulatorConfig(
        movies=args.movies,
        tv_series=args.tv_series,
        seed=args.seed,
        rate_limit=args.rate_limit,
        max_connections=args.max_connections,
        latency_ms=args.latency_ms,
        fault_rate=args.fault_rate,
        token=args.token,
        date=args.date,
        retry_after=not args.no_retry_after,
        export_tail=args.export_tail,
    )
    server = make_server(config, args.host, args.port)
    host, port = server.server_address[:2]
    # The first line is machine-readable: the demo and tests wait for it.
    print(f"tmdb-simulator listening on http://{host}:{port}/3", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
