"""Rows written through the models and ``saas.usage``, then read back in a new session."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ecommerce.models import Customer, Plan, Subscription
from saas.models import UsageEvent
from saas.usage import UsageTotal, current_period_usage, record_usage, usage_totals, utcnow

PERIOD_START = datetime(2024, 3, 1)
PERIOD_END = datetime(2024, 4, 1)
TICK = timedelta(microseconds=1)


def _subscribe(session: Session, email: str, plan_code: str = "pro") -> Subscription:
    plan = session.scalars(select(Plan).where(Plan.code == plan_code)).one_or_none()
    if plan is None:
        plan = Plan(code=plan_code, name=plan_code.title(), monthly_price_cents=4900)
    subscription = Subscription(
        customer=Customer(email=email, name=email.split("@")[0]),
        plan=plan,
        current_period_start=PERIOD_START,
        current_period_end=PERIOD_END,
    )
    session.add(subscription)
    session.flush()
    return subscription


def test_event_subscription_reads_back(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        subscription = _subscribe(session, "ada@example.com")
        session.add(
            UsageEvent(
                subscription=subscription,
                metric="api_calls",
                quantity=3,
                occurred_at=PERIOD_START,
            )
        )
        session.commit()
        subscription_id = subscription.id

    with session_factory() as session:
        event = session.scalars(select(UsageEvent)).one()
        assert event.subscription_id == subscription_id
        assert event.subscription.id == subscription_id
        assert event.subscription.customer.email == "ada@example.com"
        assert event.subscription.status == "active"


def test_subscription_usage_events_backref_writes_and_reads_back(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session:
        subscription = _subscribe(session, "grace@example.com")
        subscription.usage_events.append(
            UsageEvent(metric="seats", quantity=5, occurred_at=PERIOD_START)
        )
        subscription.usage_events.append(
            UsageEvent(metric="api_calls", quantity=7, occurred_at=PERIOD_START + TICK)
        )
        session.commit()
        subscription_id = subscription.id

    with session_factory() as session:
        subscription = session.get(Subscription, subscription_id)
        assert subscription is not None
        events = sorted(subscription.usage_events, key=lambda event: event.occurred_at)
        assert [(e.metric, e.quantity) for e in events] == [("seats", 5), ("api_calls", 7)]
        assert all(e.subscription is subscription for e in events)
        stored = session.scalars(select(UsageEvent.subscription_id)).all()
        assert stored == [subscription_id, subscription_id]


def test_record_usage_persists_event(session_factory: sessionmaker[Session]) -> None:
    at = datetime(2024, 3, 15, 12, 30, 45, 123456)
    with session_factory() as session:
        subscription = _subscribe(session, "linus@example.com")
        event = record_usage(session, subscription, "api_calls", 42, occurred_at=at)
        session.commit()
        event_id, subscription_id = event.id, subscription.id

    with session_factory() as session:
        event = session.get(UsageEvent, event_id)
        assert event is not None
        assert (event.subscription_id, event.metric, event.quantity, event.occurred_at) == (
            subscription_id,
            "api_calls",
            42,
            at,
        )


def test_record_usage_defaults_to_now(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        before = utcnow()
        event = record_usage(session, _subscribe(session, "now@example.com"), "api_calls", 1)
        session.commit()
        after = utcnow()
        event_id = event.id

    with session_factory() as session:
        event = session.get(UsageEvent, event_id)
        assert event is not None
        assert before <= event.occurred_at <= after


@pytest.mark.parametrize("quantity", [0, -1])
def test_record_usage_rejects_non_positive_quantity(
    session_factory: sessionmaker[Session], quantity: int
) -> None:
    with session_factory() as session:
        subscription = _subscribe(session, "zero@example.com")
        with pytest.raises(ValueError, match="must be positive"):
            record_usage(session, subscription, "api_calls", quantity)
        session.commit()

    with session_factory() as session:
        assert session.scalars(select(UsageEvent)).all() == []


def test_usage_totals_group_by_subscription_and_metric(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session:
        ada = _subscribe(session, "ada@example.com")
        bob = _subscribe(session, "bob@example.com", plan_code="team")
        for subscription, metric, quantity in [
            (ada, "api_calls", 100),
            (ada, "api_calls", 20),
            (ada, "storage_gb", 3),
            (bob, "api_calls", 5),
            (bob, "api_calls", 6),
        ]:
            record_usage(session, subscription, metric, quantity, occurred_at=PERIOD_START)
        session.commit()
        ada_id, bob_id = ada.id, bob.id

    with session_factory() as session:
        totals = usage_totals(session, PERIOD_START, PERIOD_END)
        only_bob = usage_totals(session, PERIOD_START, PERIOD_END, subscription_id=bob_id)

    assert totals == [
        UsageTotal(ada_id, "api_calls", 120),
        UsageTotal(ada_id, "storage_gb", 3),
        UsageTotal(bob_id, "api_calls", 11),
    ]
    assert only_bob == [UsageTotal(bob_id, "api_calls", 11)]


def test_billing_period_is_half_open(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        subscription = _subscribe(session, "edge@example.com")
        for quantity, at in [
            (1, PERIOD_START - TICK),  # previous period
            (10, PERIOD_START),
            (100, PERIOD_END - TICK),
            (1000, PERIOD_END),  # next period
        ]:
            record_usage(session, subscription, "api_calls", quantity, occurred_at=at)
        session.commit()
        subscription_id = subscription.id

    with session_factory() as session:
        subscription = session.get(Subscription, subscription_id)
        assert subscription is not None
        assert current_period_usage(session, subscription) == {"api_calls": 110}
        next_period = usage_totals(session, PERIOD_END, PERIOD_END + timedelta(days=30))
        assert next_period == [UsageTotal(subscription_id, "api_calls", 1000)]


def test_current_period_usage_is_empty_without_events(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session:
        subscription = _subscribe(session, "idle@example.com")
        session.commit()
        assert current_period_usage(session, subscription) == {}


@pytest.mark.parametrize("end", [PERIOD_START, PERIOD_START - TICK], ids=["empty", "reversed"])
def test_usage_totals_rejects_empty_period(end: datetime) -> None:
    with Session() as session, pytest.raises(ValueError, match="empty billing period"):
        usage_totals(session, PERIOD_START, end)
