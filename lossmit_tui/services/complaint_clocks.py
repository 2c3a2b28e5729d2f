"""Complaint clocks from the store: each complaint's facts read in one query per batch of
cases, its clocks computed by domain/complaints.py.

The clock sync (services/clock.py) adds them to the case's loss-mitigation clocks, so their
open deadlines become the case's regulatory-deadline tasks like any other. A complaint's
deadlines are fixed by its own dates and the case's sale date, never by time alone: the daily
pass has nothing to redo for them, and every change that moves one (a complaint step, a sale
scheduled or postponed) syncs the case in its own transaction.
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db.tables import cases, complaints
from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.complaints import ComplaintFacts, complaint_clocks
from lossmit_tui.domain.regclock import Clock

c = complaints.c


def task_citation(citation: str, complaint_id: int) -> str:
    """A complaint clock's task source: its rule and which complaint, so two complaints on
    one case each keep their own deadline task."""
    return f"{citation} complaint {complaint_id}"


def facts_of(row: sa.Row | sa.RowMapping, sale_date: date | None) -> ComplaintFacts:
    """A complaint row (with its case's sale date) as the clocks read it."""
    return ComplaintFacts(
        id=row.id, received_on=row.received_on, channel=row.channel,
        type=row.complaint_type, category=row.category, topic=row.topic,
        at_designated=row.at_designated, designated_address=row.address_designated,
        sale_date=sale_date, acknowledged_on=row.acknowledged_on,
        extension_on=row.extension_on, responded_on=row.responded_on,
        corrected=row.corrected, documents_requested_on=row.documents_requested_on,
        documents_sent_on=row.documents_sent_on, exemption=row.exemption,
        exemption_decided_on=row.exemption_decided_on,
        exemption_notice_on=row.exemption_notice_on, closed_on=row.closed_on,
        target_bd=row.target_bd)


_SOURCE = re.compile(r" complaint (\d+)$")


def complaint_of_task(source: str | None) -> int | None:
    """The complaint a regulatory-deadline task's source names (`task_citation`), if any."""
    found = _SOURCE.search(source or "")
    return int(found.group(1)) if found else None


def load_complaint_facts(conn: Connection, case_ids: Sequence[int], *,
                         open_only: bool = False,
                         also: Iterable[int] = ()) -> dict[int, list[ComplaintFacts]]:
    """The complaints of these cases (every one, or the open ones and those in `also`), by
    case, oldest first."""
    query = (sa.select(complaints, cases.c.fc_sale_date)
             .join(cases, cases.c.id == c.case_id)
             .where(c.case_id.in_(list(case_ids))).order_by(c.received_on, c.id))
    if open_only:
        extra = sorted(set(also))
        query = query.where(sa.or_(c.status == "open", c.id.in_(extra)) if extra
                            else c.status == "open")
    found: dict[int, list[ComplaintFacts]] = defaultdict(list)
    for row in conn.execute(query):
        found[row.case_id].append(facts_of(row, row.fc_sale_date))
    return found


def complaint_task_clocks(conn: Connection, case_ids: Sequence[int], today: date,
                          calendar: BusinessCalendar,
                          open_tasks: Iterable[str | None] | None = None
                          ) -> dict[int, list[Clock]]:
    """The complaint clocks of these cases, each rule named with its complaint (the form
    the regulatory-deadline tasks take). Given the sources of the cases' open deadline
    tasks, only the open complaints are read, and the closed ones that still have an open
    task (the sync that follows a closure completes or cancels them): a book's years of
    closed complaints are not worked out again on every sync. Without them, every
    complaint."""
    also = [] if open_tasks is None else [
        n for n in (complaint_of_task(s) for s in open_tasks) if n is not None]
    clocks: dict[int, list[Clock]] = defaultdict(list)
    for case_id, facts in load_complaint_facts(conn, case_ids, open_only=open_tasks is not None,
                                               also=also).items():
        for one in facts:
            for clock in complaint_clocks(one, today, calendar):
                clocks[case_id].append(replace(clock, rule=replace(
                    clock.rule, citation=task_citation(clock.rule.citation, one.id))))
    return clocks
