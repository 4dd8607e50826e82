"""Simulation and drill modes of the designer: the token simulation and rollback drills."""
