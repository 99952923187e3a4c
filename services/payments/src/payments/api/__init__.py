from payments.api.internal import blp as internal_blp
from payments.api.public import blp as public_blp

#: the documented APIs; the sandbox's hosted page (`payments.api.sandbox`) is a browser page, registered only
#: when the sandbox is the provider
BLUEPRINTS = (public_blp, internal_blp)
