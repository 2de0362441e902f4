"""The Constant Contact connector: CRM contacts <-> Constant Contact V3 contacts, two ways.

Declares its OAuth server, remote fields with their limits and a default field mapping; the core
runs the OAuth flow, the sync engine and the logs. ``crm_constant_contact.sandbox`` is a local
Constant Contact to develop and test against.
"""
EXTENSION = "constant-contact"
