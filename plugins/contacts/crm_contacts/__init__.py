"""The Contacts module: a plugin that reaches the core only through its public hooks and API."""

MODULE = "contacts"
