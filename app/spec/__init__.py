"""The compiled gate specification and the decision vocabulary it shares with documents."""
