"""The web application: the CRM's screens in a browser (``crm web``).

:func:`create_app` builds a Flask application on a :class:`crmcore.app.CRM`; the core contributes
sign-in, the Extension Store and the Sync window, plugins their own pages through the
``crm_register_web_pages`` hook. Views are thin: they parse a request, call the same services as
the ``crm`` command, and render a template.
"""
from crmcore.web.factory import create_app

__all__ = ["create_app"]
