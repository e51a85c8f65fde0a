"""Customers subscribe to plans; a subscription is billed one period at a time.

Times are naive UTC ``datetime`` values, so that SQLite and PostgreSQL store and return the same
thing. Usage metered against a subscription lives in ``saas.models``, which this module must not
import: ``saas.models.UsageEvent`` adds ``Subscription.usage_events`` through its backref. A
subscription's invoices are ``saas.invoices.Invoice``, the other side of ``Subscription.invoices``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Base

if TYPE_CHECKING:
    from saas.invoices import Invoice


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    subscriptions: Mapped[list[Subscription]] = relationship(back_populates="customer")


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    monthly_price_cents: Mapped[int]

    subscriptions: Mapped[list[Subscription]] = relationship(back_populates="plan")


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    status: Mapped[str] = mapped_column(String(20), default="active")
    current_period_start: Mapped[datetime]
    current_period_end: Mapped[datetime]

    customer: Mapped[Customer] = relationship(back_populates="subscriptions")
    plan: Mapped[Plan] = relationship(back_populates="subscriptions")
    invoices: Mapped[list[Invoice]] = relationship(
        back_populates="subscription", order_by="Invoice.period_start"
    )


import saas.invoices as _invoices  # noqa: E402, F401
