"""Invoices and usage alerts written through both sides of their relationships, then read back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ecommerce.models import Customer, Plan, Subscription
from saas.alerts import UsageAlert
from saas.invoices import Invoice

MARCH, APRIL, MAY = datetime(2024, 3, 1), datetime(2024, 4, 1), datetime(2024, 5, 1)


def test_invoices_read_back_in_period_order(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        subscription = Subscription(
            customer=Customer(email="ada@example.com", name="Ada"),
            plan=Plan(code="pro", name="Pro", monthly_price_cents=4900),
            current_period_start=APRIL,
            current_period_end=MAY,
        )
        subscription.invoices.append(Invoice(period_start=APRIL, period_end=MAY, amount_cents=7))
        session.add(
            Invoice(subscription=subscription, period_start=MARCH, period_end=APRIL, amount_cents=5)
        )
        session.commit()
        subscription_id = subscription.id

    with session_factory() as session:
        subscription = session.get(Subscription, subscription_id)
        assert subscription is not None
        assert [(i.period_start, i.amount_cents) for i in subscription.invoices] == [
            (MARCH, 5),
            (APRIL, 7),
        ]
        assert all(i.subscription is subscription for i in subscription.invoices)


def test_usage_alert_backref_reads_back(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        customer = Customer(email="grace@example.com", name="Grace")
        session.add(UsageAlert(customer=customer, metric="api_calls", threshold=1000))
        session.commit()
        customer_id = customer.id

    with session_factory() as session:
        alert = session.scalars(select(UsageAlert)).one()
        assert alert.customer.id == customer_id
        assert [a.metric for a in alert.customer.usage_alerts] == ["api_calls"]
