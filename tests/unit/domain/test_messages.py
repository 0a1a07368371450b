"""Domain texts as message ids: English for the command line, template and parameters for the desk."""

from __future__ import annotations

import pickle

from workstation.domain import messages
from workstation.domain.messages import Joined, Money, Msg, refusal
from workstation.domain.relevance import load_catalog
from workstation.domain.routing_expr import compile_expression

VOUCHER_POLICY = (
    "situation.service_failure == true"
    " AND (customer.value_tier IN ['gold', 'platinum'] OR customer.clv >= 2000)"
)


def _scope(failure: bool, tier: str, clv: float) -> dict[str, object]:
    return {"situation": {"service_failure": failure}, "customer": {"value_tier": tier, "clv": clv}}


def test_a_message_is_its_english_text_and_keeps_template_and_parameters() -> None:
    msg = Msg(messages.TIER_CUSTOMER, tier="Gold", clv=Money(2345.0))
    assert msg == "Gold customer, CLV 2,345 €"
    assert msg.template == messages.TIER_CUSTOMER
    assert msg.params["tier"] == "Gold"
    copy = pickle.loads(pickle.dumps(msg))
    assert copy == msg and isinstance(copy, Msg) and copy.template == msg.template


def test_a_policy_refusal_names_only_what_is_missing_in_plain_words() -> None:
    policy = compile_expression(VOUCHER_POLICY)
    # Service failure given: only the OR of tier and value is missing, both alternatives named.
    unmet = policy.unmet(_scope(True, "bronze", 302.0), {})
    assert unmet is not None
    assert refusal("Apologise + voucher", unmet) == (
        "Apologise + voucher only for gold/platinum customers (this customer: bronze)"
        " or from a customer value of 2,000 € (this customer: 302 €)"
    )
    # Nothing given: the AND lists both requirements.
    text = refusal("Apologise + voucher", policy.unmet(_scope(False, "bronze", 302.0), {}) or ("and", ()))
    assert text.startswith("Apologise + voucher only after a service failure on our side and for gold")
    # A value that satisfies the OR leaves only the service failure.
    assert refusal("V", policy.unmet(_scope(False, "gold", 0.0), {}) or ("and", ())) == (
        "V only after a service failure on our side"
    )
    assert policy.unmet(_scope(True, "silver", 2500.0), {}) is None


def test_an_unknown_condition_falls_back_to_the_expression() -> None:
    policy = compile_expression("customer.shoe_size >= 44")
    unmet = policy.unmet({"customer": {"shoe_size": 40}}, {})
    assert unmet is not None
    assert refusal("Boots", unmet) == "Boots only if customer.shoe_size >= 44"


def test_joined_parts_stay_separate_for_translation() -> None:
    joined = Joined(["gold", "platinum"], "/")
    assert joined == "gold/platinum" and joined.parts == ("gold", "platinum")


def test_every_catalogue_label_and_title_is_marked_for_translation() -> None:
    marked = set(messages.CATALOG_TEXTS)
    for spec in load_catalog().actions:
        assert spec.label in marked, spec.label
        for title in {spec.title, *spec.titles.values()}:
            assert title in marked, title


def test_a_refusal_from_the_wire_is_a_message_only_with_a_known_template_and_plain_params() -> None:
    from workstation.domain.messages import NO_OFFER, from_wire, wire_params

    sent = Msg(NO_OFFER, offer_id="o-1")
    params = wire_params(sent)
    assert params == {"offer_id": "o-1"}
    received = from_wire(str(sent), NO_OFFER, params)
    assert isinstance(received, Msg) and received == "No offer o-1." and received.params == params
    assert wire_params("plain text") is None
    assert not isinstance(from_wire("No offer o-1.", "No offer {offer_id} at {x.__class__}.", params), Msg)
    assert not isinstance(from_wire("No offer o-1.", NO_OFFER, {"offer_id": {"nested": 1}}), Msg)
    assert not isinstance(from_wire("No offer o-1.", NO_OFFER, {"offer_id": "x" * 1000}), Msg)
    assert not isinstance(from_wire("No offer o-1.", NO_OFFER, ["o-1"]), Msg)
