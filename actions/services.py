"""What actions need from the app process, handed to them at start-up."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CentreContact:
    """How to reach the Public Administration Centre (a deployment setting)."""

    name: str
    address: str
    hotline: str
    hours: str
    portal_url: str

    def lines(self) -> list[str]:
        """The contact details as short lines for a phone screen."""
        return [
            self.name,
            f"Địa chỉ: {self.address}",
            f"Đường dây nóng: {self.hotline}",
            f"Thời gian làm việc: {self.hours}",
            f"Cổng Dịch vụ công: {self.portal_url}",
        ]


@dataclass(frozen=True)
class Services:
    centre: CentreContact
