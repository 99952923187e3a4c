"""`/api/users/` for staff: find customers' accounts, and deactivate or reactivate them."""

from flask.views import MethodView

from shop_common.api import Blueprint
from shop_common.auth import authenticated, current_user_id
from shop_common.pagination import envelope
from users import service
from users.schemas import AccountPageSchema, AccountQuerySchema, AccountSchema

blp = Blueprint("accounts", __name__, url_prefix="/api/users", description="Staff: customers' accounts.")

NOT_FOUND = "user_not_found"


@blp.route("/")
class Accounts(MethodView):
    @authenticated(blp, staff=True)
    @blp.arguments(AccountQuerySchema, location="query")
    @blp.response(200, AccountPageSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="page_not_found: past the last page")
    def get(self, query):
        """Staff: a page of accounts, deactivated ones too, searched, filtered and ordered."""
        count, accounts = service.list_accounts(query)
        return envelope(query, count, accounts)


@blp.route("/<id:user_id>/")
class Account(MethodView):
    @authenticated(blp, staff=True)
    @blp.response(200, AccountSchema)
    @blp.alt_response(404, response="NOT_FOUND", description=NOT_FOUND)
    def get(self, user_id):
        """Staff: one account, deactivated or not."""
        return service.get_account(user_id)


@blp.route("/<id:user_id>/deactivate/")
class Deactivate(MethodView):
    @authenticated(blp, staff=True)
    @blp.response(200, AccountSchema)
    @blp.alt_response(404, response="NOT_FOUND", description=NOT_FOUND)
    @blp.alt_response(409, response="CONFLICT", description="cannot_deactivate_self")
    def post(self, user_id):
        """Staff: deactivate an account; every session of it ends at once.

        Its access tokens are refused by every service and its refresh tokens too, and its login is refused
        (403 `account_inactive`) until it is activated again; order emails still reach it. Deactivating
        again changes nothing.
        """
        return service.set_active(user_id, False, by=current_user_id())


@blp.route("/<id:user_id>/activate/")
class Activate(MethodView):
    @authenticated(blp, staff=True)
    @blp.response(200, AccountSchema)
    @blp.alt_response(404, response="NOT_FOUND", description=NOT_FOUND)
    def post(self, user_id):
        """Staff: activate a deactivated account; it can log in again.

        Its old sessions stay ended. Activating an active account changes nothing.
        """
        return service.set_active(user_id, True, by=current_user_id())
