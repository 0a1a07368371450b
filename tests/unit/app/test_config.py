"""Central configuration: the layers' order, where each value came from, locks, and bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from workstation import config
from workstation.config import Config

ROOT = Path(__file__).resolve().parents[3]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_each_layer_overrides_the_one_below_and_says_so(tmp_path: Path) -> None:
    machine = _write(
        tmp_path / "machine.toml",
        'server_url = "https://crm.example"\nlog_level = "warning"\ncache_size_mb = 256\n'
        'language = "de"\ntls_trust = "system"\n',
    )
    user = _write(tmp_path / "settings.toml", 'log_level = "debug"\ncache_size_mb = 128\nlanguage = "en"\n')
    environ = {"WORKSTATION_CACHE_SIZE_MB": "64", "WORKSTATION_LANGUAGE": "fr", "UNRELATED": "x"}
    effective = config.load(
        user, machine_file=machine, environ=environ, cli={"log_level": "error", "server_url": None}
    )
    assert effective.problems == []
    assert effective.config == Config(
        server_url="https://crm.example",  # machine file (the command line did not give one)
        tls_trust="system",
        log_level="error",  # command line over environment, user and machine
        cache_size_mb=64,  # environment over user and machine
        language="fr",
    )
    assert effective.sources["server_url"] == f"machine file {machine}"
    assert effective.sources["log_level"] == "command line"
    assert effective.sources["cache_size_mb"] == "environment WORKSTATION_CACHE_SIZE_MB"
    assert effective.sources["offer_sound"] == "built-in default"
    user_only = config.load(user, machine_file=machine, environ={})
    assert user_only.config.language == "en" and user_only.sources["language"] == f"user settings {user}"


def test_malformed_machine_file_names_file_and_line_and_the_rest_still_applies(tmp_path: Path) -> None:
    machine = _write(tmp_path / "machine.toml", 'server_url = "https://crm.example"\nlog_level = debug\n')
    user = _write(tmp_path / "settings.toml", "offer_sound = false\n")
    effective = config.load(user, machine_file=machine, environ={})
    (problem,) = effective.problems
    assert problem.startswith(f"{machine}: ") and "line 2" in problem and "ignored" in problem
    # the whole broken file is ignored (defaults), the user's own file still applies
    assert effective.config == Config(offer_sound=False)


def test_bad_values_are_ignored_one_by_one_with_their_line(tmp_path: Path) -> None:
    machine = _write(
        tmp_path / "machine.toml",
        '# IT\nserver_url = "crm.example"\ncache_size_mb = 2\nlanguage = "Deutsch!"\n'
        'tls_trust = "none"\nusername = "everyone"\nlog_level = "warning"\n',
    )
    effective = config.load(None, machine_file=machine, environ={})
    assert effective.config == Config(log_level="warning")
    joined = "\n".join(effective.problems)
    for line, text in (
        (2, "server_url must be an http:// or https:// URL"),
        (3, "cache_size_mb must be between 16 and 100000"),
        (4, 'language must be "system" or a language code'),
        (5, 'tls_trust must be one of "bundled", "system"'),
        (6, "username is a per-user value"),
    ):
        assert f"{machine}, line {line}: {text}" in joined


def test_there_is_no_option_to_switch_tls_verification_off(tmp_path: Path) -> None:
    machine = _write(tmp_path / "machine.toml", "tls_verify = false\nverify = false\n")
    effective = config.load(None, machine_file=machine, environ={"WORKSTATION_TLS_VERIFY": "0"})
    assert not any("verify" in name for name in config.OPTIONS)
    assert len(effective.problems) == 2 and all("unknown option" in p for p in effective.problems)


def test_environment_values_are_parsed_and_checked() -> None:
    effective = config.load(
        None,
        machine_file=Path("/nonexistent/config.toml"),
        environ={
            "WORKSTATION_OFFER_SOUND": "off",
            "WORKSTATION_OFFER_POPUP": "perhaps",
            "WORKSTATION_CACHE_SIZE_MB": "lots",
            "WORKSTATION_SERVER_URL": "https://crm.example:8443",
        },
    )
    assert effective.config.offer_sound is False
    assert effective.config.server_url == "https://crm.example:8443"
    assert sorted(effective.problems) == [
        "environment WORKSTATION_CACHE_SIZE_MB='lots': must be a whole number; ignored",
        "environment WORKSTATION_OFFER_POPUP='perhaps': must be true or false; ignored",
    ]


def test_machine_file_can_lock_values_against_users_and_environment(tmp_path: Path) -> None:
    machine = _write(
        tmp_path / "machine.toml",
        'server_url = "https://crm.example"\ntls_trust = "system"\nlocked = ["server_url", "tls_trust"]\n',
    )
    user = _write(tmp_path / "settings.toml", 'server_url = "https://evil.example"\n')
    effective = config.load(
        user,
        machine_file=machine,
        environ={"WORKSTATION_TLS_TRUST": "bundled"},
        cli={"server_url": "https://other.example"},
    )
    assert effective.config.server_url == "https://crm.example"
    assert effective.config.tls_trust == "system"
    assert effective.locked == {"server_url", "tls_trust"}
    assert len(effective.problems) == 3 and all("is locked by machine file" in p for p in effective.problems)
    assert "(locked)" in effective.report()


def test_ca_bundle_must_hold_certificates(tmp_path: Path) -> None:
    not_pem = _write(tmp_path / "ca.pem", "hello\n")
    effective = config.load(
        None,
        machine_file=tmp_path / "none.toml",
        environ={"WORKSTATION_TLS_CA_BUNDLE": str(not_pem)},
    )
    assert effective.config.tls_ca_bundle == ""
    (problem,) = effective.problems
    assert f"{not_pem} holds no usable PEM certificates" in problem
    missing = config.load(
        None, machine_file=tmp_path / "none.toml", environ={"WORKSTATION_TLS_CA_BUNDLE": "/x"}
    )
    assert missing.problems == [
        "environment WORKSTATION_TLS_CA_BUNDLE: tls_ca_bundle /x is not a file; ignored"
    ]


def _print_config(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--basedir", str(tmp_path / "base"), "--print-config", *args],
        env={**{k: v for k, v in os.environ.items() if not k.startswith("WORKSTATION_")}, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_print_config_shows_values_and_origins(tmp_path: Path) -> None:
    machine = _write(tmp_path / "machine.toml", 'server_url = "https://crm.example"\ncache_size_mb = 300\n')
    result = _print_config(
        tmp_path,
        "--log-level",
        "warning",
        WORKSTATION_MACHINE_CONFIG=str(machine),
        WORKSTATION_LANGUAGE="de",
    )
    assert result.returncode == 0, result.stderr
    lines = {line.split("=")[0].strip(): line for line in result.stdout.splitlines() if "=" in line}
    assert lines["server_url"].split("#")[1].strip() == f"machine file {machine}"
    assert '"https://crm.example"' in lines["server_url"]
    assert lines["language"].endswith("# environment WORKSTATION_LANGUAGE")
    assert lines["log_level"].endswith("# command line") and '"warning"' in lines["log_level"]
    assert lines["tls_trust"].endswith("# built-in default")
    # it only reads: no directories are made for a --print-config
    assert not (tmp_path / "base").exists()


def test_print_config_exits_1_and_names_the_problem(tmp_path: Path) -> None:
    machine = _write(tmp_path / "machine.toml", "server_url = [\n")
    result = _print_config(tmp_path, WORKSTATION_MACHINE_CONFIG=str(machine))
    assert result.returncode == 1
    assert f"configuration problem: {machine}: " in result.stderr and "line " in result.stderr
    assert 'server_url    = ""' in result.stdout  # defaults apply
