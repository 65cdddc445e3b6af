"""The errors a person can put right, as one family: the command line maps each kind to its exit status in one
place (`dashboard.cli.exit_status`), the dashboard shows them as messages, and anything else is a defect of ours.

- `UsageError`: what was asked cannot be done as asked (an option, a path, an address, a setting): exit 2;
- `RefusedError`: what was asked was understood but cannot be made from this data (a chart that cannot be
  drawn, an export that failed): exit 1.
"""

from __future__ import annotations


class DashboardError(Exception):
    """A problem said in words that name what is wrong and, where there is one, what to do instead."""


class UsageError(DashboardError, ValueError):
    """An option, a path, an address or a setting that cannot be used as given."""


class RefusedError(DashboardError):
    """A request understood but refused: what it asks cannot be made from the data at hand."""
