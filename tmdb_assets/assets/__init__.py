"""Software-defined assets: raw captures, warehouse tables, analytics views, seeds."""
