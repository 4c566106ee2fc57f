"""The words of each kind of inbox message, rendered in the reader's language at read time."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from orgsvc.inbox.models import InboxMessage


@dataclass(frozen=True)
class MessageText:
    subject: object
    body: object


TEXTS: dict[str, MessageText] = {
    "admin_approved": MessageText(
        _l("Approved as administrator of %(organisation)s"),
        _l("The Consumer Authority has approved %(person)s as administrator of %(organisation)s. "
           "The administrator can now see and manage the organisation's cases and users."),
    ),
    "admin_rejected": MessageText(
        _l("Registration of %(organisation)s not approved"),
        _l("The Consumer Authority did not approve %(person)s as administrator of %(organisation)s."),
    ),
    "join_requested": MessageText(
        _l("%(person)s asks to become a user of %(organisation)s"),
        _l("%(person)s has asked to be connected to %(organisation)s as a user. "
           "Approve or reject the request under Users."),
    ),
    "join_approved": MessageText(
        _l("You are now a user of %(organisation)s"),
        _l("%(decider)s has approved your request to become a user of %(organisation)s."),
    ),
    "join_rejected": MessageText(
        _l("Your request to join %(organisation)s was rejected"),
        _l("%(decider)s has rejected your request to become a user of %(organisation)s."),
    ),
    "join_expired": MessageText(
        _l("Your request to join %(organisation)s has expired"),
        _l("Nobody decided on your request to become a user of %(organisation)s within %(days)s days, "
           "so it has expired. You can ask again."),
    ),
    "organisation_open_again": MessageText(
        _l("%(organisation)s has no approved administrator"),
        _l("The request to become administrator of %(organisation)s was rejected. Your request to "
           "become a user waits until the organisation has an administrator. If you are registered in "
           "the Central Coordinating Register for Legal Entities as general manager, chair of the "
           "board, deputy chair or with power of procuration, you can choose «%(action)s» under Users."),
    ),
    "role_changed": MessageText(
        _l("Your role in %(organisation)s has changed"),
        _l("%(decider)s has changed your role in %(organisation)s to %(role)s."),
    ),
    "membership_removed": MessageText(
        _l("Your access to %(organisation)s has ended"),
        _l("%(decider)s has removed your connection to %(organisation)s."),
    ),
    "case_withdrawn": MessageText(
        _l("Case %(number)s is withdrawn"),
        _l("The submitter has withdrawn case %(number)s («%(title)s»)."),
    ),
    "case_message_received": MessageText(
        _l("New message in case %(number)s"),
        _l("%(person)s has sent a message in case %(number)s («%(title)s»)."),
    ),
    "case_reply": MessageText(
        _l("Reply in case %(number)s"),
        _l("The Consumer Authority has replied to your message in case %(number)s («%(title)s»)."),
    ),
    "case_access_granted": MessageText(
        _l("You have access to case %(number)s"),
        _l("An administrator has given you access to case %(number)s («%(title)s»)."),
    ),
    "case_opened_against": MessageText(
        _l("New mediation case %(number)s"),
        _l("%(party)s has asked the Consumer Authority to mediate in a dispute with %(organisation)s: case "
           "%(number)s («%(title)s»). Open the case to follow it and take part as the other party."),
    ),
    "case_status_changed": MessageText(
        _l("New status in case %(number)s"),
        _l("The status of case %(number)s («%(title)s») has changed to %(status)s."),
    ),
    "case_assigned": MessageText(
        _l("Case %(number)s is assigned to you"),
        _l("Case %(number)s («%(title)s») is assigned to you."),
    ),
}


# Messages stored before a detail was kept with them: without it, they keep their old words.
WITHOUT_PARAM: dict[str, tuple[str, MessageText]] = {
    "case_status_changed": ("status", MessageText(
        _l("New status in case %(number)s"),
        _l("The status of case %(number)s («%(title)s») has changed."),
    )),
}

# Words the text names that are not stored with the message: the action the reader is pointed to.
ADDED_PARAMS: dict[str, dict[str, object]] = {
    "organisation_open_again": {"action": _l("Apply to become administrator")},
}


def _labels() -> dict[tuple[str, str], dict]:
    """Stored values that are our own codes (a role, a case status), by kind and parameter, with their
    words. Imported here: the roles and cases packages post to the inbox, so they import it first."""
    from orgsvc.cases.forms import STATUS_LABELS
    from orgsvc.portal.frame import ROLE_LABELS

    return {("role_changed", "role"): ROLE_LABELS, ("case_status_changed", "status"): STATUS_LABELS}


def _reader_params(kind: str, params: dict | None) -> dict:
    """The stored parameters as the reader should see them: codes translated when the message is read,
    not when it was stored, so older messages read right in every language too."""
    params = {key: value for key, value in (params or {}).items() if isinstance(value, str | int)}
    for (labelled_kind, key), labels in _labels().items():
        if labelled_kind == kind and key in params:
            params[key] = str(labels.get(str(params[key]), params[key]))
    params.update({key: str(word) for key, word in ADDED_PARAMS.get(kind, {}).items()})
    return params


def render_kind(kind: str, params: dict | None) -> MessageText:
    """Subject and body of a message of ``kind`` in the current language."""
    text = TEXTS.get(kind)
    params = _reader_params(kind, params)
    if text is None:
        return MessageText(kind, "")
    required, older_text = WITHOUT_PARAM.get(kind, (None, None))
    if required is not None and required not in params:
        text = older_text
    return MessageText(_format(text.subject, params), _format(text.body, params))


def render(message: InboxMessage) -> MessageText:
    """Subject and body of ``message`` in the current language."""
    return render_kind(message.kind, message.params)


def _format(lazy_text, params: dict) -> str:
    template = str(lazy_text)
    try:
        return template % params
    except (KeyError, ValueError, TypeError):
        return template


# What a message's link opens, by its path: the label says where the person lands.
LINK_LABELS = (
    (re.compile(r"/organisation/members"), _l("Go to Users")),
    (re.compile(r"/cases/\d+/documents"), _l("Go to the case's documents and messages")),
    (re.compile(r"/cases/\d+"), _l("Go to the case")),
    (re.compile(r"/"), _l("Go to My page")),
)


def link_label(link: str) -> str:
    """The words of the link to ``link`` (a path inside orgsvc)."""
    return next((str(label) for pattern, label in LINK_LABELS if pattern.fullmatch(link)), str(_l("Open the page")))
