"""``manage.py linli_backup``: one archive of the database and media files, and the key ring in a separate file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from linli.core import backup


class Command(BaseCommand):
    help = "备份：数据库（SQLite 在线备份 / PostgreSQL pg_dump）与媒体文件打成一个包，密钥环另存为单独的文件"

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="备份包路径（默认 var/backups/linli-时间.tar.gz）")
        parser.add_argument("--keys-output", type=Path, help="密钥文件路径（默认与备份包同名 .keys.json，请另处保存）")
        parser.add_argument("--no-keys", action="store_true", help="不导出密钥（密钥已由密钥管理系统另行保管时）")

    def handle(self, *args, output, keys_output, no_keys, **options):
        default_archive, default_keys = backup.default_paths()
        output = output or default_archive
        if keys_output is None and not no_keys:
            keys_output = output.with_name(output.name.removesuffix(".gz").removesuffix(".tar") + ".keys.json")
            if output == default_archive:
                keys_output = default_keys
        try:
            result = backup.backup(output=output, keys_output=None if no_keys else keys_output)
        except backup.BackupError as exc:
            raise CommandError(exc.message)
        m = result.manifest
        self.stdout.write(self.style.SUCCESS(f"备份完成：{result.archive}"))
        self.stdout.write(
            f"  数据库 {m['database']['vendor']}：{len(m['tables'])} 张表，共 {sum(m['tables'].values()):,} 行"
        )
        self.stdout.write(f"  媒体文件：{m['media']['files']} 个，{m['media']['bytes']:,} 字节")
        if result.keys_file:
            self.stdout.write(f"  密钥环：{result.keys_file}（指纹 {m['keys']['fingerprint']}）")
            self.stdout.write(
                self.style.WARNING(
                    "  请把密钥文件与备份包分开保存（例如离线介质或密码库）：二者同时泄露才会暴露身份证号。"
                )
            )
        else:
            self.stdout.write(f"  未导出密钥（指纹 {m['keys']['fingerprint']}）：恢复时需要同一套密钥。")
