"""The demo routing configuration (routing_demo.toml, package data), read and validated."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

from workstation.domain.workflow import AgentRouting, Router, RoutingConfig

DEMO_FILE = "routing_demo.toml"


def parse(data: dict[str, Any]) -> tuple[RoutingConfig, dict[str, AgentRouting]]:
    """Routing config and per-username agent routing from the TOML's tables; raises if invalid."""
    agents = {name: AgentRouting.model_validate(spec) for name, spec in data.get("agents", {}).items()}
    config = RoutingConfig.model_validate({k: v for k, v in data.items() if k != "agents"})
    Router(config)  # every expression compiles, every queue exists
    return config, agents


def load_demo() -> tuple[RoutingConfig, dict[str, AgentRouting]]:
    text = resources.files("workstation.server").joinpath(DEMO_FILE).read_text(encoding="utf-8")
    return parse(tomllib.loads(text))
