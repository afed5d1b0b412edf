"""``Accept`` negotiation per GraphQL over HTTP (and whether a browser wants the IDE).

The spec's rule: answer in the highest-priority supported media type the client
lists, ``406`` when it lists none. Two tie-breaks matter in practice: a client that
names both GraphQL types gets the modern ``application/graphql-response+json``, and
a client that only says ``*/*`` (curl, fetch) or nothing gets ``application/json``,
which every legacy client understands.
"""

from __future__ import annotations

from dataclasses import dataclass

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
HTML = "text/html"


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    def specificity(self, media_type: str) -> int:
        """2 for an exact match, 1 for ``type/*``, 0 for ``*/*``, -1 for no match."""
        main, _, sub = media_type.partition("/")
        if self.type == main and self.subtype == sub:
            return 2
        if self.type == main and self.subtype == "*":
            return 1
        if self.type == "*" and self.subtype == "*":
            return 0
        return -1


def parse_accept(header: str) -> list[MediaRange]:
    ranges: list[MediaRange] = []
    for item in header.split(","):
        parts = [part.strip() for part in item.split(";")]
        media = parts[0].lower()
        if "/" not in media:
            continue
        main, _, sub = media.partition("/")
        q = 1.0
        acceptable_charset = True
        for param in parts[1:]:
            name, _, value = param.partition("=")
            name, value = name.strip().lower(), value.strip().strip('"').lower()
            if name == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
            elif name == "charset" and value not in ("utf-8", "utf8"):
                acceptable_charset = False
        if acceptable_charset:
            ranges.append(MediaRange(main, sub, q))
    return ranges


def _best_match(ranges: list[MediaRange], media_type: str) -> tuple[float, int]:
    """(q, specificity) of the most specific range matching ``media_type`` (RFC 9110 precedence)."""
    best: tuple[float, int] = (0.0, -1)
    for media_range in ranges:
        specificity = media_range.specificity(media_type)
        if specificity > best[1]:
            best = (media_range.q, specificity)
    return best


@dataclass(frozen=True)
class Negotiated:
    media_type: str | None  # None: nothing we can produce is acceptable (406)
    wants_html: bool = False


def negotiate(accept: str | None) -> Negotiated:
    if accept is None or not accept.strip():
        return Negotiated(JSON)
    ranges = parse_accept(accept)
    candidates = []
    for media_type in (GRAPHQL_RESPONSE_JSON, JSON):
        q, specificity = _best_match(ranges, media_type)
        if q > 0 and specificity >= 0:
            # Exact mentions prefer the modern type; wildcards fall back to plain JSON.
            preference = (media_type == GRAPHQL_RESPONSE_JSON) if specificity == 2 else (media_type == JSON)
            candidates.append(((q, specificity, preference), media_type))
    html_q, html_specificity = _best_match(ranges, HTML)
    chosen = max(candidates)[1] if candidates else None
    best_json = max(candidates)[0][:2] if candidates else (0.0, -1)
    wants_html = html_specificity == 2 and html_q > 0 and (html_q, html_specificity) > best_json
    return Negotiated(chosen, wants_html)
