"""Walk the URL configuration and turn every pattern into a concrete path with sample arguments."""

import uuid
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils.regex_helper import normalize

# Sample values by path converter; regex groups (the admin's) try each until the path resolves back.
CONVERTER_SAMPLES = {"uuid": lambda: str(uuid.uuid4()), "int": lambda: "1", "slug": lambda: "x"}
REGEX_SAMPLES = ["x", "1", "auth", "chaverim_admin"]


@dataclass(frozen=True)
class WalkedUrl:
    path: str
    name: str  # "namespace:name", or the route when the pattern has no name
    route: str


def _sample(converter) -> str:
    kind = type(converter).__name__.removesuffix("Converter").lower()
    return CONVERTER_SAMPLES.get(kind, lambda: "x")()


def _route_samples(pattern) -> list[dict[str, str]]:
    converters = getattr(pattern, "converters", {})
    if converters:
        return [{key: _sample(converter) for key, converter in converters.items()}]
    return []


def _candidates(regex: str, pattern) -> list[str]:
    paths = []
    for template, params in normalize(regex):
        if not params:
            paths.append(template)
            continue
        samples = _route_samples(pattern) or [dict.fromkeys(params, value) for value in REGEX_SAMPLES]
        for sample in samples:
            try:
                paths.append(template % sample)
            except (KeyError, TypeError):
                continue
    return paths


def walk_urls() -> list[WalkedUrl]:
    """Return one concrete, resolvable path for every URL pattern of the project."""
    found: dict[str, WalkedUrl] = {}

    def visit(patterns, prefix_regex: str, namespace: str, route_prefix: str, converters: dict):
        for entry in patterns:
            regex = prefix_regex + entry.pattern.regex.pattern.lstrip("^")
            route = route_prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                visit(entry.url_patterns, regex, ns, route, converters)
                continue
            assert isinstance(entry, URLPattern)
            name = f"{namespace}{entry.name}" if entry.name else route
            for candidate in _candidates(regex.rstrip("$").replace("\\Z", ""), entry.pattern):
                path = "/" + candidate
                try:
                    match = resolve(path)
                except Resolver404:
                    continue
                if match.route == route.replace("^", "").replace("$", "").replace("\\Z", "") or (
                    match.func is entry.callback
                ):
                    found.setdefault(route, WalkedUrl(path=path, name=name, route=route))
                    break

    visit(get_resolver().url_patterns, "^", "", "", {})
    return sorted(found.values(), key=lambda url: url.route)


def unresolvable_patterns() -> list[str]:
    """Return the routes the walker could not fill in (a test keeps this list empty)."""
    walked = {url.route for url in walk_urls()}
    routes = []

    def visit(patterns, route_prefix):
        for entry in patterns:
            route = route_prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                visit(entry.url_patterns, route)
            elif route not in walked:
                routes.append(route)

    visit(get_resolver().url_patterns, "")
    return routes
