from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A login. Which role it has comes from its auth group (see ``core.roles``);
    township staff and leaders may be tied to a township, a village cadre to a village."""

    display_name = models.CharField("姓名", max_length=50, blank=True)
    township = models.ForeignKey(
        "villages.Township", verbose_name="所属乡镇", null=True, blank=True,
        on_delete=models.PROTECT, related_name="users",
    )
    village = models.ForeignKey(
        "villages.Village", verbose_name="所属村居", null=True, blank=True,
        on_delete=models.PROTECT, related_name="users",
    )

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self):
        return self.display_name or self.username
