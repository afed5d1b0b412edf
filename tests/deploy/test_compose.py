"""docker-compose.yml runs the system README.md describes, wired the way the code reads it.

The file is checked as compose itself resolves it: ``docker compose config`` (or v1's
``docker-compose config``) applies interpolation, YAML anchors and merges, and override
files exactly as ``up`` would, without a Docker engine. Every expectation comes from the
code (the URL variables from the settings module and supergraph.yaml, the broker
defaults from ``load_settings``) or from README.md, so a rename on either side fails here.
There is no skip: without a compose tool the tests fail and say how to install one.
"""

from __future__ import annotations

import http.server
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from subgraphs.common.settings import DEFAULT_PORTS, SERVICE_URL_VARIABLES, load_settings

ROOT = Path(__file__).resolve().parents[2]
BASE = ("docker-compose.yml",)
WITH_POSTGRES = ("docker-compose.yml", "docker-compose.postgres.yml")
SECRET = "compose-test-secret-0123456789-abcdefghijklmnop"
PYTHON_SERVICES = ("users", "notifications", "recommendations", "orders", "router")
PORTS = {**DEFAULT_PORTS, "router": 8000}


# ---------------------------------------------------------------- running compose


@pytest.fixture(scope="module")
def compose_tool() -> list[str]:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    if legacy:
        return [legacy]
    pytest.fail(
        "no compose tool: neither `docker compose` nor `docker-compose` is installed "
        "(`apt-get install docker-compose`, or the Docker compose plugin; .ci/run installs one)"
    )


def run_config(
    tool: list[str], files: tuple[str, ...], values: Mapping[str, str], tmp: Path
) -> subprocess.CompletedProcess[str]:
    """``config`` with exactly ``values`` as the environment: the caller's shell and any
    .env in the checkout are shut out (compose would read both)."""
    env_file = tmp / f"compose-{len(list(tmp.iterdir()))}.env"
    env_file.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
    command = [*tool, "--env-file", str(env_file)]
    for name in files:
        command += ["-f", name]
    clean_env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp), "COMPOSE_PROJECT_NAME": "composetest"}
    return subprocess.run([*command, "config"], cwd=ROOT, env=clean_env, capture_output=True, text=True, timeout=60)


def resolved(tool: list[str], files: tuple[str, ...], values: Mapping[str, str], tmp: Path) -> dict[str, Any]:
    result = run_config(tool, files, values, tmp)
    assert result.returncode == 0, f"`config` failed for {files}:\n{result.stderr}"
    return yaml.safe_load(result.stdout)


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("compose")


@pytest.fixture(scope="module")
def base(compose_tool: list[str], tmp: Path) -> dict[str, Any]:
    return resolved(compose_tool, BASE, {"SECRET_KEY": SECRET}, tmp)


@pytest.fixture(scope="module")
def with_postgres(compose_tool: list[str], tmp: Path) -> dict[str, Any]:
    return resolved(compose_tool, WITH_POSTGRES, {"SECRET_KEY": SECRET, "POSTGRES_PASSWORD": "pgsecret42"}, tmp)


# ---------------------------------------------------------------- reading both output dialects
# v1 prints short syntax ("127.0.0.1:8001:8001/tcp", "users-data:/data:rw"), v2 long syntax.


def environment(service: Mapping[str, Any]) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        return dict(item.split("=", 1) for item in raw)
    return {key: "" if value is None else str(value) for key, value in raw.items()}


def published_ports(service: Mapping[str, Any]) -> set[tuple[str, int, int]]:
    """(host ip or "" for every interface, published port, container port)."""
    ports = set()
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            host_ip = str(entry.get("host_ip") or "")
            ports.add((host_ip, int(entry["published"]), int(entry["target"])))
        else:
            parts = str(entry).split("/")[0].split(":")
            host_ip = parts[0] if len(parts) == 3 else ""
            ports.add((host_ip, int(parts[-2]), int(parts[-1])))
    return {("" if ip == "0.0.0.0" else ip, published, target) for ip, published, target in ports}


def mounts(service: Mapping[str, Any]) -> dict[str, str]:
    """Container path -> volume name or host path."""
    result = {}
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            result[entry["target"]] = entry["source"]
        else:
            source, target = str(entry).split(":")[:2]
            result[target] = source
    return result


def dependencies(service: Mapping[str, Any]) -> dict[str, str]:
    raw = service.get("depends_on") or {}
    if isinstance(raw, list):
        return {name: "service_started" for name in raw}
    return {name: spec.get("condition", "service_started") for name, spec in raw.items()}


def command_text(service: Mapping[str, Any]) -> str:
    command = service.get("command")
    return " ".join(command) if isinstance(command, list) else str(command)


# ---------------------------------------------------------------- README


def readme_compose_services() -> set[str]:
    """The services README.md's Docker Compose table names (first column, in backticks)."""
    text = (ROOT / "README.md").read_text()
    match = re.search(r"^## Docker Compose\n(.*?)(?=^## )", text, re.S | re.M)
    assert match, "README.md has no '## Docker Compose' section"
    names = set(re.findall(r"^\| `([a-z-]+)` \|", match.group(1), re.M))
    assert names, "README.md's Docker Compose section has no service table"
    return names


def test_every_service_readme_names_is_in_the_compose_files(base: dict[str, Any], with_postgres: dict[str, Any]) -> None:
    named = readme_compose_services()
    assert named == set(base["services"]) | set(with_postgres["services"])
    assert set(base["services"]) == {"rabbitmq", *PYTHON_SERVICES}
    assert set(with_postgres["services"]) - set(base["services"]) == {"postgres"}


# ---------------------------------------------------------------- ports and environment


def test_each_service_listens_on_its_port_and_publishes_it(base: dict[str, Any]) -> None:
    services = base["services"]
    for name in PYTHON_SERVICES:
        env = environment(services[name])
        assert env["PORT"] == str(PORTS[name]), name
        if name != "router":  # the router's --host says it
            assert env["HOST"] == "0.0.0.0", name
        published = published_ports(services[name])
        assert {(published_port, target) for _, published_port, target in published} == {(PORTS[name], PORTS[name])}
    # Clients use the router: it alone is published on every interface.
    assert published_ports(services["router"]) == {("", 8000, 8000)}
    for name in DEFAULT_PORTS:
        assert {ip for ip, _, _ in published_ports(services[name])} == {"127.0.0.1"}, name
    assert "--host 0.0.0.0 --port 8000" in command_text(services["router"])


def test_rabbitmq_has_the_management_ui_and_the_services_credentials(base: dict[str, Any]) -> None:
    rabbit = base["services"]["rabbitmq"]
    assert rabbit["image"].startswith("rabbitmq:") and rabbit["image"].endswith("-management")
    assert {(published, target) for _, published, target in published_ports(rabbit)} == {(5672, 5672), (15672, 15672)}
    broker_env = environment(rabbit)
    # The password default is the settings module's own default (a service run without
    # RABBITMQ_PASS uses it too); the user is appuser.
    default_password = urlsplit(load_settings("users", {"SECRET_KEY": SECRET}).amqp_url).password
    assert broker_env["RABBITMQ_DEFAULT_USER"] == "appuser"
    assert broker_env["RABBITMQ_DEFAULT_PASS"] == default_password
    for name in DEFAULT_PORTS:
        env = environment(base["services"][name])
        assert (env["RABBITMQ_HOST"], env["RABBITMQ_PORT"]) == ("rabbitmq", "5672")
        assert (env["RABBITMQ_USER"], env["RABBITMQ_PASS"]) == ("appuser", default_password)
        # What the service builds from them: the broker inside the network, these credentials.
        amqp = urlsplit(load_settings(name, env).amqp_url)
        assert (amqp.hostname, amqp.port, amqp.username) == ("rabbitmq", 5672, "appuser")


def test_environment_overrides_reach_broker_and_services_alike(compose_tool: list[str], tmp: Path) -> None:
    config = resolved(
        compose_tool,
        BASE,
        {
            "SECRET_KEY": SECRET,
            "RABBITMQ_USER": "ops",
            "RABBITMQ_PASS": "s3cret",
            "ORDERS_DATABASE_URL": "postgresql://app:pw@db.example:5432/orders",
            "ORDER_STATUS_INTERVAL_SECONDS": "2",
            "RECOMMENDATION_INTERVAL_SECONDS": "5",
        },
        tmp,
    )
    services = config["services"]
    assert environment(services["rabbitmq"])["RABBITMQ_DEFAULT_USER"] == "ops"
    assert environment(services["rabbitmq"])["RABBITMQ_DEFAULT_PASS"] == "s3cret"
    for name in DEFAULT_PORTS:
        assert environment(services[name])["RABBITMQ_USER"] == "ops"
        assert environment(services[name])["RABBITMQ_PASS"] == "s3cret"
        assert environment(services[name])["SECRET_KEY"] == SECRET
    assert environment(services["router"])["SECRET_KEY"] == SECRET
    assert environment(services["orders"])["DATABASE_URL"] == "postgresql://app:pw@db.example:5432/orders"
    assert environment(services["users"])["DATABASE_URL"] == "sqlite:////data/users.db"
    assert environment(services["orders"])["ORDER_STATUS_INTERVAL_SECONDS"] == "2"
    assert environment(services["recommendations"])["RECOMMENDATION_INTERVAL_SECONDS"] == "5"


def test_service_urls_name_compose_services_under_the_variables_the_code_reads(base: dict[str, Any]) -> None:
    services = base["services"]
    # supergraph.yaml (what the router composes) and the settings module read the same names.
    config = yaml.safe_load((ROOT / "supergraph.yaml").read_text())
    for subgraph, spec in config["subgraphs"].items():
        variable = re.fullmatch(r"\$\{env\.(\w+):-[^}]+\}", spec["routing_url"]).group(1)
        assert variable == SERVICE_URL_VARIABLES[subgraph]
    for name in PYTHON_SERVICES:
        env = environment(services[name])
        for subgraph, variable in SERVICE_URL_VARIABLES.items():
            url = urlsplit(env[variable])
            assert url.hostname == subgraph and url.hostname in services, (name, variable)
            assert url.port == int(environment(services[subgraph])["PORT"]), (name, variable)
            assert url.path == "/graphql"


def test_router_composes_with_the_in_network_urls_then_serves_that_supergraph(base: dict[str, Any], tmp: Path) -> None:
    router = base["services"]["router"]
    command = command_text(router)
    output = re.search(r"router compose --config supergraph\.yaml --output (\S+)", command)
    served = re.search(r"router serve --supergraph (\S+)", command)
    assert output and served and output.group(1) == served.group(1)
    assert command.index("router compose") < command.index("router serve")
    # The composition step itself, with the router container's environment.
    supergraph = tmp / "supergraph.graphql"
    env = {**environment(router), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "router", "compose", "--config", "supergraph.yaml", "--output", str(supergraph)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    urls = set(re.findall(r'join__graph\(name: "\w+", url: "([^"]+)"\)', supergraph.read_text()))
    assert urls == {f"http://{name}:{port}/graphql" for name, port in DEFAULT_PORTS.items()}


# ---------------------------------------------------------------- health and start order


def test_every_service_has_a_health_check(base: dict[str, Any], with_postgres: dict[str, Any]) -> None:
    for config in (base, with_postgres):
        for name, service in config["services"].items():
            check = service.get("healthcheck") or {}
            assert not check.get("disable") and check.get("test"), f"{name} has no health check"
            assert check["test"][0] in ("CMD", "CMD-SHELL"), name
    for name in PYTHON_SERVICES:
        assert "/health" in " ".join(base["services"][name]["healthcheck"]["test"]), name
    assert "rabbitmq-diagnostics" in base["services"]["rabbitmq"]["healthcheck"]["test"]
    assert "pg_isready" in with_postgres["services"]["postgres"]["healthcheck"]["test"]


class _Health(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.send_response(self.status if self.path == "/health" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[tuple[type[_Health], int]]:
    handler = type("Handler", (_Health,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_the_python_health_check_passes_on_200_and_fails_on_503(
    base: dict[str, Any], health_server: tuple[type[_Health], int]
) -> None:
    handler, port = health_server
    test = base["services"]["users"]["healthcheck"]["test"]
    assert test[0] == "CMD" and test[1] == "python"
    # The container's command, run with this interpreter against a stand-in /health.
    command = [sys.executable, *test[2:]]
    env = {"PORT": str(port), "PATH": "/usr/bin:/bin"}
    assert subprocess.run(command, env=env, capture_output=True, timeout=30).returncode == 0
    handler.status = 503  # what a subgraph answers when its database is unreachable
    assert subprocess.run(command, env=env, capture_output=True, timeout=30).returncode != 0


def test_services_start_only_after_what_they_need_is_healthy(base: dict[str, Any], with_postgres: dict[str, Any]) -> None:
    services = base["services"]
    assert dependencies(services["router"]) == {name: "service_healthy" for name in DEFAULT_PORTS}
    for name in DEFAULT_PORTS:
        assert dependencies(services[name]) == {"rabbitmq": "service_healthy"}
        assert dependencies(with_postgres["services"][name]) == {
            "rabbitmq": "service_healthy",
            "postgres": "service_healthy",
        }
    assert dependencies(services["rabbitmq"]) == {}


# ---------------------------------------------------------------- one image, volumes, secrets


def test_one_image_from_the_dockerfile_runs_every_python_service(base: dict[str, Any]) -> None:
    services = base["services"]
    builds = {name: services[name]["build"] for name in PYTHON_SERVICES}
    assert {Path(build["context"]).resolve() for build in builds.values()} == {ROOT}
    assert {build.get("dockerfile", "Dockerfile") for build in builds.values()} == {"Dockerfile"}
    assert len({services[name]["image"] for name in PYTHON_SERVICES}) == 1
    for name in DEFAULT_PORTS:
        assert command_text(services[name]) == f"python -m subgraphs.{name}"


def test_databases_and_broker_state_live_in_named_volumes(base: dict[str, Any]) -> None:
    services = base["services"]
    declared = set(base["volumes"])
    sources = []
    for name in DEFAULT_PORTS:
        volume = mounts(services[name])["/data"]
        assert volume in declared
        sources.append(volume)
        assert environment(services[name])["DATABASE_URL"] == f"sqlite:////data/{name}.db"
    assert len(set(sources)) == len(sources), "services share a database volume"
    assert mounts(services["rabbitmq"])["/var/lib/rabbitmq"] in declared


def test_postgres_override_gives_each_service_its_own_database(with_postgres: dict[str, Any]) -> None:
    services = with_postgres["services"]
    postgres = services["postgres"]
    assert mounts(postgres)["/var/lib/postgresql/data"] in set(with_postgres["volumes"])
    init_scripts = [Path(source) for target, source in mounts(postgres).items() if target.startswith("/docker-entrypoint-initdb.d/")]
    assert len(init_scripts) == 1 and init_scripts[0].is_file()
    created = set(re.findall(r"CREATE DATABASE (\w+);", init_scripts[0].read_text()))
    user = environment(postgres)["POSTGRES_USER"]
    for name in DEFAULT_PORTS:
        url = urlsplit(environment(services[name])["DATABASE_URL"])
        assert (url.scheme, url.hostname, url.port) == ("postgresql", "postgres", 5432)
        assert (url.username, url.password) == (user, "pgsecret42")
        assert url.path.lstrip("/") == name and name in created
        # The settings module accepts it.
        assert load_settings(name, environment(services[name])).database_url.startswith("postgresql://")


def test_compose_refuses_to_start_without_its_secrets(compose_tool: list[str], tmp: Path) -> None:
    result = run_config(compose_tool, BASE, {}, tmp)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "README.md" in result.stderr
    result = run_config(compose_tool, WITH_POSTGRES, {"SECRET_KEY": SECRET}, tmp)
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr
