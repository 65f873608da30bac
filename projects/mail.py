"""Sending the application's e-mail: user text made safe for a header, and a
failed delivery turned into a reason the office can read (never a 500).

Django refuses a header holding a line break (``BadHeaderError``), and a mail
server that is down raises ``ConnectionRefusedError`` from the SMTP backend;
:func:`deliver` catches both kinds and says what went wrong, in Chinese.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import unicodedata

from django.core.mail import BadHeaderError, EmailMessage
from django.utils.translation import gettext as _

logger = logging.getLogger("zhucheng.mail")

# A subject longer than this is cut (RFC 5322 recommends lines of at most 78
# characters; a folded subject of about 120 CJK characters still reads well).
SUBJECT_MAX = 120
# The error text kept on a record.
ERROR_MAX = 500


def header_text(value: object, max_length: int = SUBJECT_MAX) -> str:
    """``value`` as one line safe for an e-mail header: control characters
    (CR, LF, TAB, NUL, …), line and paragraph separators and format characters
    (zero-width, bidi overrides) become spaces, runs of spaces one, and the
    result is cut to ``max_length`` characters (ending in "…")."""
    text = "" if value is None else str(value)
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs") else ch for ch in text
    )
    line = " ".join(cleaned.split())
    if len(line) > max_length:
        line = line[: max_length - 1].rstrip() + "…"
    return line


def failure_reason(exc: BaseException) -> str:
    """Why a message was not sent, in Chinese, with the technical cause after it."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        reason = _("邮件服务器拒绝登录，请检查邮件账号设置")
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        reason = _("邮件服务器拒收收件人地址")
    elif isinstance(exc, smtplib.SMTPException):
        reason = _("邮件服务器返回错误")
    elif isinstance(exc, BadHeaderError):
        reason = _("邮件标题含有不允许的字符")
    elif isinstance(exc, ConnectionRefusedError | TimeoutError | socket.gaierror):
        reason = _("无法连接邮件服务器")
    elif isinstance(exc, OSError):
        reason = _("与邮件服务器的连接出错")
    else:
        reason = _("邮件发送出错")
    detail = header_text(f"{type(exc).__name__}: {exc}", ERROR_MAX - len(reason) - 2)
    return f"{reason}（{detail}）"


def deliver(message: EmailMessage) -> str:
    """Send ``message``; "" when sent, else the reason (see :func:`failure_reason`).

    The failure is logged with its traceback; the caller records the reason.
    """
    try:
        message.send()
    except Exception as exc:  # any backend error: the record says why, the page stays up
        logger.exception("e-mail to %s failed", ", ".join(message.to))
        return failure_reason(exc)
    return ""
