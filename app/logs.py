"""Logging set-up: no token, personal number or conversation id reaches a log line.

Every line, the app's own and the Rasa server's (copied by the runner), goes through one
:class:`Redactor`: secrets in URLs and headers, CCCD/CMND, phone, e-mail and account numbers
(:func:`app.privacy.mask_text`) and conversation ids (``web:<uuid>``, ``tg:<id>``,
``zalo:<id>``), which become the short keyed hash of :func:`app.privacy.sender_tag`.
Exception text is redacted the same way.
"""

from __future__ import annotations

import logging
import re

from app.privacy import mask_text, sender_tag

_SECRET_PARAM = re.compile(
    r"((?:token|access_token|refresh_token|secret|secret_key)=)[^&\s\"']+", re.IGNORECASE
)
_BEARER = re.compile(r"(Bearer\s+)\S+", re.IGNORECASE)
# A conversation id as the app and Rasa write it, also inside URLs (/conversations/<id>/,
# ?sender=web%3A<uuid> in an access log line).
_SENDER = re.compile(r"(?<![\w#])(web|tg|zalo)(?::|%3[Aa])([A-Za-z0-9_\-]{1,100})")


class Redactor:
    """Masks one text; ``key`` is APP_SECRET_KEY, which keys the hashes that replace ids."""

    def __init__(self, key: str = "") -> None:
        self.key = key

    def __call__(self, text: str) -> str:
        text = _SECRET_PARAM.sub(r"\1***", text)
        text = _BEARER.sub(r"\1***", text)
        text = _SENDER.sub(lambda m: sender_tag(self.key, f"{m.group(1)}:{m.group(2)}"), text)
        return mask_text(text)


class RedactingFilter(logging.Filter):
    """Rewrite every record's final message (and its exception text) through a :class:`Redactor`."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def configure_logging(level: str, key: str = "") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(Redactor(key)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn's loggers print through the root handler, so through the filter.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # httpx logs every request URL at INFO; keep it for debugging only.
    logging.getLogger("httpx").setLevel(logging.WARNING)
