"""The load kit: the main journeys through the gateway as weighted locust scenarios (issue 18)."""
