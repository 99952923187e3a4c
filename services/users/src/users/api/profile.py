"""`/api/users/profile/`: the caller's own profile."""

from flask.views import MethodView

from shop_common.api import Blueprint
from shop_common.auth import authenticated, current_user_id
from users import service
from users.schemas import ProfileSchema, ProfileUpdateSchema

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
        """Change email, names or phone; anything else in the body is refused (422)."""
        return service.update_profile(current_user_id(), changes)
