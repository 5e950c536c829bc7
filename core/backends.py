"""The login backend: Django's ModelBackend, whose session user comes with its role."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .roles import Role, group_role_expression, remember_role


class RoleModelBackend(ModelBackend):
    """Every page loads the session's user and then asks for the user's role (the menu, the
    scope of what they may see): this loads the role in the same query as the user, instead
    of a second query on their groups."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.annotate(group_role=group_role_expression())
        user = users.filter(pk=user_id).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        remember_role(user, Role(user.group_role))
        return user
