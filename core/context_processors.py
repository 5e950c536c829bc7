from .roles import ROLE_LABELS, can_write, user_role


def role(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = user_role(user)
    return {"role": current.value, "role_label": ROLE_LABELS[current], "can_write": can_write(user)}
