"""``Sandbox``: start, stop, seed, inspect and break a local Constant Contact.

Everything a test needs is reachable without HTTP (seeding 100,000 contacts, reading a contact,
expiring tokens, exhausting the quota), while the connector under test talks to the real HTTP
server on a free port.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

from . import persistence, records
from .account_api import new_account
from .app import SandboxApp
from .clock import parse_iso, to_iso, wall_us
from .contacts_api import soft_delete
from .faults import Faults
from .lists_api import CUSTOM_FIELD_TYPES
from .oauth import AUTHORIZE_PATH, REVOKE_PATH, TOKEN_PATH, OAuthServer
from .ratelimit import RateLimiter
from .server import SandboxHTTPServer
from .state import MAX_CUSTOM_FIELDS, MAX_LISTS, Store
from .validation import validate_contact

_UNSET: Any = object()


class Sandbox:
    """A local emulator of the Constant Contact V3 API and its OAuth server."""

    def __init__(
        self,
        rate_limit_per_second: float | None = 4,
        daily_limit: int | None = 10_000,
        auto_approve: bool = False,
        refresh_mode: str = "rotating",
        access_token_lifetime: float = 86400,
        refresh_token_idle_expiry: float = 180 * 86400,
        redirect_uris: list[str] | None = None,
        activity_steps: int = 2,
        data_file: str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        auth_code_lifetime: float = 300,
    ) -> None:
        self.host, self.port = host, port
        self.data_file = Path(data_file) if data_file else None
        saved = persistence.load(self.data_file) if self.data_file else None
        self._lock = threading.RLock()
        self.store = Store()
        self._oauth = OAuthServer(
            client_id=saved["client_id"] if saved else str(uuid.uuid4()),
            client_secret=saved["client_secret"] if saved else secrets.token_urlsafe(24),
            redirect_uris=list(redirect_uris) if redirect_uris is not None else None,
            auto_approve=auto_approve, refresh_mode=refresh_mode, access_token_lifetime=access_token_lifetime,
            refresh_token_idle_expiry=refresh_token_idle_expiry, auth_code_lifetime=auth_code_lifetime)
        self.store.account.update(new_account())  # a data file brings back its own
        if saved:
            persistence.restore(saved, self.store, self._oauth)
        self.limits = RateLimiter(rate_limit_per_second, daily_limit)
        self.faults = Faults(self._expire_access_tokens, self._revoke_refresh_tokens)
        self._app = SandboxApp(self.store, self._oauth, self.limits, self.faults, self._lock, activity_steps)
        self._server: SandboxHTTPServer | None = None

    # ----- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        """Listen on ``host:port`` (port 0 picks a free one) and serve in a background thread."""
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        self._server = SandboxHTTPServer(self.host, self.port, self._app.handle)
        self.port = self._server.server_port
        self._oauth.issuer = self.base_url + "/oauth2/default"
        self._server.start()
        if self.data_file and not self.data_file.exists():
            self.save()  # the client id and secret are printed now, so keep them from the start

    def stop(self) -> None:
        """Stop serving, close open connections and save ``data_file`` if one is set."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self.data_file:
            self.save()

    def save(self) -> None:
        """Write the whole state to ``data_file`` now."""
        if not self.data_file:
            raise RuntimeError("this sandbox has no data_file")
        with self._lock:
            self._oauth.purge_expired()
            state = persistence.dump_state(self.store, self._oauth)
            persistence.save(self.data_file, state)

    def __enter__(self) -> "Sandbox":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the sandbox's HTTP server is serving."""
        return self._server is not None

    # ----- addresses --------------------------------------------------------------------------
    @property
    def client_id(self) -> str:
        """The client id (API key) of the sandbox's one registered app."""
        return self._oauth.client_id

    @property
    def account_id(self) -> str:
        """This sandbox account's ``encoded_account_id`` (kept in its data file)."""
        return self.store.account["encoded_account_id"]

    @property
    def client_secret(self) -> str:
        """The client secret of the sandbox's app (a test value; never a real one)."""
        return self._oauth.client_secret

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running sandbox; ``RuntimeError`` before it starts."""
        if not self.port:
            raise RuntimeError("start the sandbox first: a free port is chosen when it starts")
        return f"http://{self.host}:{self.port}"

    @property
    def auth_url(self) -> str:
        """The OAuth authorization endpoint."""
        return self.base_url + AUTHORIZE_PATH

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint."""
        return self.base_url + TOKEN_PATH

    @property
    def revoke_url(self) -> str:
        """The OAuth token revocation endpoint."""
        return self.base_url + REVOKE_PATH

    @property
    def api_url(self) -> str:
        """The V3 API base URL (``.../v3``)."""
        return self.base_url + "/v3"

    # ----- seeding and inspection (no HTTP) ---------------------------------------------------
    def seed_contacts(self, contacts: Iterable[dict[str, Any]]) -> list[str]:
        """Add contacts given in the V3 shape; returns their ids.

        ``created_at``/``updated_at``/``deleted_at``, ``contact_id`` and email consent fields
        (``permission_to_send``, ``opt_out_date``, ...) are taken as given. Raises ValueError for
        a contact the API would refuse or an email that is taken.
        """
        ids = []
        with self._lock:
            for number, body in enumerate(contacts):
                problems = validate_contact(body, mode="seed", list_exists=self.store.lists.__contains__,
                                            custom_field_exists=self.store.custom_fields.__contains__)
                email = (body.get("email_address") or {}).get("address") if isinstance(body, dict) else None
                if email and self.store.id_for_email(email):
                    problems.append(f"email {email} already belongs to contact {self.store.id_for_email(email)}")
                if problems:
                    raise ValueError(f"seed contact {number}: {'; '.join(problems)}")
                record = records.from_seed(body, to_iso(wall_us()))
                created = parse_iso(body["created_at"]) if body.get("created_at") else None
                updated = parse_iso(body["updated_at"]) if body.get("updated_at") else None
                if updated is None and created is not None:
                    updated = max(created, self.store.clock.next_us())
                ids.append(self.store.insert(record, created, updated))
        return ids

    def contacts(self, include_deleted: bool = True) -> list[dict[str, Any]]:
        """Every contact with all sub-resources, oldest change first."""
        with self._lock:
            found = [records.full(r) for r in self.store.contacts.values()
                     if include_deleted or not r.get("deleted_at")]
        return sorted(found, key=lambda c: (c["updated_at"], c["contact_id"]))

    def get_contact(self, contact_id: str) -> dict[str, Any] | None:
        """Contact ``contact_id`` with every sub-resource, or ``None`` when the store has none."""
        with self._lock:
            record = self.store.get(contact_id)
            return records.full(record) if record else None

    def update_contact(self, contact_id: str, changes: dict[str, Any]) -> bool:
        """Change a contact as if someone edited it in Constant Contact; True if anything changed.

        Plays actions of the contact too: ``{"email_address": {"permission_to_send":
        "unsubscribed"}}`` unsubscribes (``opt_out_source`` defaults to Contact).
        """
        with self._lock:
            record = self.store.get(contact_id)
            if record is None:
                raise KeyError(contact_id)
            return self.store.commit(contact_id, records.merge_changes(record, changes, to_iso(wall_us())))

    def delete_contact(self, contact_id: str) -> bool:
        """Soft-delete as ``DELETE /contacts/{id}`` does; True if it was not deleted before."""
        with self._lock:
            if contact_id not in self.store.contacts:
                raise KeyError(contact_id)
            return soft_delete(self.store, contact_id)

    def create_list(self, name: str, description: str | None = None) -> str:
        """Create a contact list and return its ``list_id``. Raises ``ValueError`` for a taken name
        or past the list limit."""
        with self._lock:
            if self.store.list_id_for_name(name):
                raise ValueError(f"a list named {name!r} already exists")
            if len(self.store.lists) >= MAX_LISTS:
                raise ValueError(f"an account can have at most {MAX_LISTS} lists")
            return self.store.create_list(name, description)["list_id"]

    def lists(self) -> list[dict[str, Any]]:
        """Every contact list, each with its ``membership_count``."""
        with self._lock:
            return [{**r, "membership_count": len(self.store.members.get(r["list_id"], ()))}
                    for r in self.store.lists.values()]

    def create_custom_field(self, label: str, type: str = "string") -> str:  # noqa: A002 - V3 name
        """Create a custom field (``type``: one of the V3 custom field types) and return its id.
        Raises ``ValueError`` for an unknown type or a taken name."""
        with self._lock:
            if type not in CUSTOM_FIELD_TYPES:
                raise ValueError(f"type must be one of {CUSTOM_FIELD_TYPES}")
            if self.store.custom_field_id_for_name(label.strip().replace(" ", "_")):
                raise ValueError(f"a custom field named {label!r} already exists")
            if len(self.store.custom_fields) >= MAX_CUSTOM_FIELDS:
                raise ValueError(f"an account can have at most {MAX_CUSTOM_FIELDS} custom fields")
            return self.store.create_custom_field(label, type)["custom_field_id"]

    def custom_fields(self) -> list[dict[str, Any]]:
        """Every custom field definition."""
        with self._lock:
            return [dict(r) for r in self.store.custom_fields.values()]

    def activities(self) -> list[dict[str, Any]]:
        """Every bulk activity as ``GET /activities/{id}`` last reported it."""
        with self._lock:
            return [dict(a["public"]) for a in self.store.activities.values()]

    # ----- tokens -----------------------------------------------------------------------------
    def issue_token(self, scopes: str = "contact_data offline_access") -> dict[str, Any]:
        """A token response as the token endpoint would give after consent, without the dance."""
        with self._lock:
            return self._oauth.issue_direct(scopes)

    def _expire_access_tokens(self) -> None:
        with self._lock:
            self._oauth.expire_access_tokens()

    def _revoke_refresh_tokens(self) -> None:
        with self._lock:
            self._oauth.revoke_refresh_tokens()

    @property
    def auto_approve(self) -> bool:
        """Whether the consent page approves by itself (no person clicks Allow Access)."""
        return self._oauth.auto_approve

    @auto_approve.setter
    def auto_approve(self, value: bool) -> None:
        """Set whether the consent page approves by itself."""
        self._oauth.auto_approve = value

    # ----- counters and limits ----------------------------------------------------------------
    @property
    def requests(self) -> Counter[str]:
        """Requests received, by ``"METHOD /path-template"`` (a snapshot)."""
        return self._app.count_snapshot()[0]

    @property
    def request_total(self) -> int:
        """How many requests the sandbox answered since the counts were last reset."""
        return self._app.count_snapshot()[1]

    def reset_counts(self) -> None:
        """Reset the request counts (``requests``, ``request_total``)."""
        self._app.reset_counts()

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of requests that failed inside the sandbox (answered 500); empty normally."""
        return list(self._app.internal_errors)

    def set_rate_limits(self, per_second: float | None = _UNSET, daily: int | None = _UNSET) -> None:
        """Change either limit (None switches it off) and reset the counters."""
        self.limits.configure(self.limits.per_second if per_second is _UNSET else per_second,
                              self.limits.daily if daily is _UNSET else daily)
        self.limits.reset()

    def reset_rate_limits(self) -> None:
        """Forget the requests the rate limits counted so far (per second and per day)."""
        self.limits.reset()

    def exhaust_daily_quota(self) -> None:
        """From now until the next UTC day (or a reset), the API answers ``quota_exceeded``."""
        self.limits.exhaust_daily()
