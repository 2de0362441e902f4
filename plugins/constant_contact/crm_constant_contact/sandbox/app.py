"""The request pipeline: routing, request counting, faults, rate limits, bearer auth, content type.

Everything here works on plain Request/Response values, so the HTTP transport stays thin and
every rule is applied in one place, in the order a client would meet it on the real service.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from typing import Callable

from .account_api import AccountApi
from .activities import ActivitiesApi
from .contacts_api import ContactsApi
from .faults import Faults
from .http_types import (ApiError, Request, Response, error_array, json_response, unauthorized, validation_error)
from .lists_api import ListsApi
from .oauth import AUTHORIZE_PATH, REVOKE_PATH, TOKEN_PATH, OAuthServer
from .ratelimit import RateLimiter
from .state import Store

Handler = Callable[[Request], Response]


@dataclass
class Route:
    method: str
    template: str
    handler: Handler
    segments: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.segments = tuple(self.template.strip("/").split("/"))

    def params_for(self, segments: list[str]) -> dict[str, str] | None:
        if len(segments) != len(self.segments):
            return None
        params = {}
        for want, got in zip(self.segments, segments):
            if want.startswith("{"):
                if not got:
                    return None
                params[want[1:-1]] = got
            elif want != got:
                return None
        return params


class SandboxApp:
    """Turns one Request into one Response (or None: drop the connection)."""

    def __init__(self, store: Store, oauth: OAuthServer, limiter: RateLimiter, faults: Faults,
                 lock: threading.RLock, activity_steps: int, account: dict | None = None) -> None:
        self.store, self.oauth, self.limiter, self.faults, self.lock = store, oauth, limiter, faults, lock
        self.requests: Counter[str] = Counter()
        self.request_total = 0
        self.internal_errors: list[str] = []
        self._count_lock = threading.Lock()
        contacts, lists = ContactsApi(store), ListsApi(store)
        self.activities = ActivitiesApi(store, activity_steps)
        routes = [
            Route("GET", "/", self.index),
            Route("GET", AUTHORIZE_PATH, oauth.authorize), Route("POST", AUTHORIZE_PATH, oauth.authorize),
            Route("POST", TOKEN_PATH, oauth.token), Route("POST", REVOKE_PATH, oauth.revoke),
            Route("GET", "/v3/contacts", contacts.list), Route("POST", "/v3/contacts", contacts.create),
            Route("POST", "/v3/contacts/sign_up_form", contacts.sign_up_form),
            Route("GET", "/v3/contacts/{id}", contacts.get), Route("PUT", "/v3/contacts/{id}", contacts.replace),
            Route("DELETE", "/v3/contacts/{id}", contacts.delete),
            Route("GET", "/v3/contact_lists", lists.lists), Route("POST", "/v3/contact_lists", lists.create_list),
            Route("GET", "/v3/contact_lists/{id}", lists.get_list),
            Route("GET", "/v3/contact_custom_fields", lists.custom_fields),
            Route("POST", "/v3/contact_custom_fields", lists.create_custom_field),
            Route("POST", "/v3/activities/contacts_json_import", self.activities.contacts_json_import),
            Route("POST", "/v3/activities/contact_delete", self.activities.contact_delete),
            Route("GET", "/v3/activities/{id}", self.activities.get),
            Route("GET", "/v3/account/summary", AccountApi(account or store.account).summary),
        ]
        # literal paths win over templates (sign_up_form is not a contact id)
        self.routes = sorted(routes, key=lambda r: sum(s.startswith("{") for s in r.segments))

    def index(self, req: Request) -> Response:
        return json_response(200, {"service": "Constant Contact V3 sandbox", "api": "/v3",
                                   "authorize": AUTHORIZE_PATH, "token": TOKEN_PATH, "revoke": REVOKE_PATH})

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], str | None]:
        """(route for this method, its params, the path template for counting)."""
        segments = path.strip("/").split("/")
        template = None
        for route in self.routes:
            params = route.params_for(segments)
            if params is None:
                continue
            template = template or route.template
            if route.method == method:
                return route, params, route.template
        return None, {}, template

    def handle(self, req: Request) -> Response | None:
        route, params, template = self.match(req.method, req.path)
        with self._count_lock:
            self.requests[f"{req.method} {template or req.path}"] += 1
            self.request_total += 1
        rule = self.faults.take(req.path)
        if rule is not None and rule.action == "hang":
            time.sleep(rule.seconds)
            rule = None
        if self.faults.latency > 0:
            time.sleep(self.faults.latency)
        if rule is not None and rule.action == "fail":
            return json_response(rule.status, rule.body)
        if rule is not None and rule.action == "echo":
            return json_response(rule.status, self.faults.echo_body(rule, req))
        if rule is not None and rule.action == "drop" and not rule.after_processing:
            return None
        try:
            response = self._dispatch(req, route, params, template)
        except ApiError as exc:
            response = exc.response()
        except Exception:  # a sandbox bug must look like the service's 500, and be visible to tests
            self.internal_errors.append(traceback.format_exc())
            response = json_response(500, [{"error_key": "server_error", "error_message": "Internal Server Error"}])
        if rule is not None and rule.action == "headers":
            response.extra_headers.extend(rule.headers)
            return response
        return None if rule is not None else response

    def _dispatch(self, req: Request, route: Route | None, params: dict[str, str], template: str | None) -> Response:
        is_api = req.path == "/v3" or req.path.startswith("/v3/")
        if is_api:
            refused = self.limiter.check()
            if refused is not None:
                raise ApiError(429, refused)
            with self.lock:
                token = self.oauth.check_bearer(req.header("Authorization"))
            if token is None:
                raise unauthorized()
            scope = "account_read" if req.path.startswith("/v3/account/") else "contact_data"
            if scope not in token["scopes"]:
                raise error_array(403, "forbidden", f"The access token lacks the {scope} scope")
            req.token = token
        if route is None:
            if template is not None:
                raise error_array(405, "method_not_allowed", f"{req.method} is not allowed on {req.path}")
            raise error_array(404, "not.found", f"{req.path} not found")
        if is_api and req.method in ("POST", "PUT", "PATCH"):
            content_type = req.header("Content-Type").split(";")[0].strip().lower()
            if content_type != "application/json":
                raise error_array(415, "unsupported_media_type", "Content-Type must be application/json")
            try:
                req.json = json.loads(req.body) if req.body else None
            except ValueError as exc:
                raise validation_error(["The request body is not valid JSON"]) from exc
        req.params = params
        with self.lock:
            return route.handler(req)

    def reset_counts(self) -> None:
        with self._count_lock:
            self.requests.clear()
            self.request_total = 0

    def count_snapshot(self) -> tuple[Counter[str], int]:
        with self._count_lock:
            return Counter(self.requests), self.request_total


__all__ = ["SandboxApp", "Route"]
