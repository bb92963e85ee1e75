"""Real products with public specifications, each figure with its source."""

from chipcontrols.catalog.catalog import Catalog, Product, load_catalog

__all__ = ["Catalog", "Product", "load_catalog"]
