"""Letters (docs/RULES.md section 10): composed from the case, rendered, kept as the record,
batched for the mail and marked mailed, which records the event that meets their clock.

A generated letter keeps its text exactly as rendered, the template it came from (where and
its SHA-256) and its PDF's SHA-256; it is never changed afterwards. Only its mailing status
moves (generated -> mailed -> returned), each move a versioned update (the status it had must
still be there, else the write is a conflict) with its audit row. A correction is a new
letter that points at the one it replaces.

Each write is one transaction with its audit rows; who may act on the case is checked first
(services/access.py). A batch writes one transaction per letter.
"""

import csv
import hashlib
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from db.models import (
    CaseEvent,
    Letter,
    User,
    utcnow,
)
from db.tables import case_events, cases, complaints, letters, users
from lossmit_tui.config import Settings, letter_templates_dir, private_dir
from lossmit_tui.domain.calendar import BusinessCalendar
from lossmit_tui.domain.enums import EventKind
from lossmit_tui.domain.letters import (
    COMPLAINT_KINDS,
    DEFAULT_LANGUAGE,
    ERROR_LETTERS,
    KINDS,
    REQUEST_LETTERS,
    LetterKind,
    kind_of,
    letter_date,
    letter_money,
    letter_phone,
    missing_data,
    term_lines,
)
from lossmit_tui.domain.values import clean_multiline, csv_cell
from lossmit_tui.services import audit
from lossmit_tui.services.access import (
    case_scope,
    read_case,
    require_active,
    require_case_access,
)
from lossmit_tui.services.errors import Conflict, InvalidInput, NotFound
from lossmit_tui.services.letter_pdf import pick_font, render_pdf
from lossmit_tui.services.letter_templates import LetterTemplate, load_template, render
from lossmit_tui.services.letters_due import Owed, owed_letters
from lossmit_tui.services.users import require_user
from lossmit_tui.services.workspace import Workspace

STATUSES = ("generated", "mailed", "returned")

# What to do when a merge field has no value, for the refusal.
_WHERE = {
    "servicer_name": "the servicer's name (set servicer_name in the settings file)",
    "servicer_address": "the servicer's mailing address (set servicer_address in the "
                        "settings file)",
    "servicer_phone": "the servicer's phone (set servicer_phone in the settings file)",
    "borrowers": "the borrower's name",
    "property_address": "the property address (edit the case)",
    "spoc_name": "the single point of contact (assign the case to someone)",
    "spoc_phone": "the SPOC's direct phone (assign the case, and set spoc_phones.<username> "
                  "in the settings file)",
    "counselor_url": "the housing-counselor web address (housing_counselor_url)",
    "hud_phone": "HUD's toll-free number (hud_phone)",
    "received_on": "the day the application was received (record application_received)",
    "missing": "the documents still missing (request them on the case)",
    "return_by": "the return-by date",
    "complete_on": "the day the application became complete (record application_complete)",
    "decide_by": "the decision date",
    "third_party": "the third party whose documents are missing (--third-party)",
    "third_party_documents": "the documents the third party has not sent (--document)",
    "offer_name": "the option offered (record offer_sent from the evaluation)",
    "accept_by": "the deadline to accept (record offer_sent from the evaluation)",
    "denials": "the options denied and why (an evaluation needs the note rate and P&I)",
    "trial_payments": "the trial's payments (record trial_started with its schedule)",
    "appeal_outcome": "the appeal's outcome (record appeal_decided)",
    "complaint_received_on": "the complaint's received date",
    "complaint_what": "what the complaint is",
    "correction": "the correction made (record the finding error_found with --correction)",
    "correction_effective_on": "the correction's effective date (record the finding with "
                               "--effective)",
    "reasons": "the reasons (--reason)",
    "new_due": "the extended response date",
    "documents_requested_on": "the day the borrower asked for the documents (record the "
                              "step documents_requested)",
    "documents": "the documents relied on (--document, repeat)",
    "exemption_basis": "the basis of the exemption (record the step exemption)",
    "information": "the information requested (--information)",
}

# The merge fields a template may use, with no value until a kind's data fills them.
_KIND_FIELDS = ("received_on", "complete", "missing", "return_by", "complete_on", "decide_by",
                "filed", "third_party", "third_party_documents", "offer_name", "offer_terms",
                "accept_by", "denials", "appeal_deadline", "not_evaluated", "trial_payments",
                "appeal_outcome", "rule_set", "rule_set_effective", "complaint_received_on",
                "complaint_what", "correction", "correction_effective_on", "remediation",
                "reasons", "new_due", "documents_requested_on", "documents",
                "exemption_basis", "complaint_asked", "information")


@dataclass(frozen=True)
class Composed:
    """A letter ready to keep: its kind, the template used, the text, and a note for the
    preview when the borrower's language had no template."""

    kind: LetterKind
    template: LetterTemplate
    text: str
    letter_day: date
    note: str = ""
    complaint_id: int | None = None
    reason: str | None = None  # the reasons a complaint letter gave


@dataclass(frozen=True)
class LetterRow:
    """A stored letter as lists and previews show it."""

    id: int
    case_id: int
    loan_number: str
    kind: str
    title: str
    language: str
    status: str
    letter_date: date
    batch_id: str | None
    replaces_id: int | None
    mailed_on: date | None
    returned_on: date | None
    pdf_sha256: str
    text: str
    font: str


@dataclass
class BatchReport:
    """What a batch wrote (letter ids and their files) and what it refused, and why."""

    batch_id: str
    folder: Path
    written: list[tuple[int, str, str]] = field(default_factory=list)  # id, loan, file
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # loan, kind, why


# --- composing ------------------------------------------------------------------------------


def _address(case: sa.RowMapping) -> str | None:
    city_line = " ".join(p for p in (case["property_state"], case["property_zip"]) if p)
    parts = [p for p in (case["property_address"], case["property_city"], city_line) if p]
    return ", ".join(parts) if case["property_address"] else None


def _events(conn: Connection, case_id: int) -> list[sa.Row[Any]]:
    return list(conn.execute(sa.select(case_events.c.kind, case_events.c.occurred_on,
                                       case_events.c.payload)
                             .where(case_events.c.case_id == case_id)
                             .order_by(case_events.c.occurred_on, case_events.c.id)))


def _latest(events: Sequence[sa.Row[Any]], *kinds: str) -> sa.Row[Any] | None:
    found = [e for e in events if e.kind in kinds]
    return found[-1] if found else None


def _spocs(conn: Connection, user_ids: Sequence[int]) -> dict[int, Any]:
    """The users (username and display name) of these ids, by id."""
    ids = sorted(set(user_ids))
    return {u.id: u for u in conn.execute(sa.select(users.c.id, users.c.username,
                                                   users.c.display_name)
                                         .where(users.c.id.in_(ids)))} if ids else {}


def _base_fields(conn: Connection, settings: Settings, case: sa.RowMapping, day: date,
                 language: str, spocs: Mapping[int, Any] | None = None
                 ) -> dict[str, Any]:
    spoc = None
    if case["assignee_id"] is not None:
        if spocs is None or case["assignee_id"] not in spocs:
            spocs = _spocs(conn, [case["assignee_id"]])
        spoc = spocs.get(case["assignee_id"])
    names = [n for n in (case["borrower_name"], case["co_borrower_name"]) if n]
    joiner = " y " if language == "es" else " and "
    fields: dict[str, Any] = {
        "servicer_name": settings.servicer_name,
        "servicer_address": settings.servicer_address,
        "servicer_phone": settings.servicer_phone,
        "counselor_url": settings.housing_counselor_url,
        "hud_phone": settings.hud_phone,
        "letter_date": letter_date(day, language),
        "loan_number": case["loan_number"],
        "borrowers": joiner.join(names),
        "property_address": _address(case),
        "investor": case["investor"],
        "oldest_unpaid_due": letter_date(case["next_due_date"], language),
        "spoc_name": spoc.display_name if spoc else None,
        "spoc_phone": (letter_phone(settings.spoc_phones.get(spoc.username)) if spoc
                       else None),
    }
    fields.update(dict.fromkeys(_KIND_FIELDS))
    return fields


def _evaluated(conn: Connection, settings: Settings, case_id: int,
               as_of: date) -> tuple[list[str], dict[str, str | None]]:
    """Each option the evaluation found not available, with its reasons, in words; and
    which rule set decided (`rule_set`: name and version, `rule_set_effective`: the day it
    took effect), None when the loan cannot be evaluated."""
    from lossmit_tui.evaluation import CannotEvaluate, evaluate_case

    try:
        evaluation = evaluate_case(conn, settings, case_id=case_id, as_of=as_of)
    except CannotEvaluate:
        return [], {"rule_set": None, "rule_set_effective": None}
    rs = evaluation.rule_set
    return ([f"{o.name.replace('_', ' ').capitalize()}: " + "; ".join(o.reasons)
             for o in evaluation.options if not o.eligible],
            {"rule_set": evaluation.rule_label,
             "rule_set_effective": rs.effective_from.isoformat() if rs else None})


def _kind_fields(conn: Connection, settings: Settings, case: sa.RowMapping,
                 kind: LetterKind, day: date, calendar: BusinessCalendar, language: str,
                 extra: Mapping[str, Any]) -> dict[str, Any]:
    """The merge data a kind adds, read from the case's events, documents and evaluation."""
    from lossmit_tui.services.cases import acknowledgment_content

    # The case's events, read once and only for the kinds that use them (the
    # early-intervention notices and the SPOC letter do not).
    needs_events = kind.key in ("acknowledgment", "complete_notice", "offer",
                                "short_term_option", "denial", "trial_plan",
                                "appeal_determination")
    events = _events(conn, case["id"]) if needs_events else []
    out: dict[str, Any] = {}

    def when(d: date | None) -> str | None:
        return letter_date(d, language) if d else None

    if kind.key == "acknowledgment":
        received = _latest(events, EventKind.APPLICATION_RECEIVED)
        out["received_on"] = when(received.occurred_on if received else None)
        said = acknowledgment_content(conn, case, day)
        out["complete"] = bool(said.get("complete"))
        out["missing"] = [m.replace("_", " ") for m in said.get("missing", [])]
        out["return_by"] = when(date.fromisoformat(said["return_by"])
                                if said.get("return_by") else None)
    elif kind.key == "complete_notice":
        complete = _latest(events, EventKind.APPLICATION_COMPLETE)
        out["complete_on"] = when(complete.occurred_on if complete else None)
        out["decide_by"] = when(complete.occurred_on + timedelta(days=30) if complete
                                else None)
        out["filed"] = _latest(events, EventKind.FC_FIRST_FILING) is not None
    elif kind.key == "third_party_delay":
        out["third_party"] = extra.get("third_party") or None
        out["third_party_documents"] = list(extra.get("third_party_documents") or [])
    elif kind.key in ("offer", "short_term_option"):
        offer = _latest(events, EventKind.OFFER_SENT)
        terms = dict((offer.payload or {}).get("offer") or {}) if offer else {}
        name = terms.pop("name", None)
        out["offer_name"] = str(name).replace("_", " ") if name else None
        out["offer_terms"] = term_lines(terms)
        if offer is not None:
            out["accept_by"] = when(offer.occurred_on + timedelta(days=14))
            if kind.key == "offer":
                denials, rules_used = _evaluated(conn, settings, case["id"],
                                                 offer.occurred_on)
                out["denials"] = denials
                # The rule set the offer was made under, as recorded with it (offers from
                # before it was recorded: the set in force on the offer's day).
                recorded = (offer.payload or {}).get("offer") or {}
                if recorded.get("rule_set"):
                    rules_used = {"rule_set": str(recorded["rule_set"]),
                                  "rule_set_effective": recorded.get(
                                      "rule_set_effective_from")}
                out.update(rules_used)
                if any("modification" in d.lower() for d in denials):
                    out["appeal_deadline"] = when(offer.occurred_on + timedelta(days=14))
    elif kind.key == "denial":
        denied = _latest(events, EventKind.DENIED)
        as_of = denied.occurred_on if denied else day
        out["denials"], rules_used = _evaluated(conn, settings, case["id"], as_of)
        out.update(rules_used)
        out["appeal_deadline"] = when(as_of + timedelta(days=14))
    elif kind.key == "trial_plan":
        from lossmit_tui.domain.trial import Schedule

        started = _latest(events, EventKind.TRIAL_STARTED)
        schedule = (Schedule.from_payload(started.occurred_on, started.payload or {})
                    if started else None)
        if schedule is not None:
            out["trial_payments"] = [f"{letter_money(schedule.amount_cents)} due "
                                     f"{letter_date(d, language)}"
                                     for d in schedule.due_dates]
    elif kind.key == "appeal_determination":
        decided = _latest(events, EventKind.APPEAL_DECIDED)
        outcome = (decided.payload or {}).get("outcome") if decided else None
        out["appeal_outcome"] = ({"upheld": "the denial stands",
                                  "overturned": "the denial is reversed"}.get(outcome)
                                 if outcome else None)
        if decided is not None:
            out["accept_by"] = when(max(day, decided.occurred_on) + timedelta(days=14))
    effective = out.get("rule_set_effective")
    if isinstance(effective, str):
        try:
            out["rule_set_effective"] = when(date.fromisoformat(effective))
        except ValueError:
            out["rule_set_effective"] = None
    return out


# What the complaint is, and an exemption's basis, in the letter's language.
_COMPLAINT_WHAT = {
    "en": {"notice_of_error": "notice of error",
           "request_for_information": "request for information",
           "qualified_written_request": "qualified written request",
           "regulator_complaint": "complaint", "general_complaint": "complaint"},
    "es": {"notice_of_error": "aviso de error",
           "request_for_information": "solicitud de información",
           "qualified_written_request": "solicitud escrita calificada",
           "regulator_complaint": "queja", "general_complaint": "queja"},
}
# Each reads after "porque" in the Spanish exemption notice.
EXEMPTION_BASIS_ES = {
    "duplicative": "plantea el mismo asunto que ya atendimos, sin información nueva y "
                   "relevante",
    "overbroad": "no podemos determinar razonablemente qué error nos indica o qué "
                 "información nos pide",
    "untimely": "llegó más de un año después de que transferimos la administración del "
                "préstamo o de que el préstamo se liquidó",
    "confidential": "pide información confidencial, reservada o protegida por ley",
    "irrelevant": "pide información que no se relaciona directamente con la cuenta de su "
                  "préstamo",
    "unduly_burdensome": "responder a lo que pide supondría una carga excesiva",
}
MAX_INFORMATION = 5000  # the answer to a request for information, as typed


def _complaint_fields(conn: Connection, case_id: int, kind: LetterKind, complaint_id: int,
                      day: date, calendar: BusinessCalendar, language: str,
                      extra: Mapping[str, Any]) -> dict[str, Any]:
    """The merge data of a complaint letter, read from its complaint; refused when the
    complaint is not at the step the letter stands for (a no-error response before the
    finding, an extension the rule no longer allows, ...)."""
    from lossmit_tui.domain.complaints import (
        EXEMPTIONS,
        EXTENSION_BD,
        Finding,
        extension_refusal,
        response_due,
    )
    from lossmit_tui.services.complaint_clocks import facts_of

    row = conn.execute(sa.select(complaints, cases.c.fc_sale_date).join(
        cases, cases.c.id == complaints.c.case_id).where(complaints.c.id == complaint_id)
    ).first()
    if row is None or row.case_id != case_id:
        raise InvalidInput(f"complaint: {complaint_id} is not a complaint of this loan")
    if row.status != "open":
        raise InvalidInput(f"complaint: {complaint_id} is closed ({row.closed_on}); a letter "
                           "for it would record no step")

    def when(d: date | None) -> str | None:
        return letter_date(d, language) if d else None

    facts = facts_of(row, row.fc_sale_date)
    if kind.key in REQUEST_LETTERS and not facts.is_request:
        raise InvalidInput(f"type: the letter “{kind.title}” answers a request for "
                           f"information (1024.36(d)); complaint {complaint_id} is a "
                           f"{row.complaint_type.replace('_', ' ')}")
    if kind.key in ERROR_LETTERS and not facts.is_error:
        raise InvalidInput(f"type: the letter “{kind.title}” answers a notice of error "
                           f"(1024.35(e)); complaint {complaint_id} is a "
                           f"{row.complaint_type.replace('_', ' ')}")
    reasons = " ".join(str(extra.get("reasons") or "").split()) or None
    whats = _COMPLAINT_WHAT.get(language, _COMPLAINT_WHAT["en"])
    out: dict[str, Any] = {"complaint_received_on": when(row.received_on),
                           "complaint_what": whats.get(row.complaint_type),
                           "complaint_asked": row.asked,
                           "reasons": reasons}
    if kind.key in ("complaint_corrected", "complaint_no_error", *REQUEST_LETTERS):
        wanted = {"complaint_corrected": Finding.ERROR_FOUND,
                  "complaint_no_error": Finding.NO_ERROR,
                  "complaint_information": Finding.INFORMATION_PROVIDED,
                  "complaint_not_available": Finding.INFORMATION_NOT_AVAILABLE}[kind.key]
        if row.finding != wanted:
            raise InvalidInput(f"finding: the letter “{kind.title}” needs the finding "
                               f"{wanted.value} recorded first (it is "
                               f"{row.finding or 'not recorded'})")
        out["correction"] = row.correction
        out["correction_effective_on"] = when(row.correction_effective_on)
        out["remediation"] = (letter_money(row.remediation_cents)
                              if row.remediation_cents else None)
    elif kind.key == "complaint_extension":
        refused = extension_refusal(facts, day, calendar)
        if refused:
            raise InvalidInput(f"extension: {refused}")
        due = response_due(facts, calendar)
        out["new_due"] = when(calendar.add_business_days(due, EXTENSION_BD) if due else None)
    elif kind.key == "complaint_documents":
        out["documents_requested_on"] = when(row.documents_requested_on)
        out["documents"] = [" ".join(str(d).split()) for d in extra.get("documents") or []
                            if str(d).strip()]
    elif kind.key == "complaint_exempt":
        bases = EXEMPTION_BASIS_ES if language == "es" else EXEMPTIONS
        out["exemption_basis"] = (bases.get(row.exemption, row.exemption)
                                  if row.exemption else None)
    if kind.key == "complaint_information":
        information = clean_multiline(str(extra.get("information") or ""))
        if len(information) > MAX_INFORMATION:
            raise InvalidInput(f"information: at most {MAX_INFORMATION} characters")
        out["information"] = information or None
    return out


def compose(conn: Connection, settings: Settings, calendar: BusinessCalendar, case_id: int,
            kind_key: str, day: date, extra: Mapping[str, Any] | None = None,
            complaint_id: int | None = None, *, case: sa.RowMapping | None = None,
            spocs: Mapping[int, Any] | None = None) -> Composed:
    """The letter `kind_key` for a case on `day`, in the borrower's language (English, said
    in `note`, when that language has no template); a complaint letter from its complaint.
    Refused (InvalidInput) for an unknown kind, a template that lacks a required element,
    or merge data that is missing. A batch passes the case row and its users (`_spocs`) it
    has already read."""
    try:
        kind = kind_of(kind_key)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    if kind.complaint_step is not None and complaint_id is None:
        raise InvalidInput(f"complaint: the letter “{kind.title}” is written from a "
                           "complaint; name it (lossmit complaint letter ID KIND)")
    if kind.complaint_step is None and complaint_id is not None:
        raise InvalidInput(f"kind: {kind_key} is not a complaint letter; use one of "
                           + ", ".join(COMPLAINT_KINDS))
    if case is None:
        case = conn.execute(sa.select(cases).where(cases.c.id == case_id)).mappings().first()
    if case is None:
        raise NotFound("this case no longer exists")
    wanted = case["preferred_language"] or DEFAULT_LANGUAGE
    template = load_template(kind, wanted, letter_templates_dir(settings))
    fields = _base_fields(conn, settings, case, day, template.language, spocs)
    fields.update(_kind_fields(conn, settings, case, kind, day, calendar, template.language,
                               extra or {}))
    if complaint_id is not None:
        fields.update(_complaint_fields(conn, case_id, kind, complaint_id, day, calendar,
                                        template.language, extra or {}))
    missing = missing_data(kind, fields)
    if missing:
        raise InvalidInput(f"the {kind.title.lower()} for loan {case['loan_number']} cannot "
                           "be generated without " + "; ".join(_WHERE.get(m, m)
                                                              for m in missing))
    note = (f"No {kind.key} template in {wanted!r}: this letter is in English."
            if template.fell_back else "")
    return Composed(kind, template, render(template, fields), day, note, complaint_id,
                    fields.get("reasons"))


# --- writing --------------------------------------------------------------------------------


def _rendered(composed: Composed) -> tuple[str, bytes]:
    """The letter's font and PDF (CannotDraw when no letter font draws its text)."""
    font = pick_font(composed.text)
    return font, render_pdf(composed.text, composed.kind.title, composed.letter_day, font)


def _created(composed: Composed, letter: Any, batch_id: str | None,
             replaces_id: int | None, loan: str) -> dict[str, Any]:
    """The audit row's `after` of a new letter."""
    return {"case": loan, "kind": composed.kind.key, "language": composed.template.language,
            "template": composed.template.origin,
            "template_sha256": composed.template.sha256, "pdf_sha256": letter["pdf_sha256"],
            "font": letter["font"], "replaces": replaces_id, "batch": batch_id}


def _keep(session: Session, actor: User, case_id: int, loan: str, composed: Composed,
          replaces_id: int | None, batch_id: str | None) -> tuple[Letter, bytes]:
    font, pdf = _rendered(composed)
    row = Letter(case_id=case_id, kind=composed.kind.key, language=composed.template.language,
                 template_origin=composed.template.origin,
                 template_sha256=composed.template.sha256, text=composed.text,
                 pdf_sha256=hashlib.sha256(pdf).hexdigest(), font=font, status="generated",
                 batch_id=batch_id, replaces_id=replaces_id, created_by_id=actor.id,
                 letter_date=composed.letter_day, complaint_id=composed.complaint_id,
                 reason=composed.reason)
    session.add(row)
    session.flush()
    audit.record(session, actor, "letter", row.id, "create",
                 after=_created(composed, {"pdf_sha256": row.pdf_sha256,
                                           "font": row.font},
                                batch_id, replaces_id, loan)
                 | ({"complaint": row.complaint_id} if row.complaint_id else {}))
    return row, pdf


def _generate_in(session: Session, ws: Workspace, case_id: int, kind_key: str,
                 replaces_id: int | None, extra: Mapping[str, Any] | None,
                 batch_id: str | None = None,
                 complaint_id: int | None = None) -> tuple[Letter, bytes]:
    actor = require_user(session, ws.username)
    require_case_access(session, actor, case_id, "generating a letter")
    conn = session.connection()
    loan = conn.execute(sa.select(cases.c.loan_number).where(cases.c.id == case_id)).scalar()
    if loan is None:
        raise NotFound("this case no longer exists")
    if replaces_id is not None:
        old = conn.execute(sa.select(letters.c.case_id).where(
            letters.c.id == replaces_id)).first()
        if old is None or old.case_id != case_id:
            raise InvalidInput(f"letter {replaces_id} is not a letter of loan {loan}: a "
                               "correction replaces a letter of the same case")
    composed = compose(conn, ws.settings, ws.calendar, case_id, kind_key, ws.today, extra,
                       complaint_id)
    return _keep(session, actor, case_id, str(loan), composed, replaces_id, batch_id)


def generate_letter(ws: Workspace, case_id: int, kind_key: str, *,
                    replaces_id: int | None = None,
                    extra: Mapping[str, Any] | None = None,
                    complaint_id: int | None = None) -> Letter:
    """Generate and keep a letter for a case, dated today, in one transaction; a correction
    names the letter it replaces (which stays as it was); a complaint letter names its
    complaint."""
    with ws.write() as session:
        return _generate_in(session, ws, case_id, kind_key, replaces_id, extra,
                            complaint_id=complaint_id)[0]


def preview_letter(ws: Workspace, case_id: int, kind_key: str,
                   extra: Mapping[str, Any] | None = None,
                   complaint_id: int | None = None) -> Composed:
    """The letter as it would be generated today, without keeping it."""
    with read_case(ws, case_id, "previewing a letter") as session:
        return compose(session.connection(), ws.settings, ws.calendar, case_id, kind_key,
                       ws.today, extra, complaint_id)


def _locked_letter(session: Session, letter_id: int) -> sa.RowMapping:
    row = session.connection().execute(sa.select(letters, cases.c.loan_number).join(
        cases, cases.c.id == letters.c.case_id).where(letters.c.id == letter_id)
    ).mappings().first()
    if row is None:
        raise NotFound(f"there is no letter {letter_id}")
    return row


def _move(session: Session, actor: User, letter: sa.RowMapping, to: str,
          values: dict[str, Any]) -> None:
    """The versioned status move: the status the letter had must still be there."""
    done = session.connection().execute(letters.update().where(
        letters.c.id == letter["id"], letters.c.status == letter["status"]).values(
        status=to, **values))
    if done.rowcount != 1:
        raise Conflict(f"letter {letter['id']} was changed by someone else meanwhile; look "
                       "at it again")
    audit.record(session, actor, "letter", letter["id"], to,
                 before={"status": letter["status"]},
                 after={"case": letter["loan_number"], "status": to,
                        **{k: v.isoformat() for k, v in values.items()}})


def _mail_in(session: Session, ws: Workspace, letter: sa.RowMapping, on: date) -> None:
    from lossmit_tui.config import trial_policy
    from lossmit_tui.services.cases import NewEvent, record_event_in

    actor = require_user(session, ws.username)
    require_case_access(session, actor, letter["case_id"], "recording a letter as mailed")
    if letter["status"] != "generated":
        raise InvalidInput(f"letter {letter['id']} is already {letter['status']}")
    if on < letter["letter_date"]:
        raise InvalidInput(f"letter {letter['id']} is dated {letter['letter_date']}: it cannot "
                           f"have been mailed on {on.isoformat()}")
    _move(session, actor, letter, "mailed", {"mailed_on": on})
    kind = KINDS.get(letter["kind"])
    if kind is not None and kind.complaint_step and letter["complaint_id"] is not None:
        from lossmit_tui.services.complaints import record_letter_step

        # The complaint step this letter stands for, on the day it was mailed: that is
        # what meets the complaint's clock (section 10).
        record_letter_step(session, ws, letter["complaint_id"], kind.complaint_step, on,
                           letter["reason"] or "", letter["id"])
    event = kind.event if kind is not None else None
    if event is not None:  # the event that meets the letter's clock, with the letter
        record_event_in(session, ws.username, letter["case_id"],
                        NewEvent(event, on, reason="" if on >= ws.today else
                                 f"mailed in batch {letter['batch_id']}",
                                 letter_id=letter["id"]),
                        ws.today, ws.weights, ws.calendar, trial_policy(ws.settings),
                        ws.settings.good_faith_attempts)


def _check_day(on: date, today: date) -> None:
    if on > today:
        raise InvalidInput(f"the mailing day {on.isoformat()} is in the future")


def mark_mailed(ws: Workspace, batch_id: str, on: date | None = None) -> list[int]:
    """Record every letter of a batch still awaiting the mail as mailed on `on` (default
    today), each with the event that meets its clock (the letter's id in its payload), in
    one transaction: all of the batch or none. Returns the letter ids."""
    day = on or ws.today
    _check_day(day, ws.today)
    with ws.write() as session:
        rows = session.connection().execute(sa.select(letters.c.id).where(
            letters.c.batch_id == batch_id, letters.c.status == "generated")
            .order_by(letters.c.id)).scalars().all()
        if not rows:
            raise NotFound(f"batch {batch_id!r} has no letters awaiting the mail")
        for letter_id in rows:
            _mail_in(session, ws, _locked_letter(session, letter_id), day)
        return list(rows)


def mark_letter_mailed(ws: Workspace, letter_id: int, on: date | None = None) -> None:
    """Record one letter awaiting the mail as mailed on `on` (default today), with the event
    or complaint step that meets its clock, in one transaction."""
    day = on or ws.today
    _check_day(day, ws.today)
    with ws.write() as session:
        _mail_in(session, ws, _locked_letter(session, letter_id), day)


def mark_returned(ws: Workspace, letter_id: int, on: date | None = None) -> None:
    """Record a mailed letter as returned undelivered on `on` (default today): its status,
    and a letter_returned event on the case with the letter's id, in one transaction."""
    day = on or ws.today
    _check_day(day, ws.today)
    with ws.write() as session:
        letter = _locked_letter(session, letter_id)
        actor = require_user(session, ws.username)
        require_case_access(session, actor, letter["case_id"], "recording a returned letter")
        if letter["status"] != "mailed":
            raise InvalidInput(f"letter {letter_id} is {letter['status']}: only a mailed "
                               "letter can come back")
        if letter["mailed_on"] is not None and day < letter["mailed_on"]:
            raise InvalidInput(f"letter {letter_id} was mailed on {letter['mailed_on']}: it "
                               f"cannot have come back on {day.isoformat()}")
        _move(session, actor, letter, "returned", {"returned_on": day})
        # Written here, not through the event form (a person cannot record it by hand); it
        # moves no stage and no clock.
        event = CaseEvent(case_id=letter["case_id"], kind=EventKind.LETTER_RETURNED,
                          occurred_on=day, author_id=actor.id,
                          payload={"letter_id": letter_id, "kind": letter["kind"]})
        session.add(event)
        session.flush()
        audit.record(session, actor, "case_event", event.id, "create",
                     after={"case": letter["loan_number"], "kind": event.kind,
                            "occurred_on": day.isoformat(), **event.payload})


# --- reading --------------------------------------------------------------------------------


def _row(r: sa.RowMapping) -> LetterRow:
    kind = KINDS.get(r["kind"])
    return LetterRow(r["id"], r["case_id"], r["loan_number"], r["kind"],
                     kind.title if kind else r["kind"], r["language"], r["status"],
                     r["letter_date"], r["batch_id"], r["replaces_id"], r["mailed_on"],
                     r["returned_on"], r["pdf_sha256"], r["text"], r["font"])


def case_letters(ws: Workspace, case_id: int) -> list[LetterRow]:
    """A case's letters, newest first."""
    with read_case(ws, case_id, "reading a case's letters") as session:
        rows = session.connection().execute(sa.select(letters, cases.c.loan_number).join(
            cases, cases.c.id == letters.c.case_id).where(letters.c.case_id == case_id)
            .order_by(letters.c.id.desc())).mappings().all()
    return [_row(r) for r in rows]


def letter_pdf(ws: Workspace, letter_id: int) -> tuple[LetterRow, bytes]:
    """A stored letter and its PDF, rendered again from the kept text and checked against
    the kept SHA-256 (a mismatch is an error: the record and the paper must agree)."""
    with ws.session() as session:
        found = _locked_letter(session, letter_id)
        actor = require_user(session, ws.username)
        require_case_access(session, actor, found["case_id"], "reading a letter", lock=False)
    row = _row(found)
    pdf = render_pdf(row.text, row.title, row.letter_date, row.font)
    if hashlib.sha256(pdf).hexdigest() != row.pdf_sha256:
        raise Conflict(f"letter {letter_id}'s PDF no longer renders to the bytes kept when it "
                       "was generated (the font or the PDF library changed): generate a "
                       "correction instead of printing this one")
    return row, pdf


# --- the daily batch ------------------------------------------------------------------------


def _batch_id(conn: Connection, today: date) -> str:
    prefix = today.isoformat()
    used = conn.execute(sa.select(sa.func.count(sa.distinct(letters.c.batch_id))).where(
        letters.c.batch_id.like(f"{prefix}-%"))).scalar() or 0
    return f"{prefix}-{used + 1}"


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "wb") as out:
        out.write(data)


MANIFEST_COLUMNS = ("batch_id", "letter_id", "loan_number", "kind", "language", "recipient",
                    "mailing_address", "file", "pdf_sha256")


# Letters kept per transaction in the batch: a failure loses at most this many (the batch
# can be run again: what was kept is awaiting the mail and joins the next one).
BATCH_CHUNK = 250


def _generate_chunk(ws: Workspace, chunk: Sequence[Owed], batch: str, report: BatchReport,
                    rendered: dict[int, bytes]) -> None:
    """Generate and keep the owed letters of `chunk` in one transaction: the cases read (and
    on PostgreSQL locked) at once, still within the user's cases; each letter with its audit
    row. A letter that cannot be generated is reported and skipped, the others kept."""
    with ws.write() as session:
        actor = require_user(session, ws.username)
        require_active(actor, "running the mail batch")
        conn = session.connection()
        found = conn.execute(sa.select(cases).where(
            cases.c.id.in_(sorted({o.case_id for o in chunk})), case_scope(actor))
            .with_for_update(of=cases)).mappings().all()
        rows = {r["id"]: r for r in found}
        spocs = _spocs(conn, [r["assignee_id"] for r in found if r["assignee_id"] is not None])
        kept: list[tuple[Owed, Composed, dict[str, Any], bytes]] = []
        for owed in chunk:
            case = rows.get(owed.case_id)
            if case is None:
                report.refused.append((owed.loan_number, owed.kind, "no longer one of your "
                                       "cases (reassigned meanwhile): not generated"))
                continue
            try:
                composed = compose(conn, ws.settings, ws.calendar, owed.case_id, owed.kind,
                                   ws.today, None, case=case, spocs=spocs)
                font, pdf = _rendered(composed)
            except (InvalidInput, NotFound) as exc:
                report.refused.append((owed.loan_number, owed.kind, str(exc)))
                continue
            kept.append((owed, composed, {
                "case_id": owed.case_id, "kind": composed.kind.key,
                "language": composed.template.language,
                "template_origin": composed.template.origin,
                "template_sha256": composed.template.sha256, "text": composed.text,
                "pdf_sha256": hashlib.sha256(pdf).hexdigest(), "font": font,
                "status": "generated", "batch_id": batch, "replaces_id": None,
                "created_by_id": actor.id, "created_at": utcnow(),
                "letter_date": composed.letter_day, "mailed_on": None, "returned_on": None},
                pdf))
        if not kept:
            return
        ids = conn.execute(letters.insert().returning(letters.c.id,
                                                      sort_by_parameter_order=True),
                           [values for _, _, values, _ in kept]).scalars().all()
        for (owed, composed, values, pdf), letter_id in zip(kept, ids, strict=True):
            audit.record(session, actor, "letter", letter_id, "create",
                         after=_created(composed, values, batch, None, owed.loan_number))
            rendered[letter_id] = pdf


def run_batch(ws: Workspace, out: Path) -> BatchReport:
    """The daily mail batch: a letter for every letter owed on the user's cases that has
    none awaiting the mail, plus the letters generated since the last batch, each kept
    (BATCH_CHUNK letters a transaction, each letter with its audit row) and written to
    `out` as a PDF, with a manifest CSV for the print-and-mail vendor. A letter that cannot
    be generated (missing data) is reported and skipped; the rest of the batch goes on."""
    private_dir(out)
    with ws.read() as conn:
        batch = _batch_id(conn, ws.today)
    report = BatchReport(batch, out)
    rendered: dict[int, bytes] = {}  # the PDFs generated here: not rendered twice
    # A letter already generated and awaiting the mail joins the batch below.
    owed = [o for o in owed_letters(ws) if o.pending_letter is None]
    for start in range(0, len(owed), BATCH_CHUNK):
        _generate_chunk(ws, owed[start:start + BATCH_CHUNK], batch, report, rendered)
    with ws.write() as session:
        actor = require_user(session, ws.username)
        conn = session.connection()
        require_active(actor, "running the mail batch")
        loose = conn.execute(sa.select(letters.c.id).join(
            cases, cases.c.id == letters.c.case_id).where(
            letters.c.status == "generated", letters.c.batch_id.is_(None), case_scope(actor))
            .order_by(letters.c.id)).all()
        for waiting in loose:
            conn.execute(letters.update().where(letters.c.id == waiting.id,
                                                letters.c.batch_id.is_(None))
                         .values(batch_id=batch))
            audit.record(session, actor, "letter", waiting.id, "batch", after={"batch": batch})
    manifest = io.StringIO()
    writer = csv.writer(manifest, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS)
    with ws.read() as conn:
        rows = conn.execute(sa.select(letters, cases.c.loan_number, cases.c.borrower_name,
                                      cases.c.co_borrower_name, cases.c.property_address,
                                      cases.c.property_city, cases.c.property_state,
                                      cases.c.property_zip)
                            .join(cases, cases.c.id == letters.c.case_id)
                            .where(letters.c.batch_id == batch).order_by(letters.c.id)
                            ).mappings().all()
    for r in rows:
        row = _row(r)
        pdf = rendered.get(row.id) or render_pdf(row.text, row.title, row.letter_date,
                                                 row.font)
        if hashlib.sha256(pdf).hexdigest() != row.pdf_sha256:
            report.refused.append((row.loan_number, row.kind, f"letter {row.id}'s PDF no "
                                   "longer matches its record: generate a correction"))
            continue
        name = f"{row.id:08d}-{row.kind}.pdf"
        _write_private(out / name, pdf)
        recipient = " and ".join(n for n in (r["borrower_name"], r["co_borrower_name"]) if n)
        writer.writerow([csv_cell(str(v)) for v in (
            batch, row.id, row.loan_number, row.kind, row.language, recipient,
            _address(r) or "", name, row.pdf_sha256)])
        report.written.append((row.id, row.loan_number, name))
    _write_private(out / f"manifest-{batch}.csv", manifest.getvalue().encode("utf-8"))
    return report


def kinds_for_case(ws: Workspace, case_id: int) -> list[tuple[str, str, bool]]:
    """Every letter kind as (key, title, owed now) for a case, the owed ones first."""
    owed = {o.kind for o in owed_letters(ws, case_id)}
    listed = [(k.key, k.title, k.key in owed) for k in KINDS.values()
              if k.complaint_step is None]  # those are written from their complaint
    return sorted(listed, key=lambda item: not item[2])


def case_of_loan(ws: Workspace, loan_number: str) -> int:
    """The case id of a loan number, or NotFound saying so."""
    with ws.read() as conn:
        case_id = conn.execute(sa.select(cases.c.id).where(
            cases.c.loan_number == loan_number.strip())).scalar()
    if case_id is None:
        raise NotFound(f"no case has loan number {loan_number.strip()!r}")
    return int(case_id)
