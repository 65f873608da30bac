"""Generated files (PDF reports) kept as files in the default storage.

A row stands for one file: one kind (``annual``, ``unit``...), its parameters,
the language and the layout and data versions it was asked for. Its ``key``
hashes all of these, so an identical request finds the row already queued,
running or done (the unique constraint makes that safe between processes), and
a change in the data gives a new key, hence a fresh file. See ``documents.files``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class GeneratedFile(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已生成")
        FAILED = "failed", _("生成失败")

    key = models.CharField(_("标识"), max_length=64)
    # The same kind and parameters in another data version: older versions are
    # deleted once a newer one is done.
    family = models.CharField(_("文件系列"), max_length=64)
    kind = models.CharField(_("类型"), max_length=40)
    params = models.JSONField(_("参数"), default=dict)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    file = models.FileField(_("文件"), upload_to="generated/", blank=True, max_length=255)
    filename = models.CharField(_("文件名"), max_length=255, blank=True)
    pages = models.PositiveIntegerField(_("页数"), null=True, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    created_at = models.DateTimeField(_("请求时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("生成的文件")
        verbose_name_plural = _("生成的文件")
        constraints = [
            # One row per file: an identical request joins the row already there.
            models.UniqueConstraint(fields=["key"], name="generatedfile_unique_key"),
        ]
        indexes = [
            # The clean-up of a family's older versions when a new one is done.
            models.Index(fields=["family", "created_at"], name="generatedfile_family"),
            # The daily clean-up of files older than N days.
            models.Index(fields=["updated_at"], name="generatedfile_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.filename or self.kind}（{self.get_status_display()}）"

    @property
    def pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
