"""A milestone's timeline: its own change history (django-simple-history), the
reports on it and their review, its deadline extension requests (延期申请) and
their decisions, the reminders about it and the whole loop of every 督办单 about
it (交办, 签收, 反馈, 办结/销号 or 升级), newest first.

Costs a fixed number of queries: the milestone's history rows, its reports and
its extension requests (the caller may pass either prefetched), its reminders,
its 督办单 with their files, and one per foreign key that changed (rare: the unit or sub-item of a milestone).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history.models import ModelDelta

from common import clock
from projects.models import DeadlineExtension, Milestone, ProgressReport, Supervision

HIDDEN_FIELDS = {"id", "updated_at"}


@dataclasses.dataclass
class Event:
    when: dt.datetime
    who: str
    kind: str  # css hook: change, report, review, return, reminder
    title: str
    details: list[str] = dataclasses.field(default_factory=list)


def _who(user) -> str:
    if user is None:
        return _("系统")
    return user.get_full_name() or user.get_username()


def _show(field: models.Field, value, names: dict) -> str:
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):
        return names.get((field.related_model, value), f"#{value}")
    if isinstance(value, dt.date):
        return date_format(value, "DATE_FORMAT")
    return str(value)


def _history_events(milestone: Milestone) -> list[Event]:
    # Diffed in the order the rows were written (history_id), not by their time:
    # rows written before and after ZHUCHENG_TODAY was set are not in time order.
    records = list(milestone.history.select_related("history_user").order_by("history_id"))
    fields = {f.name: f for f in Milestone._meta.concrete_fields if f.name not in HIDDEN_FIELDS}
    deltas: list[ModelDelta | None] = []
    previous = None
    for record in records:
        deltas.append(record.diff_against(previous) if previous is not None else None)
        previous = record

    # Names of the related rows that appear in changes, one query per model.
    wanted: dict[type[models.Model], set] = {}
    for delta in deltas:
        for change in delta.changes if delta else ():
            field = fields.get(change.field)
            if isinstance(field, models.ForeignKey) and not isinstance(field.related_model, str):
                wanted.setdefault(field.related_model, set()).update({change.old, change.new})
    names = {}
    for model, pks in wanted.items():
        for obj in model._default_manager.filter(pk__in=[p for p in pks if p is not None]):
            names[(model, obj.pk)] = str(obj)

    events = []
    for record, delta in zip(records, deltas, strict=True):
        who = _who(record.history_user)
        if record.history_type == "+":
            events.append(Event(record.history_date, who, "change", _("创建进度节点")))
        elif record.history_type == "-":
            events.append(Event(record.history_date, who, "change", _("删除进度节点")))
        elif delta is not None:  # None: the oldest row left is a change (history pruned)
            details = [
                f"{fields[c.field].verbose_name}：{_show(fields[c.field], c.old, names)} → "
                f"{_show(fields[c.field], c.new, names)}"
                for c in (delta.changes if delta else ())
                if c.field in fields
            ]
            if details:
                title = _("修改进度节点")
                if record.history_change_reason:
                    title += f"（{record.history_change_reason}）"
                events.append(Event(record.history_date, who, "change", title, details))
    return events


def _report_events(report: ProgressReport) -> list[Event]:
    summary = f"{report.get_status_display()} {report.percent}%"
    if report.done_date:
        summary += _("，完成日期 %(date)s") % {"date": date_format(report.done_date, "DATE_FORMAT")}
    details = [summary]
    if report.route_note:  # went straight to the mayor's office, and why
        details.append(report.get_route_note_display())
    events = [Event(report.created_at, _who(report.author), "report", _("提交进展填报"), details)]
    Review = ProgressReport.Review
    head_returned = report.review_state == Review.RETURNED and report.reviewed_at is None
    if report.head_approved_at:
        if head_returned:
            events.append(
                Event(
                    report.head_approved_at,
                    _who(report.head_approved_by),
                    "return",
                    _("单位负责人退回"),
                    [_("退回原因：%(reason)s") % {"reason": report.return_reason}],
                )
            )
        else:
            events.append(
                Event(
                    report.head_approved_at,
                    _who(report.head_approved_by),
                    "review",
                    _("单位负责人审核通过"),
                )
            )
    if report.reviewed_at:
        if report.review_state == Review.RETURNED:
            events.append(
                Event(
                    report.reviewed_at,
                    _who(report.reviewed_by),
                    "return",
                    _("市政府办公室退回"),
                    [_("退回原因：%(reason)s") % {"reason": report.return_reason}],
                )
            )
        else:
            events.append(
                Event(
                    report.reviewed_at,
                    _who(report.reviewed_by),
                    "review",
                    _("市政府办公室审核通过"),
                )
            )
    return events


def _supervision_events(item: Supervision, today: dt.date) -> list[Event]:
    """The loop of one 督办单 as events: 交办, 签收, 反馈, 办结/销号 or 升级."""
    name = _("%(level)s单 #%(pk)s") % {"level": item.level.name, "pk": item.pk}
    sent = [
        _("督办要求：%(text)s") % {"text": item.text},
        _("签收时限 %(ack)s，反馈时限 %(answer)s")
        % {
            "ack": date_format(item.ack_due, "DATE_FORMAT"),
            "answer": date_format(item.answer_due, "DATE_FORMAT"),
        },
    ]
    if item.delivery == item.Delivery.NO_RECIPIENT:
        sent.append(_("该单位没有填写邮箱的填报员或负责人，未发邮件（仅平台内可见）"))
    elif item.delivery == item.Delivery.FAILED:
        sent.append(_("邮件未发出：%(reason)s") % {"reason": item.delivery_error})
    elif item.recipients:
        sent.append(_("邮件发送至：%(to)s") % {"to": item.recipients})
    title = _("交办%(name)s（%(unit)s）") % {"name": name, "unit": item.unit.name}
    if item.previous_id:
        title = _("升级交办%(name)s（%(unit)s）") % {"name": name, "unit": item.unit.name}
    events = [
        Event(
            item.sent_at,
            _who(item.sent_by) if item.sent_by else _("每日定时任务"),
            "reminder",
            title,
            sent,
        )
    ]
    if item.acknowledged_at:
        late = [_("逾期签收")] if item.ack_late(today) else []
        events.append(
            Event(
                item.acknowledged_at,
                _who(item.acknowledged_by),
                "review",
                _("签收%(name)s") % {"name": name},
                late,
            )
        )
    if item.answered_at:
        details = [item.answer]
        files = list(item.files.all())
        if files:
            details.append(
                _("佐证材料：%(names)s") % {"names": "、".join(f.original_name for f in files)}
            )
        if item.answer_late(today):
            details.append(_("逾期反馈"))
        events.append(
            Event(
                item.answered_at,
                _who(item.answered_by),
                "report",
                _("反馈%(name)s") % {"name": name},
                details,
            )
        )
    if item.closed_at:
        closed = item.state == item.State.CLOSED
        events.append(
            Event(
                item.closed_at,
                _who(item.closed_by) if item.closed_by else _("每日定时任务"),
                "review" if closed else "return",
                (_("办结（销号）%(name)s") if closed else _("升级%(name)s")) % {"name": name},
                [item.close_note] if item.close_note else [],
            )
        )
    return events


def _extension_events(extension: DeadlineExtension) -> list[Event]:
    """The request, the head's decision and the office's, with their reasons. The
    due date's move shows as a change of the milestone, by the approver."""
    details = [
        _("申请延期至 %(new)s（原完成时限 %(old)s）")
        % {
            "new": date_format(extension.new_due_date, "DATE_FORMAT"),
            "old": date_format(extension.old_due_date, "DATE_FORMAT"),
        },
        _("延期理由：%(reason)s") % {"reason": extension.reason},
        _("目前进展：%(progress)s") % {"progress": extension.progress},
    ]
    if extension.route_note:
        details.append(extension.get_route_note_display())
    events = [
        Event(
            extension.created_at, _who(extension.requested_by), "report", _("提交延期申请"), details
        )
    ]
    refused = extension.review_state == DeadlineExtension.Review.RETURNED
    why = [_("不予批准理由：%(reason)s") % {"reason": extension.return_reason}] if refused else []
    head_refused = refused and extension.reviewed_at is None
    if extension.head_approved_at:
        who = _who(extension.head_approved_by)
        if head_refused:
            title = _("单位负责人不同意延期")
            events.append(Event(extension.head_approved_at, who, "return", title, why))
        else:
            title = _("单位负责人同意延期，报送市政府办公室")
            events.append(Event(extension.head_approved_at, who, "review", title))
    if extension.reviewed_at:
        who = _who(extension.reviewed_by)
        if refused:
            title = _("市政府办公室不予批准延期")
            events.append(Event(extension.reviewed_at, who, "return", title, why))
        else:
            title = _("市政府办公室批准延期至 %(date)s") % {
                "date": date_format(extension.new_due_date, "DATE_FORMAT")
            }
            events.append(Event(extension.reviewed_at, who, "review", title))
    return events


def milestone_timeline(milestone: Milestone, reports=None, extensions=None) -> list[Event]:
    """Everything that happened to the milestone, newest first."""
    if reports is None:
        reports = milestone.reports.select_related("author", "head_approved_by", "reviewed_by")
    if extensions is None:
        extensions = milestone.extensions.select_related(
            "requested_by", "head_approved_by", "reviewed_by"
        )
    events = _history_events(milestone)
    for report in reports:
        events += _report_events(report)
    for extension in extensions:
        events += _extension_events(extension)
    for reminder in milestone.reminders.select_related("sent_by", "sent_to"):
        title = reminder.get_kind_display()
        details = [_("发送至：%(unit)s") % {"unit": reminder.sent_to.name}]
        if reminder.recipients:
            details.append(_("收件人：%(to)s") % {"to": reminder.recipients})
        else:
            details.append(_("该单位没有填写邮箱的填报员，未发出邮件"))
        if reminder.delivery == reminder.Delivery.FAILED:
            details.append(_("邮件未发出：%(reason)s") % {"reason": reminder.delivery_error})
        elif reminder.delivery == reminder.Delivery.PENDING:
            details.append(_("邮件是否发出未确认"))
        events.append(
            Event(reminder.created_at, _who(reminder.sent_by), "reminder", title, details)
        )
    today = clock.today()
    for item in milestone.supervisions.select_related(
        "level", "unit", "sent_by", "acknowledged_by", "answered_by", "closed_by"
    ).prefetch_related("files"):
        events += _supervision_events(item, today)
    events.sort(key=lambda e: e.when or clock.now(), reverse=True)
    return events
