"""``manage.py linli_restore ARCHIVE --keys KEYFILE``: restore a ``linli_backup`` archive into an empty database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from linli.core import backup


class Command(BaseCommand):
    help = "恢复：把 linli_backup 的备份包装入空的数据库与媒体目录，安装密钥环，并核对行数与解密"

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="备份包（.tar.gz）")
        parser.add_argument("--keys", type=Path, help="与备份包一起生成的密钥文件（.keys.json）")
        parser.add_argument("--force", action="store_true", help="目标数据库或媒体目录不为空时仍然覆盖")

    def handle(self, *args, archive, keys, force, **options):
        try:
            result = backup.restore(archive=archive, keys_file=keys, force=force)
        except backup.BackupError as exc:
            raise CommandError(exc.message)
        m = result.manifest
        self.stdout.write(f"已恢复 {archive}（备份时间 {m['created_at']}，{m['database']['vendor']}）")
        if result.mismatches:
            for name, (expected, actual) in sorted(result.mismatches.items()):
                self.stderr.write(f"  行数不符：{name} 备份 {expected}，恢复后 {actual}")
            raise CommandError(f"核对失败：{len(result.mismatches)} 张表的行数与备份不符")
        self.stdout.write(f"  行数核对：{len(m['tables'])} 张表，共 {sum(m['tables'].values()):,} 行，与备份一致")
        self.stdout.write(f"  解密核对：{', '.join(result.decrypted) or '（无加密数据）'} 均可解密")
        self.stdout.write(f"  媒体文件：{m['media']['files']} 个")
        self.stdout.write(self.style.SUCCESS("恢复完成。"))
