"""What every provider of this program does when the engine configures it: take
the stack's connection (aws:region, aws:profile, aws:assumeRoles, aws:endpoints)
for every call of this provider process. The engine passes a dynamic provider
the whole stack config (pkg/resource/deploy/target.go, GetPackageConfig), also
for a `destroy`, which runs no program; service/connection.py says the rest."""

from pulumi.dynamic import ConfigureRequest, ResourceProvider

from providers import request_pool
from service.connection import from_config, use


class ConnectedProvider(ResourceProvider):
    def configure(self, req: ConfigureRequest) -> None:
        # The program checked the same settings before any resource was registered
        # (stacks.config.load): an error here cannot be the first the user sees.
        use(from_config(req.config.get))
        # More experiments than the SDK's four requests at once wait side by side.
        request_pool.widen()
