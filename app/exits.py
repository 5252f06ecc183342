"""How an interrupted command ends; imported before anything heavy, so that a Ctrl+C while the
libraries load ends the same way."""

EXIT_CANCELLED = 130  # the shell's code for a process ended by Ctrl+C (128 + SIGINT)
INTERRUPTED = "interrupted"
EXIT_BROKEN_PIPE = 141  # the shell's code for a writer whose reader went away (128 + SIGPIPE)
