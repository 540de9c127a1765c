# Sourced by the project's scripts: a self-contained Pulumi environment.
# State, plugins and credentials stay inside the work tree, never in $HOME.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PULUMI_HOME="${PULUMI_HOME:-$root/.pulumi-home}"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$root/.pulumi-state}"
# Stack secrets are encrypted with this passphrase; override it for real stacks.
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-local-passphrase}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
mkdir -p "$PULUMI_HOME" "${PULUMI_BACKEND_URL#file://}"
