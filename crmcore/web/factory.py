"""The application factory: configuration, security settings, blueprints and error pages."""
from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, g, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from crmcore.app import CRM
from crmcore.errors import CrmError, NotFound, PermissionDenied, ValidationError
from crmcore.plugins import PluginError
from crmcore.secrets import load_key

SESSION_HOURS = 12


def session_key(crm: CRM) -> bytes:
    """The key that signs session cookies: derived from the CRM's secret key (HMAC-SHA256), so
    every web process of one CRM accepts the same cookies and the key itself is never used twice."""
    return hmac.new(load_key(crm.settings.key_file), b"crm web session cookies",
                    hashlib.sha256).digest()


def create_app(crm: CRM, *, secure_cookies: bool = False, proxy_hops: int = 0,
               testing: bool = False) -> Flask:
    """A Flask application serving ``crm``.

    ``secure_cookies``: send the session cookie over https only (set it behind a TLS proxy).
    ``proxy_hops``: how many reverse proxies to trust for X-Forwarded-For/-Proto/-Host/-Prefix
    (0: none). ``testing``: Flask's testing mode (CSRF stays on).
    Raises :class:`crmcore.errors.CrmError` when the CRM is not initialised or a plugin's pages
    clash with another's.
    """
    crm.require_initialised()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=session_key(crm),
        SESSION_COOKIE_NAME="crm_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the signed session
        TESTING=testing,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )
    app.extensions["crm"] = crm
    CSRFProtect(app)
    if proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxy_hops, x_proto=proxy_hops,
                                x_host=proxy_hops, x_prefix=proxy_hops)

    # the log and run views add their routes to the sync blueprint when imported
    from crmcore.web import auth_views, extensions_views, sync_log_views, sync_run_views  # noqa: F401
    from crmcore.web import sync_views

    app.register_blueprint(auth_views.bp)
    app.register_blueprint(extensions_views.bp)
    app.register_blueprint(sync_views.bp)
    app.config["CRM_MENU"] = []
    app.config["CRM_RECORD_VIEWS"] = {}
    _register_plugin_pages(app, crm)
    _error_pages(app)

    from crmcore.web.hints import for_web
    app.add_template_filter(for_web, "web_hint")

    @app.context_processor
    def _layout() -> dict[str, Any]:
        return {"current_user": g.get("user"), "menu": app.config["CRM_MENU"]}

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
            "frame-ancestors 'none'; form-action 'self' http: https:")
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


def _register_plugin_pages(app: Flask, crm: CRM) -> None:
    owners: dict[str, str] = {}
    for impl in crm.plugins.hook.crm_register_web_pages.get_hookimpls():
        plugin_name = crm.plugins.plugin_name(impl.plugin)

        def register(blueprint: Blueprint, menu: str | None = None, module: str | None = None,
                     _plugin: str = plugin_name) -> None:
            if not isinstance(blueprint, Blueprint):
                raise PluginError(f"Plugin {_plugin!r} registered {blueprint!r}, not a Flask "
                                  "Blueprint.", "Fix the plugin's crm_register_web_pages.")
            if blueprint.name in owners or blueprint.name in app.blueprints:
                other = owners.get(blueprint.name, "the core")
                raise PluginError(f"Web pages {blueprint.name!r} are registered by both "
                                  f"{other!r} and {_plugin!r}.", "Uninstall one of the two packages.")
            owners[blueprint.name] = _plugin
            app.register_blueprint(blueprint)
            if menu:
                app.config["CRM_MENU"].append((menu, f"{blueprint.name}.index"))
            if module:
                app.config["CRM_RECORD_VIEWS"][module] = f"{blueprint.name}.show"

        impl.function(register)


def _error_pages(app: Flask) -> None:
    def page(status: int, title: str, message: str, hint: str | None = None):
        return render_template("error.html", title=title, message=message, hint=hint), status

    @app.errorhandler(CrmError)
    def _crm_error(exc: CrmError):
        status = (403 if isinstance(exc, PermissionDenied) else 404 if isinstance(exc, NotFound)
                  else 400 if isinstance(exc, ValidationError) else 409)
        title = {403: "Not allowed", 404: "Not found", 400: "Not accepted"}.get(status,
                                                                                "Cannot do that")
        return page(status, title, exc.message, exc.hint)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return page(400, "Form expired", f"The form could not be accepted: {exc.description}",
                    "Go back, reload the page and submit the form again.")

    @app.errorhandler(404)
    def _not_found(exc):
        return page(404, "Not found", "There is no page at this address.", None)

    @app.errorhandler(405)
    def _method(exc):
        return page(405, "Not allowed", "This address does not accept that kind of request.", None)
