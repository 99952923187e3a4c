"""`/internal/users/`: what other services need of an account (the mailer, to address an email).
Never routed by the gateway; every call needs the service credential."""

from flask.views import MethodView

from shop_common.api import Blueprint
from shop_common.internal import service_only
from users import service
from users.schemas import InternalUserSchema

blp = Blueprint("internal", __name__, url_prefix="/internal/users", description="Accounts, for other services.")


@blp.route("/<id:user_id>/")
class Account(MethodView):
    @service_only(blp)
    @blp.response(200, InternalUserSchema)
    @blp.alt_response(404, response="NOT_FOUND", description="user_not_found")
    def get(self, user_id):
        """An account's name, email addresses and language, deactivated or not: order emails still reach a
        customer deactivated after ordering, as a shop still tells them what became of their order. Emails
        go to `notify_email`."""
        return service.get_account(user_id)
