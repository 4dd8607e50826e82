"""Option help shared by commands that import nothing else of each other (the pipeline
commands, parsed with argparse, and `backtest`, which runs without the command table)."""

JSON_HELP = "Print exactly one JSON document on standard output."
TRUST_HELP = (
    "Run the spec only if it is signed by this public key (gatewright keygen's NAME.pub); "
    "repeatable. GATEWRIGHT_TRUST adds keys, separated by ':'."
)
