"""Who leads a deal: lead-broker suggestions, reassignment, and the double-brokering guard."""
