"""`/api/payments/sandbox/{session_id}/`: the sandbox's hosted page, a browser page outside the SPA, as Stripe's
is: the shop, the order's number and amount, a card form and "Pay 45.00 USD", and a way back to the shop that
leaves the session open until it expires.

Test card 4242 4242 4242 4242 pays (303 to the order's return page); 4000 0000 0000 0002 is declined (the page
says so, and the session ends failed); any other number is 422 asking for a test card, changing nothing; a card
sent to a session that has ended (expired, paid or declined already) is 409 saying how it ended. The
page is HTML with its own stylesheet and its own strict Content-Security-Policy (the gateway keeps a service's),
in English or Russian as Accept-Language asks; an unknown session is a 404 page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, send_from_directory
from flask.typing import ResponseReturnValue

from payments import sandbox
from payments.models import db
from payments.sandbox_text import TEXT
from shop_common.db import end_read

STATIC = Path(__file__).resolve().parents[1] / "sandbox_static"
blp = Blueprint("sandbox", __name__, url_prefix="/api/payments/sandbox")

#: the page's own policy: nothing from anywhere else, no script at all, forms only to itself
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")
_SESSION_ID = re.compile(r"^cs_test_[A-Za-z0-9]{1,72}$")


def _language() -> str:
    return request.accept_languages.best_match(TEXT.keys()) or "en"


def _page(template: str, status: int = 200, **context: Any) -> Response:
    language = _language()
    response = Response(render_template(template, t=TEXT[language], lang=language, **context), status=status,
                        mimetype="text/html")
    response.headers.update({"Content-Security-Policy": CSP, "Content-Language": language,
                             "Vary": "Accept-Language", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                             "X-Content-Type-Options": "nosniff"})
    return response


def _not_found() -> Response:
    return _page("sandbox/not_found.html", 404)


@blp.get("/static/<any('sandbox.css', 'sandbox.svg'):name>")
def static(name: str) -> ResponseReturnValue:
    """The page's stylesheet and its icon. The icon is declared so that the browser never asks the shop's origin
    for /favicon.ico, which the gateway rightly answers 404 (no storefront path), a console error on this page."""
    response = send_from_directory(STATIC, name, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blp.route("/<session_id>/", methods=["GET", "POST"])
def page(session_id: str) -> ResponseReturnValue:
    if not _SESSION_ID.match(session_id):
        return _not_found()
    found = sandbox.session(session_id)
    if found is None:
        end_read(db)
        return _not_found()
    shown, still_open = _view(found), found.status == "open"
    end_read(db)
    if request.method == "GET":
        return _page("sandbox/page.html", 200, s=shown, form={}, errors={})
    if not still_open:
        return _ended(shown)
    form = {name: request.form.get(name, "").strip()[:100] for name in ("number", "expiry", "cvc", "name")}
    errors, card = _check(form, TEXT[_language()])
    if errors:
        return _page("sandbox/page.html", 422, s=shown, form=form, errors=errors)
    view = _view(sandbox.pay(session_id, card))
    if view["status"] == "paid":
        return redirect(view["success_url"], code=303)
    return _ended(view)


def _ended(view: dict[str, Any]) -> Response:
    """The page after a card was sent: declined (200, it says so), or the session ended before (409: expired, or
    paid already), whichever request got there first."""
    return _page("sandbox/page.html", 200 if view["status"] == "declined" else 409, s=view, form={}, errors={})


def _view(found) -> dict[str, Any]:
    """What the page shows of a session: `open`, `paid`, `declined` or `expired`."""
    if found.status == "open" and found.expires_at <= datetime.now(UTC):
        status = "expired"  # the housekeeping has not ended it yet: it takes no payment
    elif found.status == "complete":
        status = "paid" if found.payment_status == "paid" else "declined"
    else:
        status = found.status
    return {"status": status, "number": found.number, "amount": f"{found.amount:.2f}", "currency": found.currency,
            "success_url": found.success_url, "cancel_url": found.cancel_url, "id": found.id}


def _check(form: dict[str, str], t: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """The form's errors by field, and the test card it names."""
    errors: dict[str, str] = {}
    number = re.sub(r"[\s-]", "", form["number"])
    if not number.isdigit() or not 12 <= len(number) <= 19:
        errors["number"] = t["error_number"]
    elif number not in (sandbox.PAYS, sandbox.DECLINED):
        errors["number"] = t["error_test_card"]
    match = re.fullmatch(r"(\d{1,2})\s*/?\s*(\d{2})", form["expiry"])
    if not match or not 1 <= int(match[1]) <= 12:
        errors["expiry"] = t["error_expiry"]
    else:
        now = datetime.now(UTC)
        if (2000 + int(match[2]), int(match[1])) < (now.year, now.month):
            errors["expiry"] = t["error_expired_card"]
    if not re.fullmatch(r"\d{3,4}", form["cvc"]):
        errors["cvc"] = t["error_cvc"]
    if not form["name"]:
        errors["name"] = t["error_name"]
    return errors, (number if not errors else None)
