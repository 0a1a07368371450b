"""The customer header names the upstream system of each field and links the upstream record, with
whatever the backend or the upstream system reports shown as text and only http(s) links offered."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from workstation.domain.models import FieldSource
from workstation.services.records import CustomerView
from workstation.ui.conversation_view import CustomerHeader

pytestmark = pytest.mark.gui


def test_fields_are_labelled_with_their_system_and_only_web_links_are_offered(qtbot: QtBot) -> None:
    header = CustomerHeader()
    qtbot.addWidget(header)
    header.show_sources(
        [
            FieldSource(
                connector="erp",
                system="tryton",
                record="party.party,7",
                url="https://erp.example/#p/7",
                fields=["email"],
            ),
            FieldSource(
                connector="evil",
                system="<img src=file:///x>",
                record="r",
                url="javascript:alert(1)",
                fields=["phone"],
            ),
        ]
    )
    header.show_contact(CustomerView(None, {"email": "a@example.org", "phone": "+49 1"}, frozenset()))
    text = header.contact_label.text()
    assert "E-mail · Tryton: a@example.org" in text
    assert "Phone · <img src=file:///x>: +49 1" in text  # the system's name as the literal characters
    assert "Company: —" in text  # a field no system owns keeps its plain label
    links = header.sources_label.text()
    assert links == '<a href="https://erp.example/#p/7">Open in Tryton</a>'
    assert "javascript" not in links and "<img" not in links
    assert not header.sources_label.isHidden()

    header.show_sources([])
    assert header.sources_label.isHidden()
    header.show_contact(CustomerView(None, {"email": "a@example.org"}, frozenset()))
    assert "E-mail: a@example.org" in header.contact_label.text()
