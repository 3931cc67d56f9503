"""One module per ``mundwerk`` subcommand: its arguments and its handler."""
