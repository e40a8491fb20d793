"""Models of the matching engine and the bulk import (owned by deals.matching)."""
