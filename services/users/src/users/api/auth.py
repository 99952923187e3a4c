"""`/api/auth/`: register, login, refresh, logout; a forgotten password reset, an email verified."""

import time

from flask import g, request
from flask.views import MethodView
from flask_jwt_extended import get_jwt

from shop_common.api import Blueprint
from shop_common.auth import authenticated, current_user_id
from users import credentials, service
from users.schemas import (
    DetailSchema,
    LoginSchema,
    PasswordResetConfirmSchema,
    PasswordResetSchema,
    RefreshSchema,
    RegisterSchema,
    TokenPairSchema,
    UserSchema,
    VerifyEmailSchema,
)

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Accounts and tokens.")


@blp.route("/register/")
class Register(MethodView):
    @blp.arguments(RegisterSchema)
    @blp.response(201, UserSchema)
    @blp.alt_response(409, response="CONFLICT", description="username_taken or email_taken")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS", description="registration_throttled, with Retry-After")
    def post(self, data):
        """Create an account; its email is sent a welcome with the link that verifies it."""
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


def _address() -> str:
    return request.remote_addr or "unknown"


INVALID_TOKEN = "invalid_token: the link is unknown, spent, expired, or its account or email changed"
RESET_ASKED = "If an account has this email, a link to choose a new password is on its way."


@blp.route("/password-reset/")
class PasswordReset(MethodView):
    @blp.arguments(PasswordResetSchema)
    @blp.response(202, DetailSchema, example={"detail": RESET_ASKED})
    @blp.alt_response(429, response="TOO_MANY_REQUESTS",
                      description="password_reset_throttled: too many requests from this address, with Retry-After")
    def post(self, data):
        """Ask for a link to choose a new password, emailed if an account has this email.

        The same answer, after the same least time, whether or not an account has the email; the emails to
        one address are limited (past it the answer is the same, and nothing is sent).
        """
        credentials.ask_password_reset(data["email"], _address(), g.get("started", time.perf_counter()))
        return {"detail": RESET_ASKED}


@blp.route("/password-reset/confirm/")
class PasswordResetConfirm(MethodView):
    @blp.arguments(PasswordResetConfirmSchema)
    @blp.response(204)
    @blp.alt_response(400, response="BAD_REQUEST", description=INVALID_TOKEN)
    def post(self, data):
        """Choose a new password with the emailed link's token; every session of the account ends.

        The link works once. The email counts as verified (the link reached it). A password that breaks the
        rules is 422 and the link still works.
        """
        credentials.reset_password(data["token"], data["password"])


@blp.route("/verify-email/")
class VerifyEmail(MethodView):
    @authenticated(blp, optional=True)
    @blp.arguments(VerifyEmailSchema)
    @blp.response(204)
    @blp.alt_response(400, response="BAD_REQUEST",
                      description=f"{INVALID_TOKEN}; or the access token sent is another account's")
    def post(self, data):
        """Verify the email with the emailed link's token; with or without an access token (its account's
        link only)."""
        credentials.verify_email(data["token"], current_user_id() if get_jwt() else None)


@blp.route("/verify-email/resend/")
class VerifyEmailResend(MethodView):
    @authenticated(blp)
    @blp.response(202, DetailSchema, example={"detail": "A new link is on its way to ada@example.com."})
    @blp.alt_response(404, response="NOT_FOUND", description="user_not_found: the account was deactivated")
    @blp.alt_response(409, response="CONFLICT", description="email_already_verified")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS", description="verification_throttled, with Retry-After")
    def post(self):
        """Send the link that verifies the email again."""
        email = credentials.resend_verification(current_user_id())
        return {"detail": f"A new link is on its way to {email}."}
