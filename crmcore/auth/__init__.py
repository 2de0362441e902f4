"""OAuth 2.0 for connectors: settings, the sign-in flow, the encrypted token store and refresh.

Connector-independent: a connector only declares its :class:`crmcore.sync.connector.OAuthServer`.
Services live in :mod:`crmcore.auth.connections`.
"""
