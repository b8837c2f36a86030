#!/usr/bin/env bash
# What the tests need from the system, checked before anything is built: SQLite's headers (GRDB), curl (the local
# model's readiness check and the serve tests), bubblewrap and python3 under /usr (the jail code answers run in),
# util-linux (prlimit, setpriv), PostgreSQL's server (the PostgreSQL trace store's tests, on a throwaway cluster),
# Chromium (the web trace viewer's test in a real browser), wrk (the serve bench's test), python3-venv (the virtual
# environment of the local model and the Python clients).
#
#   scripts/test-deps.sh check     # prints the missing Debian packages, one line; exits 1 when any is missing
#   scripts/test-deps.sh install   # installs them with apt-get (as root, or with sudo that needs no password);
#                                  # otherwise prints the one command to run and exits 1
# ORCHESTRATE_DEPS_ROOT prefixes the fixed paths it looks at (its test runs it against an empty machine).
set -euo pipefail
root="${ORCHESTRATE_DEPS_ROOT:-}"

missing() {
    local packages=()
    dpkg -s libsqlite3-dev >/dev/null 2>&1 || packages+=(libsqlite3-dev)
    command -v curl >/dev/null 2>&1 || packages+=(curl)
    command -v bwrap >/dev/null 2>&1 || packages+=(bubblewrap)
    [ -x "$root/usr/bin/python3" ] || packages+=(python3)
    # The virtual environments (.venv) need ensurepip, which Debian ships in python3-venv.
    "$root/usr/bin/python3" -c "import ensurepip" >/dev/null 2>&1 || packages+=(python3-venv)
    { command -v prlimit && command -v setpriv; } >/dev/null 2>&1 || packages+=(util-linux)
    compgen -G "$root/usr/lib/postgresql/*/bin/initdb" >/dev/null || packages+=(postgresql)
    command -v chromium >/dev/null 2>&1 || packages+=(chromium)
    [ -x "$root/usr/bin/wrk" ] || packages+=(wrk)
    echo "${packages[*]:-}"
}

packages="$(missing)"
case "${1:-check}" in
check)
    if [[ -n "$packages" ]]; then
        echo "the tests need these Debian packages: sudo apt-get install -y $packages"
        exit 1
    fi
    ;;
install)
    [[ -z "$packages" ]] && exit 0
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "the tests need (as Debian names them): $packages — install them with this system's package manager, then run the tests again" >&2
        exit 1
    fi
    if [ "$(id -u)" = 0 ]; then
        sudo=()
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo=(sudo -n)
    else
        echo "the tests need these Debian packages; run this, then the tests again: sudo apt-get install -y $packages" >&2
        exit 1
    fi
    echo "installing $packages" >&2
    "${sudo[@]}" apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq $packages >&2
    still="$(missing)"
    if [[ -n "$still" ]]; then
        echo "apt-get ran, but these are still missing: $still" >&2
        exit 1
    fi
    ;;
*)
    echo "usage: scripts/test-deps.sh check|install" >&2
    exit 2
    ;;
esac
