"""Reading ``supergraph.yaml`` (Apollo rover's config format) into composition inputs.

Values may use rover's variable expansion, ``${env.NAME}`` or
``${env.NAME:-default}``, so one file serves local runs (defaults) and
deployments (environment): e.g. ``routing_url: ${env.USER_SERVICE_URL:-http://localhost:8001/graphql}``.
Each subgraph's schema comes from ``schema.file`` (relative to the config file)
or ``schema.subgraph_url`` (the running subgraph's ``_service { sdl }``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from router.composition.compose import SubgraphInput

_ENV_RE = re.compile(r"\$\{env\.([A-Za-z_][A-Za-z0-9_]*)(?::-(.*?))?\}")


class ConfigError(Exception):
    """The configuration or a subgraph schema source cannot be used (message says why)."""


@dataclass
class SubgraphSource:
    name: str
    routing_url: str
    file: Path | None = None
    subgraph_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class SupergraphConfig:
    path: Path
    federation_version: str | None
    subgraphs: list[SubgraphSource]


def expand_env(value: str, env: Mapping[str, str] | None) -> str:
    """Rover-style ``${env.NAME:-default}`` expansion; ``env=None`` uses only defaults."""

    def replace(m: re.Match[str]) -> str:
        name, default = m.group(1), m.group(2)
        if env is not None and env.get(name):
            return env[name]
        if default is not None:
            return default
        raise ConfigError(f"environment variable {name} is not set and has no default (${{env.{name}:-...}})")

    return _ENV_RE.sub(replace, value)


def _expand(value: Any, env: Mapping[str, str] | None) -> Any:
    if isinstance(value, str):
        return expand_env(value, env)
    if isinstance(value, list):
        return [_expand(v, env) for v in value]
    if isinstance(value, dict):
        return {k: _expand(v, env) for k, v in value.items()}
    return value


def load_config(path: str | Path, env: Mapping[str, str] | None = os.environ) -> SupergraphConfig:
    """Parse the config; ``env=None`` ignores environment overrides (defaults only)."""
    config_path = Path(path)
    try:
        raw = yaml.safe_load(config_path.read_text())
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {config_path} not found") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {config_path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("subgraphs"), dict) or not raw["subgraphs"]:
        raise ConfigError(f"{config_path}: expected a mapping with a non-empty `subgraphs` section")
    raw = _expand(raw, env)
    version = raw.get("federation_version")
    if version is not None:
        version = str(version).lstrip("=")
        if not version.startswith("2"):
            raise ConfigError(f"{config_path}: federation_version {version!r} is not supported (this composer produces Federation 2 supergraphs)")
    base = config_path.parent
    subgraphs: list[SubgraphSource] = []
    for name, spec in raw["subgraphs"].items():
        if not isinstance(spec, dict):
            raise ConfigError(f"{config_path}: subgraph {name!r} must be a mapping")
        schema = spec.get("schema")
        if not isinstance(schema, dict):
            raise ConfigError(f"{config_path}: subgraph {name!r} needs a `schema` with `file` or `subgraph_url`")
        routing_url = spec.get("routing_url")
        source = SubgraphSource(name=str(name), routing_url="")
        if "file" in schema:
            source.file = (base / str(schema["file"])).resolve()
        elif "subgraph_url" in schema:
            source.subgraph_url = str(schema["subgraph_url"])
            source.headers = {str(k): str(v) for k, v in (schema.get("introspection_headers") or {}).items()}
        else:
            raise ConfigError(f"{config_path}: subgraph {name!r}: `schema` needs `file` or `subgraph_url`")
        if routing_url is None:
            routing_url = source.subgraph_url
        if not routing_url:
            raise ConfigError(f"{config_path}: subgraph {name!r} has no routing_url")
        source.routing_url = str(routing_url)
        subgraphs.append(source)
    return SupergraphConfig(config_path, version, subgraphs)


def fetch_sdl(url: str, headers: Mapping[str, str] | None = None, timeout: float = 10.0) -> str:
    """Ask a running subgraph for its SDL (``{ _service { sdl } }``)."""
    import httpx

    try:
        response = httpx.post(
            url,
            json={"query": "{ _service { sdl } }"},
            headers={"content-type": "application/json", "accept": "application/json", **(headers or {})},
            timeout=timeout,
        )
    except httpx.HTTPError as exc:
        raise ConfigError(f"cannot reach {url}: {exc}") from exc
    if response.status_code != 200:
        raise ConfigError(f"{url} answered HTTP {response.status_code} to {{ _service {{ sdl }} }}")
    try:
        payload = response.json()
        sdl = payload["data"]["_service"]["sdl"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{url} did not return {{ _service {{ sdl }} }} (is it a federation subgraph?)") from exc
    if not isinstance(sdl, str):
        raise ConfigError(f"{url} returned no SDL")
    return sdl


def read_subgraphs(config: SupergraphConfig) -> list[SubgraphInput]:
    inputs: list[SubgraphInput] = []
    problems: list[str] = []
    for source in config.subgraphs:
        if source.file is not None:
            try:
                sdl = source.file.read_text()
            except FileNotFoundError:
                problems.append(f"subgraph {source.name!r}: schema file {_display(source.file)} not found")
                continue
        else:
            assert source.subgraph_url is not None
            try:
                sdl = fetch_sdl(source.subgraph_url, source.headers)
            except ConfigError as exc:
                problems.append(f"subgraph {source.name!r}: {exc}")
                continue
        inputs.append(SubgraphInput(source.name, source.routing_url, sdl))
    if problems:
        raise ConfigError("\n".join(problems))
    return inputs


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
