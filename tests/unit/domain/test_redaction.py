"""Redaction: secrets by value and by shape, customer identifiers, and ordinary text left alone."""

from __future__ import annotations

from workstation.domain.redaction import Redactor, customer_pattern


def test_known_secrets_and_secret_shapes_are_removed() -> None:
    redactor = Redactor()
    redactor.add_secret("s3cr3t-session-token-value")
    text = (
        "GET /x token s3cr3t-session-token-value\n"
        "> Authorization: Bearer abcDEF123._-~+/=\n"
        '{"customer_token": "ct_98765", "password": "hunter22", "api_key": "k-1234"}\n'
        "/stream?after=3&token=qwerty123&log_id=4"
    )
    cleaned = redactor.secrets(text)
    for secret in ("s3cr3t-session-token-value", "abcDEF123", "ct_98765", "hunter22", "k-1234", "qwerty123"):
        assert secret not in cleaned
    assert "Authorization: Bearer ‹redacted›" in cleaned
    assert '"customer_token": "‹redacted›"' in cleaned
    assert "after=3&token=‹redacted›&log_id=4" in cleaned


def test_ordinary_log_lines_stay_readable() -> None:
    line = (
        "2026-11-25 10:00:00,123 INFO workstation.services.sync: push stream connected; "
        "skipped event 1234 (message); the sign-in token is kept in memory only"
    )
    assert Redactor().everything(line, customer_pattern(["Jana Kowalski"])) == line


def test_customer_identifiers_whole_and_in_parts() -> None:
    pattern = customer_pattern(["Jana Kowalski", "jana.k@example.org", "+49 170 555-0199", "Li"])
    text = "Jana wrote from JANA.K@EXAMPLE.ORG, call +491705550199 or +49 170 555-0199; kowalski; Li Wei"
    cleaned = Redactor().everything(text, pattern)
    assert "Jana" not in cleaned and "kowalski" not in cleaned.lower()
    assert "555" not in cleaned and "example.org" not in cleaned.lower()
    assert "Li Wei" in cleaned  # too short to redact alone without eating ordinary words


def test_any_email_address_and_card_numbers_go_even_if_unknown() -> None:
    cleaned = Redactor().everything("from someone@else.example paid with 4111 1111 1111 1111 ok", None)
    assert cleaned == "from ‹email› paid with ‹number› ok"
