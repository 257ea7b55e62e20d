"""``manage.py linli_init``: initialise an empty installation for production (no demo data).

Creates the region levels (区 → 街道 → 社区 → 网格 → 十联户) and the first system administrator with a
generated password that is printed once and stored nowhere in clear. At the first login the administrator
must enrol a TOTP authenticator, then replace the initial password, before any page opens. Refuses when any account exists already.
"""

import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from linli.core import services
from linli.core.models import RegionLevel, User
from linli.core.roles import Role

LEVELS = [
    ("district", "区", 1),
    ("street", "街道", 2),
    ("community", "社区", 3),
    ("grid", "网格", 4),
    ("unit", "十联户", 5),
]


class Command(BaseCommand):
    help = (
        "初始化空的正式安装：区域层级和第一个系统管理员（随机密码只显示一次，首次登录须绑定动态验证码），不含演示数据"
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin", help="管理员用户名（默认 admin）")
        parser.add_argument("--full-name", default="系统管理员", help="管理员姓名")

    def handle(self, *args, username: str, full_name: str, **options):
        if settings.DEMO_MODE:
            raise CommandError("LINLI_DEMO 已打开：正式安装请去掉 LINLI_DEMO 后再运行 linli_init。")
        if User.objects.exists():
            raise CommandError(
                f"已有 {User.objects.count()} 个账号，linli_init 只用于空的安装，未做任何修改。"
                "新增管理员请在 /admin/ 中操作；忘记密码请用 `manage.py changepassword <用户名>`。"
            )
        password = secrets.token_urlsafe(18)
        with transaction.atomic():
            for code, name, depth in LEVELS:
                if not RegionLevel.objects.filter(depth=depth).exists():
                    RegionLevel.objects.create(code=code, name=name, depth=depth)
            user = services.user_create(actor=None, username=username, password=password, full_name=full_name)
            user.is_superuser = user.is_staff = True
            user.password_must_change = True
            user.save(update_fields=["is_superuser", "is_staff", "password_must_change"])
            services.grant_add(actor=None, user=user, role=Role.ADMIN)
            validate_password(password, user)
        self.stdout.write(
            "\n邻里 Linli 已初始化（空的安装，无演示数据）。\n"
            f"  管理员账号：{username}\n"
            f"  初始密码：  {password}\n"
            "此密码只显示这一次，只能用于首次登录：登录后须先用手机身份验证器扫码绑定动态验证码，再设置自己的新密码。\n"
            "下一步：登录 /admin/ 建立区域（区 → 街道 → 社区 → 网格）、机构和工作人员账号。\n"
        )
