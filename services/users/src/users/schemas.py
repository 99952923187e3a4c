"""What the users API accepts and answers. Unknown fields (`id`, `is_staff`, ...) are refused."""

from __future__ import annotations

import unicodedata

import marshmallow as ma
from marshmallow import validate

from shop_common.language import DEFAULT as DEFAULT_LANGUAGE
from shop_common.language import LANGUAGES
from shop_common.pagination import PageQuerySchema, page_schema
from shop_common.schemas import PHONE_OR_EMPTY, Schema, Text
from shop_common.validation import CodedMessage

USERNAME = validate.Regexp(r"^[A-Za-z0-9_.\-]+$",
                           error="Use letters, digits, '.', '-' and '_' only.")
# matched once stripped: it ends in what no strip removes, so the document's pattern and the check agree
PHONE = PHONE_OR_EMPTY
# the commonest passwords, refused outright (OWASP ASVS 2.1.7 asks for a breached-password check)
COMMON_PASSWORDS = frozenset([
    "password", "password1", "password123", "12345678", "123456789", "1234567890", "qwertyuiop",
    "qwerty123", "11111111", "00000000", "iloveyou", "abc12345", "abcd1234", "1q2w3e4r", "1qaz2wsx",
    "letmein1", "welcome1", "sunshine", "princess", "football", "baseball", "dragon123", "monkey123",
    "trustno1", "passw0rd", "p@ssw0rd", "superman", "87654321", "12341234", "qwertyui", "asdfghjk",
    "zxcvbnm1",
])
PASSWORD_LENGTH = (8, 128)


def email_key(email: str) -> str:
    """What an email is compared by: compatibility form (NFKC), then Unicode case folding, which lower()
    is not ("STRASSE" and "straße" fold alike; Postgres' lower() leaves "ß"), then NFKC again (folding
    can undo the normal form)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", email).casefold())


def password_problem(password: str, *, username: str, email: str) -> CodedMessage | None:
    """What is wrong with `password` as the password of the account `username` with `email`, None if nothing:
    the rules of every place a password is chosen (registering, a reset, a change), each with its code."""
    shortest, longest = PASSWORD_LENGTH
    if not shortest <= len(password) <= longest:
        return CodedMessage("too_short" if len(password) < shortest else "too_long",
                            f"Use {shortest} to {longest} characters.")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS:
        return CodedMessage("too_common", "This password is too common.")
    if len(set(password)) < 3:
        return CodedMessage("too_simple", "Use more than two different characters.")
    for other in (username, email.split("@")[0]):
        if len(other) >= 3 and other.lower() in lowered:
            return CodedMessage("contains_username", "The password must not contain your username or email.")
    return None


class PasswordField(Text):
    """PASSWORD_LENGTH characters, kept exactly as typed (never stripped, never truncated); the rest of the
    rules need the account (`password_problem`)."""

    def __init__(self, **kwargs):
        super().__init__(min_length=PASSWORD_LENGTH[0], max_length=PASSWORD_LENGTH[1], strip=False,
                         load_only=True, **kwargs)


class LanguageField(ma.fields.String):
    def __init__(self, **kwargs):
        super().__init__(validate=validate.OneOf(LANGUAGES), metadata={
            "description": "the language of the account's emails", "example": "en"}, **kwargs)


class TokenField(Text):
    """The token of an emailed link, as the link carried it."""

    def __init__(self, **kwargs):
        super().__init__(min_length=1, max_length=256, strip=False, required=True,
                         metadata={"description": "the token of the emailed link (after `#token=`)"}, **kwargs)


class EmailField(ma.fields.Email):
    """An email address in Unicode's compatibility form (NFKC): fullwidth letters are plain letters, so a
    lookalike address is the same account."""

    def __init__(self, **kwargs):
        super().__init__(validate=[validate.Length(max=254)], **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value.strip())
        return super()._deserialize(value, attr, data, **kwargs)


# Swagger UI's examples: what a person can send as it is (a password the rules below take)
ADA = {"username": "ada", "email": "ada@example.com", "password": "analytical engine 1843", "first_name": "Ada",
       "last_name": "Lovelace", "phone": "+44 20 7946 0958"}


class RegisterSchema(Schema):
    username = Text(min_length=3, max_length=150, required=True, validate=[USERNAME],
                    metadata={"example": ADA["username"]})
    email = EmailField(required=True, metadata={"example": ADA["email"]})
    password = PasswordField(required=True, metadata={"example": ADA["password"]})
    first_name = Text(max_length=150, load_default="", metadata={"example": ADA["first_name"]})
    last_name = Text(max_length=150, load_default="", metadata={"example": ADA["last_name"]})
    language = LanguageField(load_default=DEFAULT_LANGUAGE)

    @ma.validates_schema
    def _strong_password(self, data, **_):
        if "password" in data and (problem := password_problem(
                data["password"], username=data.get("username", ""), email=data.get("email", ""))):
            raise ma.ValidationError(problem, "password")


class UserSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    username = ma.fields.String(dump_only=True)
    email = ma.fields.Email(dump_only=True)
    first_name = ma.fields.String(dump_only=True)
    last_name = ma.fields.String(dump_only=True)


class InternalUserSchema(UserSchema):
    """An account as the mailer needs it."""

    language = ma.fields.String(dump_only=True, metadata={"description": "the language of its emails"})
    notify_email = ma.fields.Email(dump_only=True, metadata={
        "description": "where its emails go: `email`, or the verified address while a changed email waits"})


class ProfileSchema(UserSchema):
    phone = ma.fields.String(dump_only=True)
    date_joined = ma.fields.DateTime(dump_only=True)
    is_staff = ma.fields.Boolean(dump_only=True, metadata={"description": "set by `shop-users create-staff` only"})
    email_verified = ma.fields.Boolean(dump_only=True, metadata={
        "description": "whether the owner followed a link emailed to `email` (a verification or a reset)"})
    verified_email = ma.fields.Email(dump_only=True, allow_none=True, metadata={
        "description": "the last address proved; where order emails go while `email` is unverified; null "
                       "if none was"})
    language = LanguageField(dump_only=True)


class AccountSchema(ProfileSchema):
    """An account as staff see it."""

    last_login = ma.fields.DateTime(dump_only=True, allow_none=True,
                                    metadata={"description": "the last login; null if none was recorded"})
    is_active = ma.fields.Boolean(dump_only=True,
                                  metadata={"description": "false: deactivated, its login is refused"})


AccountPageSchema = page_schema(AccountSchema, "AccountPage")

#: `ordering` of the staff's list of accounts: the value, and what it sorts by (then by id)
ACCOUNT_ORDERINGS = ("-date_joined", "date_joined", "username", "-username")


class AccountQuerySchema(PageQuerySchema):
    search = Text(max_length=200, metadata={
        "description": "part of the username, email, first or last name, in any case; blank: every account"})
    is_active = ma.fields.Boolean(metadata={"description": "only active (true) or deactivated (false) accounts"})
    email_verified = ma.fields.Boolean(metadata={
        "description": "only accounts whose email is verified (true) or is not (false)"})
    ordering = ma.fields.String(validate=validate.OneOf(ACCOUNT_ORDERINGS), load_default="-date_joined")


class ProfileUpdateSchema(Schema):
    """Only these can change; `id`, `username`, `date_joined` and staff flags are refused."""

    email = EmailField(metadata={"example": ADA["email"]})
    first_name = Text(max_length=150, metadata={"example": ADA["first_name"]})
    last_name = Text(max_length=150, metadata={"example": ADA["last_name"]})
    phone = Text(max_length=32, validate=[PHONE], metadata={"example": ADA["phone"]})
    language = LanguageField()


class LoginSchema(Schema):
    username = Text(min_length=1, max_length=254, required=True,
                    metadata={"description": "username or email", "example": ADA["username"]})
    password = Text(min_length=1, max_length=128, strip=False, required=True, load_only=True,
                    metadata={"example": ADA["password"]})


class RefreshSchema(Schema):
    refresh = Text(min_length=1, max_length=4096, required=True)


class TokenPairSchema(Schema):
    access = ma.fields.String()
    refresh = ma.fields.String()
    token_type = ma.fields.String(metadata={"example": "Bearer"})
    expires_in = ma.fields.Integer(metadata={"description": "seconds the access token lives"})


class PasswordResetSchema(Schema):
    email = EmailField(required=True, metadata={"example": ADA["email"]})


class PasswordResetConfirmSchema(Schema):
    token = TokenField()
    password = PasswordField(required=True, metadata={"example": "difference engine 1822"})


class VerifyEmailSchema(Schema):
    token = TokenField()


class PasswordChangeSchema(Schema):
    current_password = Text(min_length=1, max_length=128, strip=False, required=True, load_only=True,
                            metadata={"example": ADA["password"]})
    new_password = PasswordField(required=True, metadata={"example": "difference engine 1822"})


class DetailSchema(Schema):
    """What was done, for a human."""

    detail = ma.fields.String()
