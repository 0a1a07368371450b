"""Why a chat was offered to this agent, in plain words: "Gold customer, 31 minutes on product pages
→ Senior Sales, step 1 of 2"; the expressions and values stay in the tooltip for team leads.

The backend sends its reasoning as structured fields (`RoutingReason`); the facts are the task's
attribute values that decided (`customer.tier = gold`, `minutes_on_product_pages = 31 ≥ 30`). The
attributes people know get a phrase in the agent's language; any other is shown as the backend wrote
it. Queue and filter names are the team lead's names, shown as they are.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication

from workstation.domain.messages import QT_TRANSLATE_NOOP  # typed (str -> str); lupdate knows the name
from workstation.domain.models import RoutingReason
from workstation.ui.labels import language_name, tier_name
from workstation.ui.language import money_text, number_text

CONTEXT = "routing"
_FACT = re.compile(r"^(?P<name>[\w.]+) = (?P<value>.+?)(?: (?P<op>[≥≤<>=≠]+) (?P<limit>\S+))?$")

#: attribute (last segment) -> phrase; {0} is the value as the agent reads it.
PHRASES = {
    "tier": QT_TRANSLATE_NOOP("routing", "{0} customer"),
    "value_tier": QT_TRANSLATE_NOOP("routing", "{0} customer"),
    "minutes_on_product_pages": QT_TRANSLATE_NOOP("routing", "{0} minutes on product pages"),
    "language": QT_TRANSLATE_NOOP("routing", "writes {0}"),
    "open_complaint": QT_TRANSLATE_NOOP("routing", "complaint still open"),
    "churn_risk": QT_TRANSLATE_NOOP("routing", "churn risk {0} %"),
    "topic": QT_TRANSLATE_NOOP("routing", "topic: {0}"),
    "cart_value": QT_TRANSLATE_NOOP("routing", "cart worth {0}"),
    "clv": QT_TRANSLATE_NOOP("routing", "customer value {0}"),
}


def fact_text(fact: str) -> str:
    """One deciding value in plain words; the backend's text when the attribute has no phrase."""
    match = _FACT.match(fact.strip())
    if match is None:
        return fact
    name = match["name"].rsplit(".", 1)[-1]
    value = match["value"].strip("'\"")
    phrase = PHRASES.get(name)
    if phrase is None:
        return fact
    if name in ("tier", "value_tier"):
        value = tier_name(value)
    elif name == "language":
        value = language_name(value)
    elif name in ("cart_value", "clv"):
        value = _number(value, money=True)
    elif name == "churn_risk":
        value = _number(value, percent=True)
    elif name == "minutes_on_product_pages":
        value = _number(value)
    elif value == "true":
        value = ""
    return QCoreApplication.translate(CONTEXT, phrase).format(value)


def _number(text: str, *, money: bool = False, percent: bool = False) -> str:
    try:
        number = float(text)
    except ValueError:
        return text
    if percent:
        return number_text(number * 100)
    if money:
        return money_text(number, decimals=0 if number.is_integer() else 2)
    return number_text(number, 0 if number.is_integer() else 1)


def summary_text(reason: RoutingReason) -> str:
    """The one line on the offer card."""
    facts = [fact_text(f) for f in reason.facts if not f.startswith("NOT (")]
    head = ", ".join(facts) or reason.filter or QCoreApplication.translate("routing", "no filter matched")
    if reason.filter is None:
        return QCoreApplication.translate("routing", "{0} → {1} (default queue), step {2} of {3}").format(
            head, reason.queue, reason.step, reason.steps
        )
    return QCoreApplication.translate("routing", "{0} → {1}, step {2} of {3}").format(
        head, reason.queue, reason.step, reason.steps
    )


def details_text(reason: RoutingReason) -> str:
    """Several lines for the tooltip: the filter, its expression and values, the step and the agents'
    expression (as written: team leads read and tune them)."""
    if reason.filter is None:
        lines = [QCoreApplication.translate("routing", "No workflow filter matched: default queue.")]
    else:
        head = QCoreApplication.translate("routing", "Filter: {0}").format(reason.filter)
        if reason.filter_expression:
            head += f"  ({reason.filter_expression})"
        lines = [head, *(f"  • {fact}" for fact in reason.facts)]
    lines.append(
        QCoreApplication.translate("routing", "Step {0} of {1}: queue {2}").format(
            reason.step, reason.steps, reason.queue
        )
    )
    if reason.worker_expression:
        lines.append(QCoreApplication.translate("routing", "Agents: {0}").format(reason.worker_expression))
        lines += [f"  • {fact}" for fact in reason.worker_facts]
    return "\n".join(lines)
