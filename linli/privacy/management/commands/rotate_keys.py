"""manage.py rotate_keys: new field-encryption key, made current, and every ciphertext re-encrypted in batches."""

import os

from django.core.management.base import BaseCommand

from linli.privacy import keyrotation


class Command(BaseCommand):
    help = "轮换个人信息加密密钥：新增 AES 密钥并设为当前密钥，然后分批重新加密（不停机）。"

    def add_arguments(self, parser):
        parser.add_argument("--reencrypt-only", action="store_true", help="不新增密钥，只把旧密钥加密的值重新加密")
        parser.add_argument("--status", action="store_true", help="只显示各密钥加密的值的数量")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, **options):
        if options["status"]:
            for label, counts in keyrotation.status().items():
                self.stdout.write(f"{label}: " + ", ".join(f"{k}={n}" for k, n in sorted(counts.items())))
            return
        if not options["reencrypt_only"]:
            if os.environ.get("LINLI_FIELD_KEYS"):
                value, kid = keyrotation.env_keyring_with_new_key()
                self.stdout.write(
                    "密钥来自环境变量 LINLI_FIELD_KEYS。请把它改为下面的值（新增 "
                    f"{kid} 并设为当前密钥），逐台重启 web 与 worker 进程，然后运行 "
                    "`manage.py rotate_keys --reencrypt-only`：\n"
                )
                self.stdout.write(value)
                return
            kid = keyrotation.add_key_to_file()
            self.stdout.write(self.style.SUCCESS(f"已新增密钥 {kid} 并设为当前密钥（var/keys.json）。"))
        n = keyrotation.reencrypt(batch_size=options["batch_size"], log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"已重新加密 {n} 个值。"))
