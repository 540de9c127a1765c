"""What the runtime and events APIs share: they read and write the control
plane's resources, so each request first brings those up to date."""


class DataPlane:
    def __init__(self, control):
        self.control = control

    def handle(self, operation: str, params: dict, region: str) -> dict:
        self.control.region = region
        self.control.life.sweep()
        return getattr(self, operation)(params) or {}
