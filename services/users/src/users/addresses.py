"""The address book: an account's saved shipping addresses (at most MAX_ADDRESSES), exactly one of them the
default while it has any. Each write is a unit of work.

Every write first locks the account's row, so that an account's address writes run one after another: two
creates racing would otherwise each see no address yet and both make theirs the default, or a delete of the
default race a create and leave none. The partial unique index `uq_addresses_default` backs "at most one";
the lock is what keeps "at least one". FOR NO KEY UPDATE, as `service.set_active` takes it: a login's FOR
SHARE waits that long, a refresh (whose new token's foreign key takes FOR KEY SHARE) does not wait at all.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from shop_common.db import unit_of_work
from shop_common.errors import Problem, field_problem
from users import service
from users.models import Address, db

log = logging.getLogger(__name__)


def _not_found() -> Problem:
    return Problem(404, "address_not_found", "No such address.")


def _lock_account(user_id: int) -> None:
    """Lock the account's row for this transaction; 404 `user_not_found` for an account gone or deactivated."""
    db.session.refresh(service.get_user(user_id), with_for_update={"key_share": True})


def _find(user_id: int, address_id: int) -> Address:
    address = db.session.scalar(select(Address).where(Address.id == address_id, Address.user_id == user_id))
    if address is None:  # another account's is no different from none: its id tells nothing
        raise _not_found()
    return address


def _clear_default(user_id: int) -> None:
    """The account's default is no longer one: first, before another takes the flag (the unique index is
    checked at each statement)."""
    db.session.execute(update(Address).where(Address.user_id == user_id, Address.is_default)
                       .values(is_default=False))


def list_addresses(user_id: int) -> list[Address]:
    """The account's addresses: the default first, then the newest first."""
    return list(db.session.scalars(select(Address).where(Address.user_id == user_id).order_by(
        Address.is_default.desc(), Address.created_at.desc(), Address.id.desc())))


def create(user_id: int, data: dict[str, Any]) -> Address:
    """Save a new address (`data`: the shipping fields and `is_default`). The account's first address is its
    default whatever `is_default` says; `is_default` true moves the default to it. 409 `address_limit` once the
    account has MAX_ADDRESSES."""
    fields = dict(data)
    wanted_default = fields.pop("is_default", False)
    limit = current_app.config["SHOP"]["MAX_ADDRESSES"]
    with unit_of_work(db):
        _lock_account(user_id)
        count = db.session.scalar(select(func.count()).select_from(Address).where(Address.user_id == user_id))
        if count >= limit:
            raise Problem(409, "address_limit", f"You can keep at most {limit} addresses; delete one first.")
        default = wanted_default or count == 0
        if default:
            _clear_default(user_id)
        address = Address(user_id=user_id, is_default=default, **fields)
        db.session.add(address)
    log.info("address saved", extra={"user_id": user_id, "address_id": address.id})
    return address


def update_address(user_id: int, address_id: int, changes: dict[str, Any]) -> Address:
    """Change some fields of one of the account's addresses; `is_default` true moves the default to it, false
    on the default is 422 (an account with addresses always has a default). 404 `address_not_found`."""
    fields = dict(changes)
    wanted_default = fields.pop("is_default", None)
    with unit_of_work(db):
        _lock_account(user_id)
        address = _find(user_id, address_id)
        if wanted_default is False and address.is_default:
            raise field_problem(422, "validation_error", "is_default", "Make another address the default instead.")
        for field, value in fields.items():
            setattr(address, field, value)
        if wanted_default and not address.is_default:
            _clear_default(user_id)
            address.is_default = True
    return address


def delete(user_id: int, address_id: int) -> None:
    """Delete one of the account's addresses; when it was the default, the most recently updated one left
    becomes the default. 404 `address_not_found`."""
    with unit_of_work(db):
        _lock_account(user_id)
        address = _find(user_id, address_id)
        was_default = address.is_default
        db.session.delete(address)
        db.session.flush()  # gone before another takes the flag
        if was_default:
            heir = db.session.scalar(select(Address).where(Address.user_id == user_id).order_by(
                Address.updated_at.desc(), Address.id.desc()).limit(1))
            if heir is not None:
                heir.is_default = True
    log.info("address deleted", extra={"user_id": user_id, "address_id": address_id})
