from django.apps import AppConfig


class DataioConfig(AppConfig):
    name = "linli.dataio"
    label = "dataio"
    verbose_name = "数据导入导出与个人信息保护"
