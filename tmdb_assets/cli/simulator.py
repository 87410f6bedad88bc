"""The TMDb simulator as a child process of `tmdb-assets run --simulator` (never imported)."""

import datetime as dt
import json
import subprocess
import sys
import urllib.request

from tmdb_assets.cli.common import CliError

SIMULATOR_TOKEN = "simulator-token"


class Simulator:
    """The TMDb simulator as a child process (`python -m tmdb_simulator`)."""

    def __init__(self, movies: int, seed: int, rate_limit: float, *extra: str):
        cmd = [
            sys.executable, "-m", "tmdb_simulator", "--port", "0",
            "--movies", str(movies), "--seed", str(seed), "--rate-limit", str(rate_limit), *extra,
        ]  # fmt: skip
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if "listening on " not in line:
            self.stop()
            raise CliError(f"the TMDb simulator did not start (it printed {line!r})")
        self.base_url = line.strip().rsplit(" ", 1)[-1]
        self.admin = self.base_url.removesuffix("/3") + "/__admin"

    def post(self, route: str, payload: dict) -> None:
        """An admin call: `date` (the simulated day), `faults`, `reset`."""
        req = urllib.request.Request(
            f"{self.admin}/{route}",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(req, timeout=10).read()

    def set_day(self, day: dt.date, at: str = "00:05") -> None:
        """Serve `day` as it was at `at` (UTC) the morning after it ended."""
        self.post("date", {"date": day.isoformat(), "time": at})

    def stats(self) -> dict:
        with urllib.request.urlopen(f"{self.admin}/state", timeout=10) as resp:
            return json.loads(resp.read())["stats"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
