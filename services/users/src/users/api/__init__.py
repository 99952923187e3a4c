from users.api.accounts import blp as accounts_blp
from users.api.addresses import blp as addresses_blp
from users.api.auth import blp as auth_blp
from users.api.internal import blp as internal_blp
from users.api.profile import blp as profile_blp

BLUEPRINTS = (auth_blp, profile_blp, accounts_blp, addresses_blp, internal_blp)
