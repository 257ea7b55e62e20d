from linli.core.modules import ModuleConfig


class DataioConfig(ModuleConfig):
    name = "linli.dataio"
    label = "dataio"
    verbose_name = "数据导入导出"
    urls = "linli.dataio.urls"
    api = "linli.dataio.api.views"

    def register(self, m):
        from linli.core.export import register_list_export
        from linli.core.modules import AuditTrail, RetentionKind
        from linli.core.navigation import MenuItem
        from linli.core.roles import GRID_ROLES, OFFICE_ROLES, Role, verbs
        from linli.dataio import selectors, services

        register_list_export("linli.dataio.exports.list_export")  # every console list's 导出 Excel

        # An import batch sits in the region its importer works in: their community's staff see it too.
        m.scope("importbatch", "dataio.ImportBatch")

        # importbatch: the import ledger (导入台账).
        m.allow(OFFICE_ROLES + GRID_ROLES, verbs(("importbatch",), ("view", "change")))
        m.allow((Role.AUDITOR,), {"importbatch.view"})

        m.menu("数据", MenuItem("批量导入", "dataio:import_list", "importbatch.view"))
        m.menu("数据", MenuItem("我的导出", "dataio:export_list", None))

        # Uploads, problem-rows files, undo traces and export files have storage limits; the auditor's person
        # trail shows the exports that contained a person and the imports that wrote them.
        m.retention(
            RetentionKind("export_file", "导出文件", 1, services.purge_export_files, note="导出文件 24 小时后删除")
        )
        m.retention(RetentionKind("import_file", "导入上传文件与撤销痕迹", 30, services.purge_import_files,
                                  note="未导入的上传文件与撤销痕迹保存 30 天"))  # fmt: skip
        m.audit_trail(AuditTrail("dataio", accesses=selectors.trail_accesses))
