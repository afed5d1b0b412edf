"""What the composer knows about the linked specifications: which federation
version offers which directive, how ``@link`` names elements, and what the
supergraph-side specs (join, link, inaccessible, tag, auth, cost, context) print.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Version = tuple[int, int]

FEDERATION_IDENTITY = "https://specs.apollo.dev/federation"
LINK_IDENTITY = "https://specs.apollo.dev/link"
CORE_IDENTITY = "https://specs.apollo.dev/core"
JOIN_IDENTITY = "https://specs.apollo.dev/join"
INACCESSIBLE_IDENTITY = "https://specs.apollo.dev/inaccessible"
TAG_IDENTITY = "https://specs.apollo.dev/tag"
AUTHENTICATED_IDENTITY = "https://specs.apollo.dev/authenticated"
REQUIRES_SCOPES_IDENTITY = "https://specs.apollo.dev/requiresScopes"
POLICY_IDENTITY = "https://specs.apollo.dev/policy"
COST_IDENTITY = "https://specs.apollo.dev/cost"
CONTEXT_IDENTITY = "https://specs.apollo.dev/context"
CACHE_TAG_IDENTITY = "https://specs.apollo.dev/cacheTag"
CONNECT_IDENTITY = "https://specs.apollo.dev/connect"

KNOWN_FEDERATION_VERSIONS: list[Version] = [(2, minor) for minor in range(0, 15)]
LATEST_FEDERATION_VERSION: Version = KNOWN_FEDERATION_VERSIONS[-1]
FED1_UPGRADE_VERSION: Version = (2, 4)  # what Apollo links upgraded fed1 subgraphs to


@dataclass(frozen=True)
class FeatureUrl:
    url: str
    identity: str
    name: str
    version: Version

    def __str__(self) -> str:
        return self.url


_URL_RE = re.compile(r"^(?P<identity>.*/(?P<name>[A-Za-z_][A-Za-z0-9_-]*))/v(?P<major>\d+)\.(?P<minor>\d+)/?$")


def parse_feature_url(url: str) -> FeatureUrl | None:
    base = url.split("?", 1)[0].split("#", 1)[0]
    m = _URL_RE.match(base)
    if not m:
        return None
    return FeatureUrl(url, m.group("identity"), m.group("name"), (int(m.group("major")), int(m.group("minor"))))


# ------------------------------------------------------------------ federation


@dataclass(frozen=True)
class ArgSpec:
    name: str
    type: str  # SDL type text; "{FieldSet}" etc. are replaced per schema
    default: str | None = None


@dataclass(frozen=True)
class DirectiveSpec:
    name: str
    locations: tuple[str, ...]
    args: tuple[ArgSpec, ...] = ()
    repeatable: bool = False
    since: Version = (2, 0)
    # identity of the spec the directive belongs to in the supergraph (None: federation-only)
    composes_as: str | None = None


_TAG_LOCATIONS_V02 = (
    "FIELD_DEFINITION",
    "OBJECT",
    "INTERFACE",
    "UNION",
    "ARGUMENT_DEFINITION",
    "SCALAR",
    "ENUM",
    "ENUM_VALUE",
    "INPUT_OBJECT",
    "INPUT_FIELD_DEFINITION",
)
INACCESSIBLE_LOCATIONS = _TAG_LOCATIONS_V02
AUTH_LOCATIONS = ("FIELD_DEFINITION", "OBJECT", "INTERFACE", "SCALAR", "ENUM")
COST_LOCATIONS = ("ARGUMENT_DEFINITION", "ENUM", "FIELD_DEFINITION", "INPUT_FIELD_DEFINITION", "OBJECT", "SCALAR")

FEDERATION_DIRECTIVES: tuple[DirectiveSpec, ...] = (
    DirectiveSpec(
        "key",
        ("OBJECT", "INTERFACE"),
        (ArgSpec("fields", "{FieldSet}!"), ArgSpec("resolvable", "Boolean", "true")),
        repeatable=True,
    ),
    DirectiveSpec("requires", ("FIELD_DEFINITION",), (ArgSpec("fields", "{FieldSet}!"),)),
    DirectiveSpec("provides", ("FIELD_DEFINITION",), (ArgSpec("fields", "{FieldSet}!"),)),
    DirectiveSpec("external", ("OBJECT", "FIELD_DEFINITION"), (ArgSpec("reason", "String"),)),
    DirectiveSpec("tag", _TAG_LOCATIONS_V02 + ("SCHEMA",), (ArgSpec("name", "String!"),), True, composes_as=TAG_IDENTITY),
    DirectiveSpec("extends", ("OBJECT", "INTERFACE")),
    DirectiveSpec("shareable", ("OBJECT", "FIELD_DEFINITION"), repeatable=True),
    DirectiveSpec("inaccessible", INACCESSIBLE_LOCATIONS, composes_as=INACCESSIBLE_IDENTITY),
    DirectiveSpec("override", ("FIELD_DEFINITION",), (ArgSpec("from", "String!"), ArgSpec("label", "String"))),
    DirectiveSpec("composeDirective", ("SCHEMA",), (ArgSpec("name", "String"),), True, since=(2, 1)),
    DirectiveSpec("interfaceObject", ("OBJECT",), since=(2, 3)),
    DirectiveSpec("authenticated", AUTH_LOCATIONS, since=(2, 5), composes_as=AUTHENTICATED_IDENTITY),
    DirectiveSpec(
        "requiresScopes",
        AUTH_LOCATIONS,
        (ArgSpec("scopes", "[[{Scope}!]!]!"),),
        since=(2, 5),
        composes_as=REQUIRES_SCOPES_IDENTITY,
    ),
    DirectiveSpec(
        "policy", AUTH_LOCATIONS, (ArgSpec("policies", "[[{Policy}!]!]!"),), since=(2, 6), composes_as=POLICY_IDENTITY
    ),
    DirectiveSpec(
        "context", ("INTERFACE", "OBJECT", "UNION"), (ArgSpec("name", "String!"),), True, (2, 8), CONTEXT_IDENTITY
    ),
    DirectiveSpec(
        "fromContext", ("ARGUMENT_DEFINITION",), (ArgSpec("field", "{ContextFieldValue}"),), since=(2, 8)
    ),
    DirectiveSpec("cost", COST_LOCATIONS, (ArgSpec("weight", "Int!"),), since=(2, 9), composes_as=COST_IDENTITY),
    DirectiveSpec(
        "listSize",
        ("FIELD_DEFINITION",),
        (
            ArgSpec("assumedSize", "Int"),
            ArgSpec("slicingArguments", "[String!]"),
            ArgSpec("sizedFields", "[String!]"),
            ArgSpec("requireOneSlicingArgument", "Boolean", "true"),
        ),
        since=(2, 9),
        composes_as=COST_IDENTITY,
    ),
    DirectiveSpec(
        "cacheTag", ("OBJECT", "FIELD_DEFINITION"), (ArgSpec("format", "String!"),), True, (2, 12), CACHE_TAG_IDENTITY
    ),
)
FEDERATION_DIRECTIVES_BY_NAME = {d.name: d for d in FEDERATION_DIRECTIVES}
FED1_DIRECTIVE_NAMES = ("key", "requires", "provides", "external", "tag", "extends")
# What Apollo imports when upgrading a fed1 subgraph (federation v2.4 directives).
FED1_UPGRADE_IMPORTS = (
    "key",
    "requires",
    "provides",
    "external",
    "tag",
    "extends",
    "shareable",
    "inaccessible",
    "override",
    "composeDirective",
    "interfaceObject",
)
FEDERATION_TYPES = {"FieldSet": (2, 0), "ContextFieldValue": (2, 8), "Scope": (2, 5), "Policy": (2, 6)}

FEDERATION_OPERATION_TYPES = ("_Any", "_Entity", "_Service")
FEDERATION_OPERATION_FIELDS = ("_entities", "_service")


def directives_for_version(version: Version) -> list[DirectiveSpec]:
    return [d for d in FEDERATION_DIRECTIVES if d.since <= version]


# ------------------------------------------------------------------ supergraph


@dataclass(frozen=True)
class SupergraphSpec:
    """A spec whose directives can be copied into the supergraph."""

    identity: str
    name: str
    version: Version
    purpose: str | None
    # printed definitions keyed by directive name in the spec; "{prefix}" is the spec's alias
    directive_defs: dict[str, str] = field(default_factory=dict)
    type_defs: tuple[str, ...] = ()
    join_directives: tuple[str, ...] = ()  # recorded as @join__directive instead of copied

    @property
    def url(self) -> str:
        return f"{self.identity}/v{self.version[0]}.{self.version[1]}"


SUPERGRAPH_SPECS: dict[str, SupergraphSpec] = {
    INACCESSIBLE_IDENTITY: SupergraphSpec(
        INACCESSIBLE_IDENTITY,
        "inaccessible",
        (0, 2),
        "SECURITY",
        {"inaccessible": "directive @{name} on " + " | ".join(INACCESSIBLE_LOCATIONS)},
    ),
    TAG_IDENTITY: SupergraphSpec(
        TAG_IDENTITY,
        "tag",
        (0, 3),
        None,
        {"tag": "directive @{name}(name: String!) repeatable on " + " | ".join(_TAG_LOCATIONS_V02 + ("SCHEMA",))},
    ),
    AUTHENTICATED_IDENTITY: SupergraphSpec(
        AUTHENTICATED_IDENTITY,
        "authenticated",
        (0, 1),
        "SECURITY",
        {"authenticated": "directive @{name} on " + " | ".join(AUTH_LOCATIONS)},
    ),
    REQUIRES_SCOPES_IDENTITY: SupergraphSpec(
        REQUIRES_SCOPES_IDENTITY,
        "requiresScopes",
        (0, 1),
        "SECURITY",
        {"requiresScopes": "directive @{name}(scopes: [[{prefix}__Scope!]!]!) on " + " | ".join(AUTH_LOCATIONS)},
        ("scalar {prefix}__Scope",),
    ),
    POLICY_IDENTITY: SupergraphSpec(
        POLICY_IDENTITY,
        "policy",
        (0, 1),
        "SECURITY",
        {"policy": "directive @{name}(policies: [[{prefix}__Policy!]!]!) on " + " | ".join(AUTH_LOCATIONS)},
        ("scalar {prefix}__Policy",),
    ),
    COST_IDENTITY: SupergraphSpec(
        COST_IDENTITY,
        "cost",
        (0, 1),
        None,
        {
            "cost": "directive @{name}(weight: Int!) on " + " | ".join(COST_LOCATIONS),
            "listSize": "directive @{name}(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], "
            "requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION",
        },
    ),
    CACHE_TAG_IDENTITY: SupergraphSpec(CACHE_TAG_IDENTITY, "cacheTag", (0, 1), "EXECUTION", join_directives=("cacheTag",)),
    CONTEXT_IDENTITY: SupergraphSpec(
        CONTEXT_IDENTITY,
        "context",
        (0, 1),
        "SECURITY",
        {
            "context": "directive @{name}(name: String!) repeatable on INTERFACE | OBJECT | UNION",
            "fromContext": "directive @{name}(field: {prefix}__ContextFieldValue) on ARGUMENT_DEFINITION",
        },
        ("scalar {prefix}__ContextFieldValue",),
    ),
}

# Specs a subgraph may @link directly whose directives compose like federation's.
DIRECTLY_LINKABLE_COMPOSED = {
    INACCESSIBLE_IDENTITY: {"inaccessible"},
    TAG_IDENTITY: {"tag"},
    AUTHENTICATED_IDENTITY: {"authenticated"},
    REQUIRES_SCOPES_IDENTITY: {"requiresScopes"},
    POLICY_IDENTITY: {"policy"},
    COST_IDENTITY: {"cost", "listSize"},
    CONTEXT_IDENTITY: {"context"},
}

# Minimum federation version implied by linking a spec directly.
SPEC_MIN_FEDERATION: dict[str, dict[Version, Version]] = {
    AUTHENTICATED_IDENTITY: {(0, 1): (2, 5)},
    COST_IDENTITY: {(0, 1): (2, 9)},
    CONTEXT_IDENTITY: {(0, 1): (2, 8)},
}


def join_version_for(fed: Version) -> Version:
    if fed >= (2, 8):
        return (0, 5)
    if fed >= (2, 7):
        return (0, 4)
    return (0, 3)


JOIN_DEFINITIONS_BY_VERSION: dict[Version, list[str]] = {}


def join_definitions(version: Version) -> tuple[list[str], list[str]]:
    """(directive definitions, type definitions) of the join spec, printed."""
    field_args = "graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean"
    if version >= (0, 4):
        field_args += ", overrideLabel: String"
    if version >= (0, 5):
        field_args += ", contextArguments: [join__ContextArgument!]"
    directives = [
        "directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE",
        f"directive @join__field({field_args}) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION",
        "directive @join__graph(name: String!, url: String!) on ENUM_VALUE",
        "directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE",
        "directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR",
        "directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION",
    ]
    if version >= (0, 4):
        directives.append(
            "directive @join__directive(graphs: [join__Graph!], name: String!, args: join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION"
        )
    types = ["scalar join__FieldSet"]
    if version >= (0, 4):
        types.append("scalar join__DirectiveArguments")
    if version >= (0, 5):
        types.append("scalar join__FieldValue")
        types.append(
            "input join__ContextArgument {\n  name: String!\n  type: String!\n  context: String!\n  selection: join__FieldValue!\n}"
        )
    return directives, types


LINK_DEFINITIONS = (
    ["directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA"],
    [
        "scalar link__Import",
        'enum link__Purpose {\n  """\n  `SECURITY` features provide metadata necessary to securely resolve fields.\n  """\n  SECURITY\n\n  """\n  `EXECUTION` features provide metadata necessary for operation execution.\n  """\n  EXECUTION\n}',
    ],
)
