# Sourced by the project's scripts: a self-contained Pulumi environment.
# State, plugins and credentials stay inside the work tree, never in $HOME.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PULUMI_HOME="${PULUMI_HOME:-$root/.pulumi-home}"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$root/.pulumi-state}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
mkdir -p "$PULUMI_HOME" "${PULUMI_BACKEND_URL#file://}"

# Stack secrets are encrypted with PULUMI_CONFIG_PASSPHRASE. The built-in value
# below is public (it is in this file): it is for the `local` stack only, and
# it is not exported here, so a `pulumi stack init` of a real stack never gets
# it by accident. Call `require_passphrase STACK` before using a stack: for
# `local` it supplies the built-in value when none is set; for any other stack
# it fails unless PULUMI_CONFIG_PASSPHRASE is set to something else.
LOCAL_STACK_PASSPHRASE=local-passphrase
require_passphrase() {
  local stack=${1:?usage: require_passphrase STACK}
  if [ "$stack" = local ]; then
    export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-$LOCAL_STACK_PASSPHRASE}"
    return 0
  fi
  local passphrase=${PULUMI_CONFIG_PASSPHRASE-}
  if [ -z "$passphrase" ] || [ "$passphrase" = "$LOCAL_STACK_PASSPHRASE" ]; then
    echo "stack $stack: set PULUMI_CONFIG_PASSPHRASE to this stack's own secrets passphrase" \
      "(the built-in '$LOCAL_STACK_PASSPHRASE' is public and only for the local stack)" >&2
    return 1
  fi
  export PULUMI_CONFIG_PASSPHRASE
}
