"""What the service core raises: one message that names the resource, what was
tried and the service's reason, so a command or the engine can show it alone."""


class ResourceFailed(RuntimeError):
    """A resource or job ended in a failed state; the message names it and the service's reason."""
