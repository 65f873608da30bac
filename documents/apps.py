from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("打印文件")

    def ready(self) -> None:
        # Registers the PDF and export kinds with the file store, in web and
        # worker processes alike.
        from documents import exports, pdfs  # noqa: F401
