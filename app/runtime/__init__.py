"""The light pipeline runtime: evaluates a compiled gate spec (check, monitor, backtest)."""
