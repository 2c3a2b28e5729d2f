"""The letters the rules require (docs/RULES.md section 10): each kind with the rule behind it,
the elements its text must contain, the merge data it cannot go out without, and the event
that mailing it records (the one that meets its clock).

Pure: plain values in, plain values out. A template is checked against its kind's elements by
the template loader (services/letter_templates.py); each element names the template block
that must hold it and the merge fields that block must use, so a servicer's edited template
that drops the appeal rights is refused when it is loaded, naming the element and the rule.

Adding a kind is one entry in `KINDS` (and its templates).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lossmit_tui.domain.enums import EventKind

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Element:
    """Something a letter must say: the template block that holds it, in words, the rule,
    and the merge fields the block must use."""

    block: str
    what: str
    rule: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class LetterKind:
    """One kind of letter. `needs` are the merge fields that must have a value (a letter is
    refused rather than printed with blanks); `needs_incomplete` more of them when the
    application is incomplete (`complete` false). `event` is what mailing the letter records
    (None: the letter is the record of an event recorded elsewhere); `clock` the citation of
    the regulatory clock that event meets, for the letters owed."""

    key: str
    title: str
    rule: str
    elements: tuple[Element, ...]
    needs: tuple[str, ...] = ()
    needs_incomplete: tuple[str, ...] = ()
    event: str | None = None
    clock: str | None = None
    # A complaint letter (section 10): the complaint step its mailing records (the one that
    # meets the complaint's clock), as services/complaints.py names it.
    complaint_step: str | None = None


# Every letter (section 9): the servicer's name, address and phone, the loan number, the
# borrower(s), the property address and the date.
HEADER = Element("header", "the servicer's name, address and phone, the loan number, the "
                 "borrowers, the property address and the date", "section 9 (policy)",
                 ("servicer_name", "servicer_address", "servicer_phone", "loan_number",
                  "borrowers", "property_address", "letter_date"))
_HEADER_NEEDS = ("servicer_name", "servicer_address", "servicer_phone", "borrowers",
                 "property_address")

_EI_CORE = (
    HEADER,
    Element("contact", "an encouragement to contact the servicer, with the assigned "
            "personnel's phone number and the servicer's mailing address", "1024.39(b)(2)(i)-(ii)",
            ("spoc_phone", "servicer_address")),
    Element("options", "examples of the loss-mitigation options available and how to learn "
            "more about them", "1024.39(b)(2)(iii)-(iv)"),
    Element("counseling", "the housing-counselor list's web address and HUD's toll-free "
            "number", "1024.39(b)(2)(v)", ("counselor_url", "hud_phone")),
    Element("foreclosure", "a brief description of the foreclosure process", "1024.39(b) "
            "(policy)"),
)
_EI_NEEDS = (*_HEADER_NEEDS, "spoc_phone", "counselor_url", "hud_phone")

_APPEAL = Element("appeal_rights", "the right to appeal a modification denial, its deadline "
                  "and how to appeal", "1024.41(h)", ("appeal_deadline",))

KINDS: dict[str, LetterKind] = {k.key: k for k in (
    LetterKind("early_intervention", "Early-intervention written notice", "1024.39(b)",
               _EI_CORE, _EI_NEEDS, event=EventKind.WRITTEN_NOTICE_SENT, clock="1024.39(b)"),
    LetterKind("early_intervention_bankruptcy",
               "Early-intervention written notice (bankruptcy)", "1024.39(c)",
               (*_EI_CORE, Element("no_payment_request", "that it is not a request for "
                                   "payment", "1024.39(c)")),
               _EI_NEEDS, event=EventKind.WRITTEN_NOTICE_SENT, clock="1024.39(b)"),
    LetterKind("early_intervention_fdcpa", "Early-intervention written notice (FDCPA)",
               "1024.39(d)",
               (*_EI_CORE, Element("may_invoke_foreclosure", "that the servicer may or "
                                   "intends to invoke foreclosure, and no request for payment",
                                   "1024.39(d)")),
               _EI_NEEDS, event=EventKind.WRITTEN_NOTICE_SENT, clock="1024.39(b)"),
    LetterKind("spoc", "Your single point of contact", "1024.40 (policy)",
               (HEADER, Element("spoc", "the name and direct phone number of the personnel "
                                "assigned", "1024.40(a)", ("spoc_name", "spoc_phone"))),
               (*_HEADER_NEEDS, "spoc_name", "spoc_phone")),
    LetterKind("acknowledgment", "Acknowledgment of your application", "1024.41(b)(2)(i)(B)",
               (HEADER,
                Element("received", "that the application was received, and on what date",
                        "1024.41(b)(2)(i)(B)", ("received_on",)),
                Element("status", "whether it is complete or incomplete; if incomplete, each "
                        "missing document and the return-by date", "1024.41(b)(2)(i)(B)",
                        ("complete", "missing", "return_by")),
                Element("other_liens", "that the borrower should consider contacting the "
                        "servicers of any other mortgage loans on the property",
                        "1024.41(b)(2)(i)(B)")),
               (*_HEADER_NEEDS, "received_on"), ("missing", "return_by"),
               event=EventKind.ACKNOWLEDGMENT_SENT, clock="1024.41(b)(2)(i)(B)"),
    LetterKind("complete_notice", "Your application is complete", "1024.41(c)(3)",
               (HEADER,
                Element("complete", "that the application is complete and the date it was "
                        "received complete", "1024.41(c)(3)(i)(A)-(B)", ("complete_on",)),
                Element("decision_time", "that the servicer expects to decide within 30 days",
                        "1024.41(c)(3)(i)(C)", ("decide_by",)),
                Element("protection", "the foreclosure protection that fits: no first filing "
                        "until the evaluation ends, or no sale until then",
                        "1024.41(c)(3)(i)(D)", ("filed",)),
                Element("more_information", "that if more information is needed the borrower "
                        "gets a reasonable chance to give it, the evaluation may take longer "
                        "and the protections could end", "1024.41(c)(3)(i)(E)"),
                Element("other_protections", "that other protections may exist under law",
                        "1024.41(c)(3)(i)(F)")),
               (*_HEADER_NEEDS, "complete_on", "decide_by"),
               event=EventKind.COMPLETE_NOTICE_SENT, clock="1024.41(c)(3)"),
    LetterKind("third_party_delay", "Documents from a third party are delayed",
               "1024.41(c)(4)(ii)",
               (HEADER,
                Element("missing_third_party", "which documents from which third party are "
                        "missing, and that they were requested", "1024.41(c)(4)(ii)(B)",
                        ("third_party", "third_party_documents")),
                Element("promptly", "that the evaluation will be completed promptly once "
                        "they arrive", "1024.41(c)(4)(ii)(B)")),
               (*_HEADER_NEEDS, "third_party", "third_party_documents")),
    LetterKind("offer", "Evaluation notice: your offer", "1024.41(c)(1)(ii)",
               (HEADER,
                Element("offer_terms", "each option offered with its terms",
                        "1024.41(c)(1)(ii)", ("offer_name", "offer_terms")),
                Element("accept_by", "the deadline to accept or reject", "1024.41(e)",
                        ("accept_by",)),
                Element("denied_reasons", "for each trial or permanent modification denied, "
                        "the specific reason", "1024.41(d)", ("denials",)),
                _APPEAL),
               (*_HEADER_NEEDS, "offer_name", "accept_by")),
    LetterKind("denial", "Evaluation notice: no option is available", "1024.41(d)",
               (HEADER,
                Element("denied_reasons", "for each trial or permanent modification denied, "
                        "the specific reason, the investor and requirement where that is the "
                        "reason, the net-present-value inputs where that is the reason",
                        "1024.41(d)", ("denials", "investor")),
                Element("not_evaluated", "that other criteria were not evaluated where the "
                        "evaluation stopped at the first failing one", "1024.41(d)",
                        ("not_evaluated",)),
                _APPEAL),
               (*_HEADER_NEEDS, "denials")),
    LetterKind("trial_plan", "Trial period plan", "GSE model letters",
               (HEADER,
                Element("payments", "each trial payment's amount and due date",
                        "GSE model letters", ("trial_payments",)),
                Element("how_to_accept", "how to accept", "GSE model letters"),
                Element("after_trial", "what happens after the last trial payment",
                        "GSE model letters")),
               (*_HEADER_NEEDS, "trial_payments")),
    LetterKind("short_term_option", "A short-term option on your incomplete application",
               "1024.41(c)(2)(iii)",
               (HEADER,
                Element("offer_terms", "the option's terms and duration",
                        "1024.41(c)(2)(iii)", ("offer_name", "offer_terms")),
                Element("incomplete", "that it was offered on an incomplete application",
                        "1024.41(c)(2)(iii)"),
                Element("other_options", "that other options may be available",
                        "1024.41(c)(2)(iii)"),
                Element("complete_it", "that the borrower may still complete the application, "
                        "and how", "1024.41(c)(2)(iii)", ("servicer_phone",))),
               (*_HEADER_NEEDS, "offer_name")),
    LetterKind("appeal_determination", "Decision on your appeal", "1024.41(h)(4)",
               (HEADER,
                Element("determination", "the determination", "1024.41(h)(4)",
                        ("appeal_outcome",)),
                Element("final", "that the determination is final (no further appeal)",
                        "1024.41(h)(4)"),
                Element("accept_by", "for every offer, the deadline to accept (at least 14 "
                        "days after this notice)", "1024.41(h)(4), (e)(2)(iii)",
                        ("accept_by",))),
               (*_HEADER_NEEDS, "appeal_outcome", "accept_by")),
)}

# The complaint letters (section 10, 12 CFR 1024.35 and 1024.36). Each is written from one
# complaint and its mailing records that complaint's step.
_COMPLAINT_CONTACT = Element("contact", "contact information, including a telephone number, "
                             "for further assistance", "1024.35(e)(1)(i), 1024.36(d)(1)",
                             ("servicer_phone",))
COMPLAINT_KINDS: dict[str, LetterKind] = {k.key: k for k in (
    LetterKind("complaint_acknowledgment", "Complaint acknowledgment",
               "1024.35(d), 1024.36(c)",
               (HEADER,
                Element("received", "that the notice of error or request for information was "
                        "received, and on what date", "1024.35(d), 1024.36(c)",
                        ("complaint_received_on", "complaint_what"))),
               (*_HEADER_NEEDS, "complaint_received_on", "complaint_what"),
               complaint_step="acknowledgment"),
    LetterKind("complaint_corrected", "Complaint response: error corrected", "1024.35(e)(1)(i)(A)",
               (HEADER,
                Element("correction", "that the error was corrected, what was corrected, and "
                        "the correction's effective date", "1024.35(e)(1)(i)(A)",
                        ("correction", "correction_effective_on")),
                _COMPLAINT_CONTACT),
               (*_HEADER_NEEDS, "correction", "correction_effective_on"),
               complaint_step="response_corrected"),
    LetterKind("complaint_no_error", "Complaint response: no error found", "1024.35(e)(1)(i)(B)",
               (HEADER,
                Element("no_error", "that the servicer has determined that no error "
                        "occurred", "1024.35(e)(1)(i)(B)", ("complaint_received_on",)),
                Element("reasons", "the reason or reasons for that determination",
                        "1024.35(e)(1)(i)(B)", ("reasons",)),
                Element("documents_right", "the borrower's right to request the documents "
                        "the servicer relied on, and how to request them",
                        "1024.35(e)(1)(i)(B), (e)(4)", ("servicer_address",)),
                _COMPLAINT_CONTACT),
               (*_HEADER_NEEDS, "complaint_received_on", "reasons"),
               complaint_step="response_no_error"),
    LetterKind("complaint_extension", "Complaint extension notice",
               "1024.35(e)(3)(ii), 1024.36(d)(2)(ii)",
               (HEADER,
                Element("extension", "that the time to respond is extended by 15 business "
                        "days, and the new date", "1024.35(e)(3)(ii), 1024.36(d)(2)(ii)",
                        ("complaint_received_on", "new_due")),
                Element("reasons", "the reasons for the extension",
                        "1024.35(e)(3)(ii), 1024.36(d)(2)(ii)", ("reasons",))),
               (*_HEADER_NEEDS, "complaint_received_on", "new_due", "reasons"),
               complaint_step="extension"),
    LetterKind("complaint_documents", "Documents relied on", "1024.35(e)(4)",
               (HEADER,
                Element("documents", "the documents the servicer relied on in deciding that "
                        "no error occurred", "1024.35(e)(4)",
                        ("documents_requested_on", "documents")),
                _COMPLAINT_CONTACT),
               (*_HEADER_NEEDS, "documents_requested_on", "documents"),
               complaint_step="documents_sent"),
    LetterKind("complaint_exempt", "Complaint exemption notice",
               "1024.35(g)(2), 1024.36(f)(2)",
               (HEADER,
                Element("determination", "that the servicer has determined it is not required "
                        "to respond, and the basis for that determination",
                        "1024.35(g)(2), 1024.36(f)(2)",
                        ("complaint_received_on", "exemption_basis")),
                _COMPLAINT_CONTACT),
               (*_HEADER_NEEDS, "complaint_received_on", "exemption_basis"),
               complaint_step="exemption_notice"),
    # The answer to a request for information (1024.36(d)(1)): the information, or that a
    # reasonable search found it not available, with the basis; either with a phone number.
    LetterKind("complaint_information", "Request for information: the information",
               "1024.36(d)(1)(i)",
               (HEADER,
                Element("information", "the information the borrower requested",
                        "1024.36(d)(1)(i)",
                        ("complaint_received_on", "complaint_asked", "information")),
                _COMPLAINT_CONTACT),
               (*_HEADER_NEEDS, "complaint_received_on", "information"),
               complaint_step="response_information"),
    LetterKind("complaint_not_available", "Request for information: not available",
               "1024.36(d)(1)(ii)",
               (HEADER,
                Element("not_available", "that the servicer conducted a reasonable search "
                        "and determined that the requested information is not available to "
                        "it", "1024.36(d)(1)(ii)",
                        ("complaint_received_on", "complaint_asked")),
                Element("basis", "the basis for that determination", "1024.36(d)(1)(ii)",
                        ("reasons",)),
                _COMPLAINT_CONTACT),
               (*_HEADER_NEEDS, "complaint_received_on", "reasons"),
               complaint_step="response_not_available"),
)}
# The complaint letters that answer a request for information, and those that answer a
# notice of error: each is refused for a complaint of the other type.
REQUEST_LETTERS = ("complaint_information", "complaint_not_available")
ERROR_LETTERS = ("complaint_corrected", "complaint_no_error")
KINDS.update(COMPLAINT_KINDS)

# The clocks a letter meets, with the letter that meets it.
LETTER_CLOCKS: dict[str, str] = {"1024.39(b)": "early_intervention",
                                 "1024.41(b)(2)(i)(B)": "acknowledgment",
                                 "1024.41(c)(3)": "complete_notice"}


def kind_of(key: str) -> LetterKind:
    """The letter kind `key`, or ValueError listing the kinds."""
    try:
        return KINDS[key]
    except KeyError:
        raise ValueError(f"{key!r} is not a letter kind; use one of: "
                         f"{', '.join(KINDS)}") from None


def missing_data(kind: LetterKind, fields: Mapping[str, object]) -> list[str]:
    """The merge fields this letter cannot go out without that have no value."""
    needs = list(kind.needs)
    if kind.needs_incomplete and not fields.get("complete"):
        needs += kind.needs_incomplete
    return [name for name in needs if fields.get(name) in (None, "", [], ())]


_MONTHS = {"en": ("January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December"),
           "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                  "septiembre", "octubre", "noviembre", "diciembre")}


def letter_money(cents: int) -> str:
    """Cents as a borrower reads them: "$1,117.71"."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{part:02d}"


def letter_date(day: date, language: str = DEFAULT_LANGUAGE) -> str:
    """A date as a borrower reads it: "January 2, 2027" ("2 de enero de 2027")."""
    if language == "es":
        return f"{day.day} de {_MONTHS['es'][day.month - 1]} de {day.year}"
    return f"{_MONTHS['en'][day.month - 1]} {day.day}, {day.year}"


def letter_rate(rate: Decimal) -> str:
    """An annual rate as a borrower reads it: "6.500%"."""
    return f"{rate.quantize(Decimal('0.001'))}%"


def letter_phone(digits: str | None) -> str | None:
    """Ten digits as "(555) 010-2000"; anything else as given; None stays None."""
    if not digits:
        return None
    if len(digits) == 10 and digits.isdigit():
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return digits


# The terms of an offer a borrower reads, in order, with how to show each: money (cents),
# a count, a rate or percentage, a date (ISO), or text. Terms not listed are working figures
# (loan-to-value, caps, flags) that stay out of the letter.
_TERMS: tuple[tuple[str, str, str], ...] = (
    ("arrears", "Past-due amount", "money"),
    ("contractual_payment", "Your regular monthly payment", "money"),
    ("months", "Months", "count"),
    ("plan_payment", "Monthly plan payment", "money"),
    ("last_payment", "Last plan payment", "money"),
    ("first_payment_on", "First plan payment due", "date"),
    ("cure_date", "Your loan is current again after the payment due", "date"),
    ("suspended_payment", "Monthly payment suspended", "money"),
    ("months_deferred", "Monthly payments deferred", "count"),
    ("deferred_pi", "Principal and interest deferred", "money"),
    ("deferred_escrow_advances", "Escrow advances deferred", "money"),
    ("deferred_servicing_advances", "Servicing advances deferred", "money"),
    ("deferred_balance", "Moved to a balance that bears no interest", "money"),
    ("deferred_balance_due", "That balance is due", "text"),
    ("past_due_not_deferred", "Past-due amount not deferred", "money"),
    ("payment_after", "Your monthly payment afterwards", "money"),
    ("post_capitalisation_upb", "New balance, with the past-due amount added", "money"),
    ("rate_pct", "New interest rate", "rate"),
    ("term_months", "New term (months)", "count"),
    ("forbearance", "Principal set aside without interest (due at payoff, sale or maturity)",
     "money"),
    ("interest_bearing", "Balance that bears interest", "money"),
    ("pi_before", "Monthly principal and interest before", "money"),
    ("pi_after", "New monthly principal and interest", "money"),
    ("reduction_pct", "Lower by", "percent"),
    ("relocation_assistance_up_to", "Relocation assistance up to", "money"),
)


def term_lines(terms: Mapping[str, object]) -> list[str]:
    """An offer's terms as lines a borrower reads ("New monthly principal and interest:
    $1,117.71"), in a fixed order; working figures are left out."""
    lines = []
    for key, label, how in _TERMS:
        value = terms.get(key)
        if value is None or isinstance(value, bool):
            continue
        try:
            if how == "money":
                shown = letter_money(int(str(value)))
            elif how == "rate":
                shown = letter_rate(Decimal(str(value)))
            elif how == "percent":
                shown = f"{Decimal(str(value)).quantize(Decimal('0.01'))}%"
            elif how == "date":
                shown = letter_date(date.fromisoformat(str(value)))
            else:
                shown = str(value)
        except (ValueError, ArithmeticError):
            shown = str(value)
        lines.append(f"{label}: {shown}")
    return lines
