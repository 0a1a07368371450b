"""The demo routing configuration (routing_demo.toml, package data), read and validated."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

from workstation.domain.workflow import AgentRouting, RoutingConfig, compile_document

DEMO_FILE = "routing_demo.toml"


def parse(data: dict[str, Any]) -> tuple[RoutingConfig, dict[str, AgentRouting]]:
    """Routing config and per-username agent routing from the TOML's tables; RoutingConfigError if invalid."""
    router, agents = compile_document(data)
    return router.config, agents


def load_demo() -> tuple[RoutingConfig, dict[str, AgentRouting]]:
    text = resources.files("workstation.server").joinpath(DEMO_FILE).read_text(encoding="utf-8")
    return parse(tomllib.loads(text))
