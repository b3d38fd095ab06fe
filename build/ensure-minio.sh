#!/usr/bin/env bash
# Builds the MinIO server the S3 tests run against, from the Go module proxy, into .tools/minio/<version>/minio.
# The version is the github.com/minio/minio line of build/minio/go.mod. Does nothing when that version is
# already built. Prints the install directory on stdout, progress on stderr.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
module_dir="$root/build/minio"
server_module=github.com/minio/minio
version=$(awk -v m="$server_module" '/^[[:space:]]*\/\//{ next } { for (i = 1; i < NF; i++) if ($i == m) { print $(i + 1); exit } }' "$module_dir/go.mod")
[[ -n $version ]] || { echo "ensure-minio: no $server_module line in $module_dir/go.mod" >&2; exit 1; }
dest="$root/.tools/minio/$version"
built() { [[ -f $dest/.complete && -x $dest/minio ]]; }
say_built() { echo "ensure-minio: MinIO $version is built (.tools/minio/$version)" >&2; echo "$dest"; }

# .complete is written last, so an interrupted build is never taken for a finished one.
built && { say_built; exit 0; }
command -v go >/dev/null 2>&1 || { echo "ensure-minio: Go >= 1.25 is needed to build MinIO (https://go.dev/dl/)" >&2; exit 1; }

mkdir -p "$root/.tools/minio"
# Several checkouts share .tools: the first one builds, the others wait for it and then find it built.
exec 9>"$root/.tools/minio/.lock"
flock 9
built && { say_built; exit 0; }

started=$(date +%s)
echo "ensure-minio: building MinIO $version (module download and compile; minutes the first time)" >&2
staging="$dest.partial"
rm -rf "$staging" && mkdir -p "$staging"
# The pseudo-version's timestamp is the release's: v0.0.0-20251015172955-<commit> is RELEASE.2025-10-15T17-29-55Z.
stamp=$(cut -d- -f2 <<<"$version")
commit=${version##*-}
time_part="${stamp:0:4}-${stamp:4:2}-${stamp:6:2}T${stamp:8:2}:${stamp:10:2}:${stamp:12:2}Z"
cmd=github.com/minio/minio/cmd
# The -X flags MinIO's own build sets (buildscripts/gen-ldflags.go), so it reports its release, not DEVELOPMENT.GOGET.
ldflags="-s -w -X $cmd.Version=$time_part -X $cmd.ReleaseTag=RELEASE.${time_part//:/-} -X $cmd.CommitID=$commit"
ldflags+=" -X $cmd.ShortCommitID=$commit -X $cmd.CopyrightYear=${stamp:0:4}"
(cd "$module_dir" && CGO_ENABLED=0 go build -trimpath -tags kqueue -ldflags "$ldflags" -o "$staging/minio" "$server_module") >&2
echo "$version RELEASE.${time_part//:/-}" >"$staging/.complete"
rm -rf "$dest" && mv "$staging" "$dest"
echo "ensure-minio: built in $(($(date +%s) - started)) s into $dest" >&2
echo "$dest"
