"""Qt Linguist catalogues: workstation_<lang>.ts (source, edited) and .qm (compiled, loaded)."""
