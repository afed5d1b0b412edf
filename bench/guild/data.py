"""The records The Guild's graphql-gateways-benchmark serves, so our answers match theirs byte for byte.

Reproduced from the benchmark's subgraph data (accounts, inventory, products, reviews), including
two of its quirks that shape the answer: every review's author is user 1 seen by the reviews
subgraph as ``urigo`` whose ``reviews`` are reviews 1 and 2, and the inventory subgraph ignores
the ``price``/``weight`` it requires, so ``shippingEstimate`` is always null.
"""

from __future__ import annotations

from typing import Final

USERS: Final[list[dict[str, object]]] = [
    {"id": "1", "name": "Uri Goldshtein", "username": "urigo", "birthday": 1234567890},
    {"id": "2", "name": "Dotan Simha", "username": "dotansimha", "birthday": 1234567890},
    {"id": "3", "name": "Kamil Kisiela", "username": "kamilkisiela", "birthday": 1234567890},
    {"id": "4", "name": "Arda Tanrikulu", "username": "ardatan", "birthday": 1234567890},
    {"id": "5", "name": "Gil Gardosh", "username": "gilgardosh", "birthday": 1234567890},
    {"id": "6", "name": "Laurin Quast", "username": "laurin", "birthday": 1234567890},
]

PRODUCTS: Final[list[dict[str, object]]] = [
    {"upc": "1", "name": "Table", "price": 899, "weight": 100},
    {"upc": "2", "name": "Couch", "price": 1299, "weight": 1000},
    {"upc": "3", "name": "Glass", "price": 15, "weight": 20},
    {"upc": "4", "name": "Chair", "price": 499, "weight": 100},
    {"upc": "5", "name": "TV", "price": 1299, "weight": 1000},
    {"upc": "6", "name": "Lamp", "price": 6999, "weight": 300},
    {"upc": "7", "name": "Grill", "price": 3999, "weight": 2000},
    {"upc": "8", "name": "Fridge", "price": 100000, "weight": 6000},
    {"upc": "9", "name": "Sofa", "price": 9999, "weight": 800},
]

IN_STOCK: Final[dict[str, bool]] = {
    "1": True, "2": False, "3": False, "4": False, "5": True, "6": True, "7": True, "8": False, "9": True,
}

_LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et "
    "dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex "
    "ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat "
    "nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit "
    "anim id est laborum."
)
_SED_UT = (
    "Sed ut perspiciatis unde omnis iste natus error sit voluptatem accusantium doloremque laudantium, totam rem "
    "aperiam, eaque ipsa quae ab illo inventore veritatis et quasi architecto beatae vitae dicta sunt explicabo. "
    "Nemo enim ipsam voluptatem quia voluptas sit aspernatur aut odit aut fugi"
)
_SED_QUIA = (
    "sed quia consequuntur magni dolores eos qui ratione voluptatem sequi nesciunt. Neque porro quisquam est, qui "
    "dolorem ipsum quia dolor sit amet, consectetur, adipisci velit, sed quia non numquam eius modi tempora "
    "incidunt ut labore et dolore magnam aliquam quaerat voluptatem."
)
_UT_ENIM = (
    "Ut enim ad minima veniam, quis nostrum exercitationem ullam corporis suscipit laboriosam, nisi ut aliquid ex "
    "ea commodi consequatur? Quis autem"
)
_AT_VERO = (
    "At vero eos et accusamus et iusto odio dignissimos ducimus qui blanditiis praesentium voluptatum deleniti "
    "atque corrupti quos dolores et quas molestias excepturi sint occaecati cupiditate non provident, similique "
    "sunt in culpa qui officia deserunt mollitia animi, id est laborum et dolorum fuga. Et harum quidem rerum "
    "facilis est et expedita distinctio. Nam libero tempore, cum soluta nobis est eligendi optio cumque nihil "
    "impedit quo minus id quod maxime placeat facere possimus, omnis voluptas assumenda est, omnis dolor "
    "repellendus. Temporibus autem quibusdam et aut officiis debitis aut rerum necessitatibus saepe eveniet ut et "
    "voluptates repudiandae sint et molestiae non recusandae. Itaque earum rerum hic tenetur a sapiente delectus, "
    "ut aut reiciendis voluptatibus maiores alias consequatur aut perferendis doloribus asperiores repellat."
)

# (id, body, product upc)
REVIEWS: Final[list[tuple[str, str, str]]] = [
    ("1", _LOREM, "1"),
    ("2", _SED_UT, "1"),
    ("3", _SED_QUIA, "1"),
    ("4", _UT_ENIM, "1"),
    ("5", _LOREM, "2"),
    ("6", _SED_UT, "2"),
    ("7", _SED_QUIA, "2"),
    ("8", _UT_ENIM, "2"),
    ("9", _UT_ENIM, "3"),
    ("10", _UT_ENIM, "4"),
    ("11", _AT_VERO, "4"),
]

# What the reviews subgraph says about every review's author (it provides ``username``).
AUTHOR_ID: Final = "1"
AUTHOR_USERNAME: Final = "urigo"
# Every user's ``reviews`` in the reviews subgraph: the first two reviews.
USER_REVIEW_COUNT: Final = 2
TOP_PRODUCTS_DEFAULT: Final = 5

QUERY: Final = """fragment User on User {
  id
  username
  name
}

fragment Review on Review {
  id
  body
}

fragment Product on Product {
  inStock
  name
  price
  shippingEstimate
  upc
  weight
}

query TestQuery {
  users {
    ...User
    reviews {
      ...Review
      product {
        ...Product
        reviews {
          ...Review
          author {
            ...User
            reviews {
              ...Review
              product {
                ...Product
              }
            }
          }
        }
      }
    }
  }
  topProducts {
    ...Product
    reviews {
      ...Review
      author {
        ...User
        reviews {
          ...Review
          product {
            ...Product
          }
        }
      }
    }
  }
}
"""
