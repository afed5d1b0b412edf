"""The demo catalogue loaded on first start: 60 products in 6 categories.

Ids are fixed so that demo scripts, tests and the recommendations service's mirror
agree on them across fresh databases.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CatalogItem:
    id: int
    name: str
    category: str
    price_cents: int


_CATALOG: dict[str, list[tuple[str, int]]] = {
    "Electronics": [
        ("Wireless Mouse", 2499),
        ("Mechanical Keyboard", 8999),
        ("USB-C Hub", 3999),
        ("Mouse Pad XL", 1499),
        ("27-inch 4K Monitor", 32999),
        ("Noise-Cancelling Headphones", 19999),
        ("Bluetooth Speaker", 4999),
        ("Webcam 1080p", 5999),
        ("Portable SSD 1TB", 10999),
        ("Laptop Stand", 3499),
    ],
    "Home & Kitchen": [
        ("Chef's Knife", 5999),
        ("Bamboo Cutting Board", 2499),
        ("Cast Iron Skillet", 3499),
        ("French Press", 2999),
        ("Burr Coffee Grinder", 8999),
        ("Electric Kettle", 3999),
        ("Ceramic Mug Set", 2799),
        ("Non-Stick Saucepan", 4499),
        ("Knife Sharpener", 1999),
        ("Kitchen Scale", 1799),
    ],
    "Books": [
        ("Designing Data-Intensive Applications", 4299),
        ("The Pragmatic Programmer", 3999),
        ("Clean Architecture", 3499),
        ("Fluent Python", 5499),
        ("Refactoring", 4499),
        ("Site Reliability Engineering", 3999),
        ("Database Internals", 4799),
        ("Release It!", 3799),
        ("The Phoenix Project", 2499),
        ("Accelerate", 2299),
    ],
    "Sports & Outdoors": [
        ("Yoga Mat", 2999),
        ("Adjustable Dumbbells", 14999),
        ("Running Shoes", 11999),
        ("Insulated Water Bottle", 2499),
        ("Resistance Bands Set", 1999),
        ("Foam Roller", 2199),
        ("Hiking Backpack 30L", 7999),
        ("Camping Tent 2-Person", 12999),
        ("Trekking Poles", 4999),
        ("Jump Rope", 999),
    ],
    "Clothing": [
        ("Merino Wool T-Shirt", 4999),
        ("Rain Jacket", 8999),
        ("Slim Fit Jeans", 5999),
        ("Hooded Sweatshirt", 4499),
        ("Running Socks 3-Pack", 1599),
        ("Leather Belt", 2999),
        ("Wool Beanie", 1999),
        ("Down Vest", 9999),
        ("Chino Shorts", 3999),
        ("Touchscreen Gloves", 2499),
    ],
    "Beauty & Personal Care": [
        ("Electric Toothbrush", 6999),
        ("Facial Moisturizer", 2499),
        ("Sunscreen SPF 50", 1499),
        ("Shampoo & Conditioner Set", 1999),
        ("Beard Trimmer", 4999),
        ("Lip Balm 4-Pack", 799),
        ("Hair Dryer", 5999),
        ("Body Lotion", 1299),
        ("Bamboo Hairbrush", 1599),
        ("Travel Toiletry Bag", 2299),
    ],
}


def demo_catalog() -> list[CatalogItem]:
    items: list[CatalogItem] = []
    for category, products in _CATALOG.items():
        for name, price_cents in products:
            items.append(CatalogItem(id=len(items) + 1, name=name, category=category, price_cents=price_cents))
    return items
