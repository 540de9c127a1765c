"""Failures reported back to the service layer with a service-like reason."""


class _ReasonedError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ImportFailed(_ReasonedError):
    """A dataset import job fails; .reason becomes its failureReason."""


class TrainingFailed(_ReasonedError):
    """A solution version fails; .reason becomes its failureReason."""


class FilterInvalid(_ReasonedError):
    """A filter expression does not parse."""
