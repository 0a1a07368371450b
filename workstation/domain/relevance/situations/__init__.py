"""Situations by area; `Finder` runs them all over one bucketed history."""

from __future__ import annotations

from workstation.domain.relevance.situations.base import FinderBase, History, Situation
from workstation.domain.relevance.situations.orders import OrderSituations
from workstation.domain.relevance.situations.products import ProductSituations
from workstation.domain.relevance.situations.service import ServiceSituations
from workstation.domain.relevance.situations.signals import SignalSituations
from workstation.domain.relevance.situations.visit import VisitSituations

__all__ = ["Finder", "FinderBase", "History", "Situation"]


class Finder(OrderSituations, ServiceSituations, ProductSituations, VisitSituations, SignalSituations):
    """Turns a bucketed history into situations: one method per area (orders, service, products
    the customer has, the web visit and the customer's requests, smaller signals), each adding to
    `found`."""
