"""A local Constant Contact: the V3 API and its OAuth server, served over real HTTP.

Use it to develop and test the connector offline, to benchmark a sync, or to rehearse one before
touching a real account::

    with Sandbox(auto_approve=True) as sb:
        sb.seed_contacts([{"email_address": {"address": "ada@example.com"}, "first_name": "Ada"}])
        token = sb.issue_token()
        ...  # call sb.api_url with "Authorization: Bearer <token['access_token']>"
"""

from .control import Sandbox
from .faults import Faults
from .ratelimit import RateLimiter

__all__ = ["Sandbox", "Faults", "RateLimiter"]
