"""The service's exceptions, raised by any operation and rendered by the server."""


class ServiceError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidInputException", message)


def not_found(arn: str | None) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"Resource {arn} does not exist.")


def in_use(message: str) -> ServiceError:
    return ServiceError("ResourceInUseException", message)


def exists(arn: str) -> ServiceError:
    return ServiceError("ResourceAlreadyExistsException", f"Resource {arn} already exists.")
