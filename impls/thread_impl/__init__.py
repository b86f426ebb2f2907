"""The thread model: OS threads, preempted by the interpreter's switch interval."""
