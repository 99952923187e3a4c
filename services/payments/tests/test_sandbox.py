"""The sandbox's hosted page and its events: paying with 4242, a declined card, a number that is no test card,
the page's own policy and language, expiry by the housekeeping, and the events it posts, signed as Stripe signs
(Stripe's own SDK verifies them) and retried until the webhook takes them."""

from __future__ import annotations

import json
import re

import pytest
import stripe
from payments_support import SANDBOX_SECRET, SERVICE, open_payment, payment

from payments import sandbox
from payments.models import Event, Payment, SandboxEvent, SandboxSession, db
from payments.service import check_expired, forget_openings

CARD = {"number": "4242 4242 4242 4242", "expiry": "12/40", "cvc": "123", "name": "Ada Lovelace"}
DECLINED = {**CARD, "number": "4000-0000-0000-0002"}


@pytest.fixture
def page(app, client):
    state = open_payment(client)
    return state["redirect_url"].removeprefix("http://shop.test")


def _owed(app):
    with app.app_context():
        return [json.loads(body)["type"] for body in db.session.scalars(
            db.select(SandboxEvent.body).where(SandboxEvent.delivered_at.is_(None)).order_by(SandboxEvent.id))]


def _deliver(app):
    with app.app_context():
        return sandbox.deliver_events()


def test_the_page_shows_the_order_and_a_card_form(client, page):
    response = client.get(page)
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html and "204-118-377" in html and "Pay 45.00 USD" in html
    for name, autocomplete in (("number", "cc-number"), ("expiry", "cc-exp"), ("cvc", "cc-csc"), ("name", "cc-name")):
        assert f'<label for="{name}">' in html
        assert re.search(rf'id="{name}" name="{name}" type="text" autocomplete="{autocomplete}"', html)
    assert 'href="http://shop.test/orders/12/payment?left=1"' in html  # cancel: the session stays open
    assert 'name="viewport" content="width=device-width' in html
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "form-action 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src" not in policy  # no script at all
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Content-Language"] == "en"


def test_the_page_speaks_russian_when_asked(client, page):
    response = client.get(page, headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    html = response.get_data(as_text=True)
    assert '<html lang="ru">' in html and "Оплатить 45.00 USD" in html
    assert response.headers["Content-Language"] == "ru" and "Accept-Language" in response.headers["Vary"]
    assert '<html lang="en">' in client.get(page, headers={"Accept-Language": "de"}).get_data(as_text=True)


def test_its_stylesheet_is_served_by_payments(client, page):
    html = client.get(page).get_data(as_text=True)
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)[1]
    response = client.get(href)
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert "@media" in response.get_data(as_text=True)


def test_its_icon_is_its_own_so_the_browser_never_asks_for_favicon_ico(client, page):
    """Without a declared icon a browser asks the origin for /favicon.ico, which the gateway answers 404."""
    for html in (client.get(page).get_data(as_text=True),
                 client.get("/api/payments/sandbox/cs_test_nosuchsession/").get_data(as_text=True)):
        href = re.search(r'<link rel="icon" href="([^"]+)"', html)[1]
        assert href.startswith("/api/payments/sandbox/static/")  # the page's policy: img-src 'self'
        response = client.get(href)
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert client.get("/api/payments/sandbox/static/base.html").status_code == 404


def test_an_unknown_session_is_a_404_page(client):
    for path in ("/api/payments/sandbox/cs_test_nosuchsession/", "/api/payments/sandbox/not-an-id/"):
        response = client.get(path)
        assert response.status_code == 404 and response.mimetype == "text/html"
        assert "Payment page not found" in response.get_data(as_text=True)
        assert "form-action 'self'" in response.headers["Content-Security-Policy"]
    assert client.post("/api/payments/sandbox/cs_test_nosuchsession/", data=CARD).status_code == 404


def test_paying_with_4242_redirects_to_the_order_and_its_event_pays(app, client, orders, page):
    response = client.post(page, data=CARD)
    assert response.status_code == 303 and response.headers["Location"] == "http://shop.test/orders/12/payment"
    assert payment(app).status == "requires_action"  # the shopper's return confirms nothing: the event does
    assert _owed(app) == ["checkout.session.completed"]
    assert _deliver(app) == {"delivered": 1, "failed": 0}
    assert payment(app).status == "paid" and orders.states(12) == [("paid", 2)]
    again = client.get(page)
    assert again.status_code == 200 and "This order is paid." in again.get_data(as_text=True)
    again = client.post(page, data=CARD)
    assert again.status_code == 409 and "This order is paid." in again.get_data(as_text=True)  # once: nothing more
    assert _owed(app) == []


def test_the_declined_card_says_so_and_the_payment_fails(app, client, orders, page):
    response = client.post(page, data=DECLINED)
    assert response.status_code == 200
    assert "The card was declined. Nothing was charged" in response.get_data(as_text=True)
    assert _owed(app) == ["checkout.session.async_payment_failed"]
    _deliver(app)
    assert payment(app).status == "failed" and orders.states(12) == [("failed", 2)]
    assert "declined" in client.post(page, data=CARD).get_data(as_text=True)  # ended: 4242 no longer pays
    assert _owed(app) == []


def test_any_other_card_is_422_asking_for_a_test_card(app, client, page):
    response = client.post(page, data={**CARD, "number": "5555 5555 5555 4444"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "use a test card" in html
    assert 'aria-describedby="number-hint number-error"' in html and 'aria-invalid="true"' in html
    assert 'id="number-error"' in html and 'role="alert"' in html
    with app.app_context():
        assert db.session.scalar(db.select(SandboxSession.status)) == "open"
    assert _owed(app) == [] and payment(app).version == 1


@pytest.mark.parametrize(("field", "value"), [("number", "42"), ("number", ""), ("expiry", "13/40"),
                                              ("expiry", "01/20"), ("expiry", "soon"), ("cvc", "12"), ("name", "")])
def test_each_field_is_checked_in_place(app, client, page, field, value):
    response = client.post(page, data={**CARD, field: value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and f"{field}-error\"" in html
    assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error', html)
    assert _owed(app) == []


def test_expiry_by_the_housekeeping_ends_the_session_and_its_event_expires_the_payment(app, client, orders, page):
    with app.app_context():
        db.session.execute(db.update(SandboxSession).values(expires_at=db.func.now() - db.text("interval '1 second'")))
        db.session.commit()
        assert sandbox.expire_sessions() == 1
        assert sandbox.expire_sessions() == 0
    assert _owed(app) == ["checkout.session.expired"]
    _deliver(app)
    assert payment(app).status == "expired" and orders.states(12) == [("expired", 2)]
    response = client.post(page, data=CARD)
    assert response.status_code == 409 and "This payment page has expired" in response.get_data(as_text=True)


def test_a_session_past_its_end_takes_no_payment_before_the_housekeeping_ends_it(app, client, page):
    with app.app_context():
        db.session.execute(db.update(SandboxSession).values(expires_at=db.func.now() - db.text("interval '1 second'")))
        db.session.commit()
    response = client.post(page, data=CARD)
    assert response.status_code == 409 and "expired" in response.get_data(as_text=True)
    assert _owed(app) == ["checkout.session.expired"]


def test_a_lost_expiry_event_is_made_good_by_asking_the_sandbox(app, client, orders, served, page):
    """The webhook never hears of the expiry: past its end and a minute, the payment asks the provider."""
    served.switch.mode = "failing"
    with app.app_context():
        db.session.execute(db.update(SandboxSession).values(expires_at=db.func.now() - db.text("interval '2 minutes'")))
        db.session.execute(db.update(Payment).values(expires_at=db.func.now() - db.text("interval '2 minutes'")))
        db.session.commit()
        sandbox.expire_sessions()
        assert sandbox.deliver_events() == {"delivered": 0, "failed": 1}
        assert check_expired() == 1
    assert payment(app).status == "expired" and orders.states(12) == [("expired", 2)]


def test_its_events_are_signed_as_stripe_signs_and_retried_until_taken(app, client, served, webhooks, page):
    client.post(page, data=CARD)
    served.switch.mode = "failing"
    assert _deliver(app) == {"delivered": 0, "failed": 1}
    with app.app_context():
        owed = db.session.scalar(db.select(SandboxEvent))
        assert owed.attempts == 1 and "500" in owed.last_error and owed.delivered_at is None
        assert sandbox.deliver_events() == {"delivered": 0, "failed": 0}  # not due yet: it waits
        db.session.execute(db.update(SandboxEvent).values(next_attempt_at=db.func.now()))
        db.session.commit()
    served.switch.mode = "normal"
    assert _deliver(app) == {"delivered": 1, "failed": 0}
    assert payment(app).status == "paid"
    posted = webhooks.posts[-1]
    event = stripe.Webhook.construct_event(posted["body"], posted["signature"], SANDBOX_SECRET, tolerance=300)
    assert event.type == "checkout.session.completed"
    session = event.data.object
    assert session.amount_total == 4500 and session.currency == "usd" and session.payment_status == "paid"
    assert session.client_reference_id == "12" and session.metadata.order_id == "12"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(posted["body"], posted["signature"], "whsec_other", tolerance=300)
    with app.app_context():
        assert db.session.scalar(db.select(Event.outcome)) == "applied"


def test_a_refund_posts_charge_refunded(app, client, webhooks, page):
    client.post(page, data=CARD)
    _deliver(app)
    assert client.post("/internal/payments/12/refund/", headers=SERVICE).get_json()["status"] == "refunded"
    assert _owed(app) == ["charge.refunded"]
    _deliver(app)
    event = json.loads(webhooks.posts[-1]["body"])
    assert event["type"] == "charge.refunded" and event["data"]["object"]["amount_refunded"] == 4500
    with app.app_context():
        assert db.session.scalars(db.select(Event.outcome).order_by(Event.id)).all() == ["applied", "already_settled"]


def test_the_housekeeping_runs_it_all(app, client, orders, page):
    """One turn of the background tasks: the sandbox ends the session, posts its event, and orders is told."""
    keeper = app.extensions["shop_housekeeping"]
    assert {task.name for task in keeper.tasks} == {"payment states to orders", "refund retries",
                                                    "session expiry checks", "stale openings", "sandbox events",
                                                    "sandbox expiry"}
    with app.app_context():
        db.session.execute(db.update(SandboxSession).values(expires_at=db.func.now() - db.text("interval '1 second'")))
        db.session.commit()
    keeper.run_once()
    assert payment(app).status == "expired" and orders.states(12) == [("expired", 2)]


def test_an_opening_left_by_a_request_that_died_is_forgotten(app, client):
    open_payment(client)
    with app.app_context():
        db.session.execute(db.update(Payment).values(status="opening"))
        db.session.commit()
        assert forget_openings() == 0  # a request may still be asking the provider
        db.session.execute(db.update(Payment).values(created_at=db.func.now() - db.text("interval '6 minutes'")))
        db.session.commit()
        assert forget_openings() == 1
    assert payment(app) is None
    assert client.get("/internal/payments/12/", headers=SERVICE).status_code == 404
