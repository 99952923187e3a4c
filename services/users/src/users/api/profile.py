"""`/api/users/profile/`: the caller's own profile; `/api/users/password/`: its password changed."""

from flask import request
from flask.views import MethodView
from flask_jwt_extended import get_jwt

from shop_common.api import Blueprint
from shop_common.auth import authenticated, current_user_id
from users import credentials, service
from users.schemas import PasswordChangeSchema, ProfileSchema, ProfileUpdateSchema, TokenPairSchema

blp = Blueprint("users", __name__, url_prefix="/api/users", description="The caller's profile.")


@blp.route("/profile/")
class Profile(MethodView):
    @authenticated(blp)
    @blp.response(200, ProfileSchema)
    def get(self):
        """The caller's profile."""
        return service.get_user(current_user_id())

    @authenticated(blp)
    @blp.arguments(ProfileUpdateSchema(partial=True))
    @blp.response(200, ProfileSchema)
    @blp.alt_response(409, response="CONFLICT", description="email_taken")
    def patch(self, changes):
        """Change email, names, phone or the language of emails; anything else in the body is refused (422).

        Another email is sent a link to verify it; until it is followed, order emails go on going to the
        verified address (`verified_email`).
        """
        return service.update_profile(current_user_id(), changes)


@blp.route("/password/")
class Password(MethodView):
    @authenticated(blp)
    @blp.arguments(PasswordChangeSchema)
    @blp.response(200, TokenPairSchema)
    @blp.alt_response(400, response="BAD_REQUEST", description="wrong_password: the current password is wrong")
    @blp.alt_response(404, response="NOT_FOUND", description="user_not_found: the account was deactivated")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS", description="login_throttled, with Retry-After")
    def post(self, data):
        """Change the password; every other session ends, this one goes on with the new pair answered.

        Counted as a login attempt. A new password that breaks the rules, or is the current one, is 422.
        """
        return credentials.change_password(get_jwt(), data["current_password"], data["new_password"],
                                           request.remote_addr or "unknown")
