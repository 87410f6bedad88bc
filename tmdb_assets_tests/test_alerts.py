"""A failed run is posted to TMDB_ALERT_WEBHOOK_URL (a real local HTTP receiver)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import dagster as dg
import pytest

from tmdb_assets.defs.alerts import tmdb_run_failure_alert

SECRET = "alert-test-secret-token"


class Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", Receiver.received
    server.shutdown()
    server.server_close()


@dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date="2025-01-01"))
def breaks() -> None:
    raise RuntimeError("TMDb kept failing: check TMDB_API_BASE_URL")


def failed_run_context(instance: dg.DagsterInstance) -> dg.RunFailureSensorContext:
    result = dg.materialize(
        [breaks], instance=instance, partition_key="2025-03-01", raise_on_error=False
    )
    assert not result.success
    run = instance.get_run_by_id(result.run_id)
    failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
    return dg.build_run_status_sensor_context(
        sensor_name="tmdb_run_failure_alert",
        dagster_instance=instance,
        dagster_run=run,
        dagster_event=failure,
    ).for_run_failure()


def test_a_failed_run_is_posted_to_the_webhook(receiver, monkeypatch):
    url, received = receiver
    monkeypatch.setenv("TMDB_ALERT_WEBHOOK_URL", url)
    monkeypatch.setenv("TMDB_API_TOKEN", SECRET)
    with dg.instance_for_test() as instance:
        context = failed_run_context(instance)
        tmdb_run_failure_alert(context)
    ((content_type, payload),) = received
    assert content_type == "application/json"
    assert payload["job"] == "__ephemeral_asset_job__" and payload["partition"] == "2025-03-01"
    assert "TMDb kept failing: check TMDB_API_BASE_URL" in payload["error"]
    assert payload["text"].startswith(f"tmdb-assets: run {payload['run_id'][:8]} of ")
    assert payload["run_url"].endswith(f"/runs/{payload['run_id']}")
    assert SECRET not in json.dumps(payload)


def test_without_a_webhook_the_failure_is_only_logged(receiver, monkeypatch):
    _, received = receiver
    monkeypatch.delenv("TMDB_ALERT_WEBHOOK_URL", raising=False)
    with dg.instance_for_test() as instance:
        tmdb_run_failure_alert(failed_run_context(instance))
    assert received == []


def test_an_unreachable_webhook_does_not_break_the_sensor(monkeypatch):
    monkeypatch.setenv("TMDB_ALERT_WEBHOOK_URL", "http://127.0.0.1:9/hook")
    with dg.instance_for_test() as instance:
        tmdb_run_failure_alert(failed_run_context(instance))  # no exception
