"""Central configuration: defaults < machine-wide file < user settings < environment < command line.

IT deploys one machine-wide TOML file (`/etc/workstation/config.toml`,
`%ProgramData%\\workstation\\config.toml`); a user's own `settings.toml` overrides it, environment
variables (`WORKSTATION_<KEY>`) override both, and command-line flags override everything. The
machine file may lock keys (`locked = ["server_url"]`): then nothing above it can change them.
Every effective value remembers where it came from (`main.py --print-config`). A broken file never
stops the app: its problems are reported with file and line, and the layers below it apply.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from workstation.domain.transport import plain_transport_problem, proxy_problem
from workstation.paths import APP_NAME

ENV_PREFIX = "WORKSTATION_"
#: Points the app at another machine-wide file (staging a new file, tests).
MACHINE_CONFIG_ENV = "WORKSTATION_MACHINE_CONFIG"
LOG_LEVELS = ("debug", "info", "warning", "error")
TLS_TRUST = ("bundled", "system")
_LANGUAGE = re.compile(r"^[a-z]{2,3}([_-][A-Za-z]{2,4})?$")


def default_machine_file() -> Path:
    """Where IT puts the machine-wide configuration on this platform."""
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / APP_NAME / "config.toml"
    if sys.platform == "darwin":
        return Path("/Library/Application Support") / APP_NAME / "config.toml"
    return Path("/etc") / APP_NAME / "config.toml"


def _check_url(value: str) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http:// or https:// URL with a host name, or empty for the embedded backend"
    if parts.username or parts.password:
        return "must not contain a user name or password"
    return plain_transport_problem(value)


def _check_ca_bundle(value: str) -> str | None:
    if not value:
        return None
    path = Path(value)
    if not path.is_file():
        return f"{value} is not a file"
    import ssl  # only with a CA file configured: the configuration is read before the first paint

    try:
        ssl.create_default_context().load_verify_locations(cafile=str(path))
    except (OSError, ssl.SSLError, ValueError) as exc:
        return f"{value} holds no usable PEM certificates ({exc})"
    return None


def _check_choice(choices: tuple[str, ...]) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return None if value in choices else "must be one of " + ", ".join(f'"{c}"' for c in choices)

    return check


def _check_language(value: str) -> str | None:
    if value == "system" or _LANGUAGE.match(value):
        return None
    return 'must be "system" or a language code such as "de", "en" or "pt_BR"'


#: `softphone = "desk"`: desk-phone mode (the backend's VoiceConfig.desk_phones names the phone).
DESK_PHONE = "desk"


def _check_softphone(value: str) -> str | None:
    return None if value == DESK_PHONE else _check_host_port(value)


def _check_host_port(value: str) -> str | None:
    if not value:
        return None
    host, _, port = value.rpartition(":")
    ok = bool(host) and port.isdigit() and 0 < int(port) < 65536
    return None if ok else 'must be "host:port", e.g. "127.0.0.1:4444", or empty'


def _check_cache_size(value: int) -> str | None:
    return None if 16 <= value <= 100_000 else "must be between 16 and 100000 (MB)"


def _option(help: str, check: Callable[[Any], str | None] | None = None, *, machine: bool = True) -> Any:
    return {"help": help, "check": check, "machine": machine}


@dataclass(frozen=True, slots=True)
class Config:
    """The effective values; every field is an option of the same name in every layer."""

    server_url: str = field(
        default="",
        metadata=_option("backend URL; empty: start the embedded reference backend", _check_url),
    )
    tls_trust: str = field(
        default="bundled",
        metadata=_option(
            'certificate authorities for https: "bundled" (the Mozilla set shipped with the app) '
            'or "system" (the operating system\'s trust store)',
            _check_choice(TLS_TRUST),
        ),
    )
    tls_ca_bundle: str = field(
        default="",
        metadata=_option("PEM file of further CA certificates to trust (a company CA)", _check_ca_bundle),
    )
    proxy: str = field(
        default="none",
        metadata=_option(
            'how to reach the backend: "none" (directly), "system" (the operating system\'s proxy) '
            'or a proxy URL ("http://proxy.example:3128")',
            proxy_problem,
        ),
    )
    log_level: str = field(
        default="info", metadata=_option("debug, info, warning or error", _check_choice(LOG_LEVELS))
    )
    cache_size_mb: int = field(
        default=512,
        metadata=_option(
            "the offline cache's limit on disk in MB; beyond it the history of the customers opened "
            "longest ago is dropped, then old closed chats (never unsent work or an open conversation)",
            _check_cache_size,
        ),
    )
    language: str = field(
        default="system", metadata=_option('"system" or a language code ("de", "en")', _check_language)
    )
    offer_sound: bool = field(default=True, metadata=_option("play a sound for new offers"))
    offer_popup: bool = field(default=True, metadata=_option("desktop notification for new offers"))
    softphone: str = field(
        default="",
        metadata=_option(
            "host:port of the agent's softphone control socket (baresip ctrl_tcp); "
            '"desk": calls ring the agent\'s own desk phone, the desk pops and records them; empty: no calls',
            _check_softphone,
        ),
    )
    sip_domain: str = field(
        default="",
        metadata=_option("host:port of the SIP proxy, to address blind transfers", _check_host_port),
    )
    username: str = field(default="", metadata=_option("last signed-in user (per user)", machine=False))


OPTIONS: dict[str, Any] = {f.name: f for f in fields(Config)}


def env_name(key: str) -> str:
    return ENV_PREFIX + key.upper()


@dataclass(frozen=True)
class Layer:
    """One source of values: a file, the environment or the command line."""

    name: str  # e.g. "machine file /etc/workstation/config.toml"
    values: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    locked: frozenset[str] = frozenset()
    #: Per key, a more precise origin than `name` (the environment variable's name).
    origins: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EffectiveConfig:
    """The configuration in force, where each value came from, and every problem found."""

    config: Config
    sources: dict[str, str]
    problems: list[str]
    machine_file: Path | None
    user_file: Path | None
    locked: frozenset[str] = frozenset()

    def report(self) -> str:
        """The `--print-config` text: TOML a machine file could start from, with each value's origin."""
        from workstation import __version__

        lines = [f"# Effective configuration of workstation {__version__}"]
        for label, path in (("machine file", self.machine_file), ("user settings", self.user_file)):
            if path is not None:
                state = "" if path.exists() else " (not present)"
                lines.append(f"# {label}: {path}{state}")
        lines.append(
            f"# environment: {ENV_PREFIX}<KEY> variables; {MACHINE_CONFIG_ENV} moves the machine file"
        )
        width = max(len(k) for k in OPTIONS)
        for key in OPTIONS:
            value = toml_value(getattr(self.config, key))
            origin = self.sources[key] + (" (locked)" if key in self.locked else "")
            lines.append(f"{key:<{width}} = {value:<28} # {origin}")
        if self.problems:
            lines.append("# problems (the values above do not use what they name):")
            lines.extend(f"#   {p}" for p in self.problems)
        return "\n".join(lines) + "\n"


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _line_of(text: str, key: str) -> int | None:
    match = re.search(rf"^[ \t]*\"?{re.escape(key)}\"?[ \t]*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def check(key: str, value: Any) -> tuple[Any, str | None]:
    """`value` checked against option `key`'s type and rule: (value, None) or (None, problem)."""
    spec = OPTIONS[key]
    kind = type(spec.default)
    if type(value) is not kind:
        names = {bool: "true or false", int: "a whole number", str: "a quoted string"}
        return None, f"{key} must be {names[kind]}"
    check = spec.metadata["check"]
    problem = check(value) if check else None
    return (None, f"{key} {problem}") if problem else (value, None)


def read_file(path: Path, *, label: str, machine: bool) -> Layer:
    """A TOML layer. A file that does not parse is ignored whole; a bad value is ignored alone."""
    name = f"{label} {path}"
    if not path.exists():
        return Layer(name, {})
    import tomllib  # only for a file that exists (a first start, and most machines, have no machine file)

    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib names line and column, except for an unfinished last statement: name that line too.
        last = len(text.rstrip("\n").splitlines()) or 1
        message = str(exc).replace("(at end of document)", f"(at the end of the file, line {last})")
        return Layer(name, {}, [f"{path}: {message}; the whole file is ignored until it is fixed"])
    except (OSError, UnicodeDecodeError) as exc:
        return Layer(name, {}, [f"{path}: cannot be read ({exc}); the whole file is ignored"])
    values: dict[str, Any] = {}
    problems: list[str] = []
    locked: set[str] = set()

    def where(key: str) -> str:
        line = _line_of(text, key)
        return f"{path}, line {line}" if line else str(path)

    for key, value in raw.items():
        if machine and key == "locked":
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                problems.append(f"{where(key)}: locked must be a list of option names")
                continue
            for item in value:
                if item in OPTIONS and OPTIONS[item].metadata["machine"]:
                    locked.add(item)
                else:
                    problems.append(f"{where(key)}: cannot lock unknown option {item!r}")
            continue
        if key not in OPTIONS:
            problems.append(f"{where(key)}: unknown option {key!r} ignored")
            continue
        if machine and not OPTIONS[key].metadata["machine"]:
            problems.append(f"{where(key)}: {key} is a per-user value and is ignored in the machine file")
            continue
        typed, problem = check(key, value)
        if problem:
            problems.append(f"{where(key)}: {problem}; ignored")
        else:
            values[key] = typed
    for key in locked - values.keys():
        problems.append(f"{path}: {key} is locked but has no value in this file; the default is locked")
    return Layer(name, values, problems, frozenset(locked))


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def read_environment(environ: Mapping[str, str]) -> Layer:
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, spec in OPTIONS.items():
        name = env_name(key)
        if name not in environ:
            continue
        text = environ[name].strip()
        kind = type(spec.default)
        value: Any = text
        if kind is bool:
            if text.lower() not in _TRUE | _FALSE:
                problems.append(f"environment {name}={text!r}: must be true or false; ignored")
                continue
            value = text.lower() in _TRUE
        elif kind is int:
            try:
                value = int(text)
            except ValueError:
                problems.append(f"environment {name}={text!r}: must be a whole number; ignored")
                continue
        typed, problem = check(key, value)
        if problem:
            problems.append(f"environment {name}: {problem}; ignored")
        else:
            values[key] = typed
    return Layer("environment", values, problems, origins={k: f"environment {env_name(k)}" for k in values})


def command_line(**values: Any) -> Layer:
    """Flags given on the command line (None: not given)."""
    given = {k: v for k, v in values.items() if v is not None}
    checked: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in given.items():
        typed, problem = check(key, value)
        if problem:
            problems.append(f"command line: {problem}; ignored")
        else:
            checked[key] = typed
    return Layer("command line", checked, problems)


def resolve(
    layers: list[Layer], *, machine_file: Path | None = None, user_file: Path | None = None
) -> EffectiveConfig:
    """Apply `layers` lowest first. Keys locked by a layer cannot be changed by the ones after it."""
    config = Config()
    sources = {key: "built-in default" for key in OPTIONS}
    problems: list[str] = []
    locked: set[str] = set()
    for layer in layers:
        problems.extend(layer.problems)
        for key, value in layer.values.items():
            origin = layer.origins.get(key, layer.name)
            if key in locked:
                if value != getattr(config, key):
                    problems.append(f"{origin}: {key} is locked by {sources[key]}; ignored")
                continue
            config = replace(config, **{key: value})
            sources[key] = origin
        for key in layer.locked:
            locked.add(key)
    return EffectiveConfig(config, sources, problems, machine_file, user_file, frozenset(locked))


def load(
    user_file: Path | None,
    *,
    machine_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    cli: Mapping[str, Any] | None = None,
) -> EffectiveConfig:
    """The effective configuration from all layers. `machine_file` None: the platform's (or
    $WORKSTATION_MACHINE_CONFIG); `environ` None: `os.environ`."""
    environ = os.environ if environ is None else environ
    if machine_file is None:
        override = environ.get(MACHINE_CONFIG_ENV)
        machine_file = Path(override) if override else default_machine_file()
    layers = [read_file(machine_file, label="machine file", machine=True)]
    if user_file is not None:
        layers.append(read_file(user_file, label="user settings", machine=False))
    layers.append(read_environment(environ))
    if cli:
        layers.append(command_line(**cli))
    return resolve(layers, machine_file=machine_file, user_file=user_file)
