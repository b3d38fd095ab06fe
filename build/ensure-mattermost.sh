#!/usr/bin/env bash
# Builds the Mattermost server the tests run against, from the Go module proxy, into
# .tools/mattermost/<version>/ (bin/mattermost beside the i18n/, templates/ and fonts/ folders it reads at start;
# no webapp client: the tests use its API). The version is the server/v8 line of build/mattermost/go.mod.
# Does nothing when that version is already built. Prints the install directory on stdout, progress on stderr.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
module_dir="$root/build/mattermost"
server_module=github.com/mattermost/mattermost/server/v8
version=$(awk -v m="$server_module" '$1 == m { print $2; exit }' "$module_dir/go.mod")
[[ -n $version ]] || { echo "ensure-mattermost: no $server_module line in $module_dir/go.mod" >&2; exit 1; }
dest="$root/.tools/mattermost/$version"

# .complete is written last, so an interrupted build is never taken for a finished one.
[[ -f $dest/.complete && -x $dest/bin/mattermost ]] && { echo "ensure-mattermost: Mattermost $version is built (.tools/mattermost/$version)" >&2; echo "$dest"; exit 0; }

command -v go >/dev/null 2>&1 || {
  echo "ensure-mattermost: Go >= 1.24 is needed to build the Mattermost server (https://go.dev/dl/)" >&2; exit 1; }

mkdir -p "$root/.tools/mattermost"
# Several checkouts share .tools: the first one builds, the others wait for it and then find it built.
exec 9>"$root/.tools/mattermost/.lock"
flock 9
[[ -f $dest/.complete && -x $dest/bin/mattermost ]] && { echo "ensure-mattermost: Mattermost $version is built (.tools/mattermost/$version)" >&2; echo "$dest"; exit 0; }

started=$(date +%s)
echo "ensure-mattermost: building Mattermost $version (module download and compile; several minutes the first time)" >&2
staging="$dest.partial"
rm -rf "$staging" && mkdir -p "$staging/bin"
public_version=$(awk '$1 == "github.com/mattermost/mattermost/server/public" { print $2; exit }' "$module_dir/go.mod")
commit=${version##*-}
model=github.com/mattermost/mattermost/server/public/model
# The same -X flags Mattermost's own build sets, so the server reports a release build, not a dev one.
ldflags="-s -w -X $model.BuildNumber=$version -X $model.BuildHash=$commit -X $model.BuildHashEnterprise=none"
ldflags+=" -X $model.BuildEnterpriseReady=false -X $model.BuildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
(cd "$module_dir" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$staging/bin/mattermost" "$server_module/cmd/mattermost") >&2

# The folders the server looks for next to its bin/ at start, copied from the module it was built from.
source_dir=$(cd "$module_dir" && go list -f '{{.Module.Dir}}' "$server_module/cmd/mattermost")
for folder in i18n templates fonts; do
  [[ -d $source_dir/$folder ]] || { echo "ensure-mattermost: $source_dir has no $folder/" >&2; exit 1; }
  cp -R "$source_dir/$folder" "$staging/"
done
chmod -R u+w "$staging" # the module cache is read-only; the copies need not be
echo "$version server/public $public_version" >"$staging/.complete"
rm -rf "$dest" && mv "$staging" "$dest"
echo "ensure-mattermost: built in $(($(date +%s) - started)) s into $dest" >&2
echo "$dest"
