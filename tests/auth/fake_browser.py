"""A stand-in for a browser, run through the BROWSER variable: visits the sign-in URL, answers the
consent page, and follows the redirect back to the CRM's loopback server.

FAKE_BROWSER_MODE: follow (allow access), deny (press Deny), tamper (change the returned state),
idle (never come back).
"""
import os
import re
import sys
from html import unescape
from urllib.parse import urljoin

import requests


def main(url: str) -> None:
    mode = os.environ.get("FAKE_BROWSER_MODE", "follow")
    if mode == "idle":
        return
    answer = requests.get(url, allow_redirects=False, timeout=10)
    if answer.status_code == 200:  # the consent page: press a button
        fields = dict(re.findall(r"name='([^']+)' value='([^']*)'", answer.text))
        fields = {k: unescape(v) for k, v in fields.items()}
        fields["decision"] = "deny" if mode == "deny" else "allow"
        action = re.search(r"action='([^']+)'", answer.text).group(1)
        answer = requests.post(urljoin(url, action), data=fields, allow_redirects=False, timeout=10)
    location = answer.headers["Location"]
    if mode == "tamper":
        location = re.sub(r"state=[^&]+", "state=forged", location)
    requests.get(location, timeout=10)


if __name__ == "__main__":
    main(sys.argv[1])
