from django.contrib.auth.models import AbstractUser
from django.db import models

from audit.history import AuditedRecords


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
    must_change_password = models.BooleanField(
        "首次登录须修改密码", default=False,
        help_text="由他人设定的密码（管理员新建或重置、演示数据、批量创建的村干部账号）：登录后须先修改密码才能使用系统。",
    )

    # Never the password hash; a login's last_login alone writes no history row. The groups
    # (the role, core/roles.py) are kept with each row: a change of role is a change too.
    history = AuditedRecords(excluded_fields=["password", "last_login"], m2m_fields=["groups"])

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self):
        return self.display_name or self.username
