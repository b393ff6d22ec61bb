"""Read what the user sees on a page: error messages and text, with HTML entities decoded."""

import html
import re


def page_text(response) -> str:
    """The response body, entities decoded and non-breaking spaces made plain."""
    return html.unescape(response.content.decode()).replace("\xa0", " ").replace("\u202f", " ")


def field_errors(response) -> list[str]:
    """The messages shown under the fields (DSFR fr-error-text / fr-message--error)."""
    body = page_text(response)
    return re.findall(r'class="fr-(?:error-text|message fr-message--error)">(.*?)</p>', body)


def path_in(body: object, pattern: str) -> str:
    """The first group of ``pattern`` found in an e-mail body (fails the test when absent)."""
    import re

    match = re.search(pattern, str(body))
    assert match is not None, f"{pattern!r} not found in:\n{body}"
    return match.group(1)
