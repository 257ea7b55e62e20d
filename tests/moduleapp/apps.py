from linli.core.modules import ModuleConfig


class ModuleAppConfig(ModuleConfig):
    """A module that exists only in tests: it registers nothing, and its encrypted column is found by type."""

    name = "tests.moduleapp"
    label = "moduleapp"
    verbose_name = "测试模块"
