"""One module per scenario, each exposing ``run(stack) -> list[dict]`` (rows from results.row)."""
