"""`/api/auth/`: register, login, refresh, logout."""

from flask import request
from flask.views import MethodView
from flask_jwt_extended import get_jwt

from shop_common.api import Blueprint
from shop_common.auth import authenticated
from users import service
from users.schemas import LoginSchema, RefreshSchema, RegisterSchema, TokenPairSchema, UserSchema

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Accounts and tokens.")


@blp.route("/register/")
class Register(MethodView):
    @blp.arguments(RegisterSchema)
    @blp.response(201, UserSchema)
    @blp.alt_response(409, response="CONFLICT", description="username_taken or email_taken")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS", description="registration_throttled, with Retry-After")
    def post(self, data):
        """Create an account."""
        return service.register(data, request.remote_addr or "unknown")


@blp.route("/login/")
class Login(MethodView):
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenPairSchema)
    @blp.alt_response(401, response="UNAUTHORIZED", description="invalid_credentials")
    @blp.alt_response(403, response="FORBIDDEN", description="account_inactive: the password is right but the "
                                                              "account was deactivated by the shop")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS", description="login_throttled, with Retry-After")
    def post(self, data):
        """Log in with a username or email and a password; start a session."""
        return service.login(data["username"], data["password"], request.remote_addr or "unknown")


@blp.route("/refresh/")
class Refresh(MethodView):
    @blp.arguments(RefreshSchema)
    @blp.response(200, TokenPairSchema)
    @blp.alt_response(401, response="UNAUTHORIZED",
                      description="invalid_token, token_expired, token_revoked or token_reused")
    def post(self, data):
        """Exchange the refresh token for a new pair; the old refresh token stops working."""
        return service.refresh(data["refresh"])


@blp.route("/logout/")
class Logout(MethodView):
    @authenticated(blp)
    @blp.arguments(RefreshSchema)
    @blp.response(204)
    def post(self, data):
        """End the session: the refresh token and the access token are both revoked."""
        service.logout(get_jwt(), data["refresh"])
