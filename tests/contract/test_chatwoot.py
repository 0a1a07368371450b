"""The Chatwoot client against a stand-in built from Chatwoot's own OpenAPI document: every request
it sends and every answer it accepts is validated with openapi-core; hostile answers (wrong types,
missing fields, HTML, 429 with Retry-After, 5xx) give clear errors and back off, and lose nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.contract.spec_standin import Answer, SpecStandIn
from workstation.server.channels.chatwoot import ChatwootClient, ChatwootError, RetryPolicy
from workstation.server.channels.upstream import MAX_RETRY_AFTER_S

pytestmark = pytest.mark.contract

ACCOUNT = 7
CONVERSATIONS = "/api/v1/accounts/{account_id}/conversations"
MESSAGES = "/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages"
CONTACT = "/api/v1/accounts/{account_id}/contacts/{id}"


@pytest.fixture(scope="module")
def standin() -> Iterator[SpecStandIn]:
    server = SpecStandIn("chatwoot_application_swagger.json").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def chatwoot(standin: SpecStandIn) -> Iterator[SpecStandIn]:
    standin.exchanges.clear()
    standin.violations.clear()
    yield standin
    assert standin.violations == [], "requests or answers broke Chatwoot's spec"


class Client:
    """The client with its sleeps recorded instead of waited (backoff is asserted, not timed)."""

    def __init__(self, standin: SpecStandIn, attempts: int = 4) -> None:
        self.slept: list[float] = []

        async def sleep(seconds: float) -> None:
            self.slept.append(seconds)

        self.api = ChatwootClient(
            standin.url, ACCOUNT, "token-under-test", retry=RetryPolicy(attempts=attempts), sleep=sleep
        )

    def run(self, coro_factory: Any) -> Any:
        async def main() -> Any:
            try:
                return await coro_factory(self.api)
            finally:
                await self.api.close()

        return asyncio.run(main())


def _with(**fields: Any) -> Any:
    def patch(body: Any) -> Any:
        body.update(fields)
        return body

    return patch


def _message_patch(**fields: Any) -> Any:
    def patch(body: Any) -> Any:
        body["payload"] = [{**body["payload"][0], **fields}]
        return body

    return patch


# --- spec-valid exchanges ------------------------------------------------------------------------


def test_open_conversations_are_listed_from_the_spec_shaped_answer(chatwoot: SpecStandIn) -> None:
    conversations = Client(chatwoot).run(lambda api: api.conversations())
    expected = chatwoot.default("GET", CONVERSATIONS)["data"]["payload"]
    assert [c.id for c in conversations] == [int(item["id"]) for item in expected]
    (call,) = chatwoot.calls("GET", CONVERSATIONS)
    assert call.query == {"status": "open", "page": "1"}
    assert call.headers["api_access_token"] == "token-under-test"


def test_messages_of_a_conversation_are_read(chatwoot: SpecStandIn) -> None:
    chatwoot.script(
        "GET", MESSAGES, Answer(patch=_message_patch(id=41, content="Wo ist mein Paket?", message_type=0))
    )
    (message,) = Client(chatwoot).run(lambda api: api.messages(12))
    assert (message.id, message.content, message.message_type) == (41, "Wo ist mein Paket?", 0)
    assert chatwoot.calls("GET", MESSAGES)[0].path == f"/api/v1/accounts/{ACCOUNT}/conversations/12/messages"


def test_a_contact_maps_to_name_email_and_phone(chatwoot: SpecStandIn) -> None:
    def patch(body: Any) -> Any:
        body["payload"].update(id=5, name="Jana Kowalski", email="jana@example.org", phone_number="+4930123")
        return body

    chatwoot.script("GET", CONTACT, Answer(patch=patch))
    contact = Client(chatwoot).run(lambda api: api.contact(5))
    assert (contact.id, contact.name, contact.email, contact.phone) == (
        5,
        "Jana Kowalski",
        "jana@example.org",
        "+4930123",
    )


def test_a_reply_is_posted_as_the_spec_defines_the_body(chatwoot: SpecStandIn) -> None:
    chatwoot.script("POST", MESSAGES, Answer(patch=_with(id=99, message_type=1, created_at=1767225600)))
    message = Client(chatwoot).run(lambda api: api.reply(12, "Ihr Paket kommt morgen.", echo_id="desk-m-1"))
    assert message.id == 99
    (call,) = chatwoot.calls("POST", MESSAGES)
    assert call.body["content"] == "Ihr Paket kommt morgen." and call.body["message_type"] == "outgoing"
    assert call.body["content_attributes"] == {"echo_id": "desk-m-1"}


def test_the_validator_is_not_vacuous_a_request_off_spec_is_caught(standin: SpecStandIn) -> None:
    standin.violations.clear()
    url = f"{standin.url}/api/v1/accounts/{ACCOUNT}/conversations/12/messages"
    httpx.post(url, json={"message_type": "sideways"}, headers={"api_access_token": "t"}, trust_env=False)
    assert any("request POST" in v for v in standin.violations)
    standin.violations.clear()


def test_every_default_answer_used_here_passes_the_spec(chatwoot: SpecStandIn) -> None:
    client = Client(chatwoot)

    async def all_of_them(api: ChatwootClient) -> None:
        await api.conversations()
        await api.messages(3)
        await api.contact(4)

    client.run(all_of_them)
    assert len(chatwoot.exchanges) == 3  # and the fixture asserts no violation


# --- exactly once -------------------------------------------------------------------------------


def test_a_reply_whose_post_failed_after_reaching_chatwoot_is_not_posted_twice(chatwoot: SpecStandIn) -> None:
    chatwoot.script(
        "POST", MESSAGES, Answer(status=502, raw="<html>Bad gateway</html>", content_type="text/html")
    )
    chatwoot.script(
        "GET",
        MESSAGES,
        Answer(patch=_message_patch(id=77, message_type=1, content_attributes={"echo_id": "desk-m-2"})),
    )
    message = Client(chatwoot).run(lambda api: api.reply(12, "Hallo", echo_id="desk-m-2"))
    assert message.id == 77
    assert len(chatwoot.calls("POST", MESSAGES)) == 1


def test_a_reply_that_did_not_arrive_is_posted_again_once(chatwoot: SpecStandIn) -> None:
    chatwoot.script("POST", MESSAGES, Answer(status=503, raw="down", content_type="text/plain"))
    chatwoot.script("GET", MESSAGES, Answer(patch=_message_patch(id=5, content_attributes={})))
    chatwoot.script("POST", MESSAGES, Answer(patch=_with(id=78, message_type=1, created_at=1)))
    message = Client(chatwoot).run(lambda api: api.reply(12, "Hallo", echo_id="desk-m-3"))
    assert message.id == 78
    assert len(chatwoot.calls("POST", MESSAGES)) == 2


# --- hostile answers ----------------------------------------------------------------------------


def test_429_waits_out_retry_after_then_succeeds(chatwoot: SpecStandIn) -> None:
    chatwoot.script(
        "GET",
        CONVERSATIONS,
        Answer(status=429, raw="", content_type="text/plain", headers={"Retry-After": "7"}),
    )
    client = Client(chatwoot)
    assert client.run(lambda api: api.conversations())
    assert client.slept == [7.0]
    assert len(chatwoot.calls("GET", CONVERSATIONS)) == 2


def test_an_absurd_retry_after_is_capped(chatwoot: SpecStandIn) -> None:
    chatwoot.script(
        "GET",
        CONVERSATIONS,
        Answer(status=429, raw="", content_type="text/plain", headers={"Retry-After": "86400"}),
    )
    client = Client(chatwoot)
    client.run(lambda api: api.conversations())
    assert client.slept == [MAX_RETRY_AFTER_S]


def test_a_429_on_a_reply_is_not_looked_up_just_retried(chatwoot: SpecStandIn) -> None:
    chatwoot.script(
        "POST", MESSAGES, Answer(status=429, raw="", content_type="text/plain", headers={"Retry-After": "1"})
    )
    chatwoot.script("POST", MESSAGES, Answer(patch=_with(id=80, message_type=1, created_at=1)))
    assert Client(chatwoot).run(lambda api: api.reply(12, "x", echo_id="desk-m-4")).id == 80
    assert chatwoot.calls("GET", MESSAGES) == []


def test_5xx_backs_off_exponentially_then_gives_a_retryable_error(chatwoot: SpecStandIn) -> None:
    for _ in range(4):
        chatwoot.script("GET", CONVERSATIONS, Answer(status=500, raw="oops", content_type="text/plain"))
    client = Client(chatwoot, attempts=4)
    with pytest.raises(ChatwootError) as caught:
        client.run(lambda api: api.conversations())
    assert caught.value.retryable and caught.value.status == 500
    assert client.slept == [0.5, 1.0, 2.0, 4.0]
    assert len(chatwoot.calls("GET", CONVERSATIONS)) == 4


def test_an_html_page_instead_of_json_is_a_clear_error(chatwoot: SpecStandIn) -> None:
    chatwoot.script(
        "GET", CONVERSATIONS, Answer(raw="<html><body>Login</body></html>", content_type="text/html")
    )
    with pytest.raises(ChatwootError, match=r"list conversations: answered text/html.*not JSON.*Login"):
        Client(chatwoot).run(lambda api: api.conversations())


def test_an_html_error_page_is_quoted_bounded(chatwoot: SpecStandIn) -> None:
    chatwoot.script(
        "GET", CONTACT, Answer(status=404, raw="<html>" + "x" * 5000 + "</html>", content_type="text/html")
    )
    with pytest.raises(ChatwootError) as caught:
        Client(chatwoot).run(lambda api: api.contact(9))
    assert not caught.value.retryable and caught.value.status == 404
    assert len(str(caught.value)) < 300


def test_an_id_of_the_wrong_type_is_refused_by_name(chatwoot: SpecStandIn) -> None:
    chatwoot.script("GET", MESSAGES, Answer(patch=_message_patch(id="forty-one"), hostile=True))
    with pytest.raises(ChatwootError, match=r"'id' should be int, got str"):
        Client(chatwoot).run(lambda api: api.messages(12))


def test_a_missing_payload_is_refused(chatwoot: SpecStandIn) -> None:
    chatwoot.script("GET", CONVERSATIONS, Answer(body={"data": {"meta": {}}}))
    with pytest.raises(ChatwootError, match=r"lacks 'payload'"):
        Client(chatwoot).run(lambda api: api.conversations())


def test_a_message_without_its_id_is_refused(chatwoot: SpecStandIn) -> None:
    def patch(body: Any) -> Any:
        body["payload"][0].pop("id")
        return body

    chatwoot.script("GET", MESSAGES, Answer(patch=patch))
    with pytest.raises(ChatwootError, match=r"message: answer lacks 'id'"):
        Client(chatwoot).run(lambda api: api.messages(12))


def test_json_that_does_not_parse_is_a_clear_error(chatwoot: SpecStandIn) -> None:
    chatwoot.script(
        "GET", CONTACT, Answer(raw='{"payload": {', content_type="application/json", hostile=True)
    )
    with pytest.raises(ChatwootError, match=r"not valid JSON"):
        Client(chatwoot).run(lambda api: api.contact(1))


def test_a_refused_token_is_not_retried(chatwoot: SpecStandIn) -> None:
    chatwoot.script(
        "GET", CONVERSATIONS, Answer(status=401, body={"description": "Invalid token", "errors": []})
    )
    client = Client(chatwoot)
    with pytest.raises(ChatwootError) as caught:
        client.run(lambda api: api.conversations())
    assert caught.value.status == 401 and not caught.value.retryable
    assert client.slept == [] and len(chatwoot.calls("GET", CONVERSATIONS)) == 1


def test_an_unreachable_chatwoot_is_a_retryable_network_error() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def main() -> None:
        api = ChatwootClient("http://127.0.0.1:9", ACCOUNT, "t", retry=RetryPolicy(attempts=2), sleep=sleep)
        try:
            await api.conversations()
        finally:
            await api.close()

    with pytest.raises(ChatwootError, match="network error") as caught:
        asyncio.run(main())
    assert caught.value.retryable and slept == [0.5, 1.0]
