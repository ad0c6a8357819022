#!/usr/bin/env bash
# Install, upgrade, roll back or remove the loyalty-card kiosk on Raspberry Pi OS Bookworm.
# Run as root:
#
#   sudo systemd/install.sh               install, or upgrade to this source tree; safe to run again
#   sudo systemd/install.sh --rollback    go back to the release that ran before the last upgrade
#   sudo systemd/install.sh --uninstall   remove units, udev rule, releases and user;
#                                         keep /etc/kiosk and /var/lib/kiosk
#   sudo systemd/install.sh --uninstall --purge   ... and delete those too
#
# Releases live side by side in /opt/kiosk/releases/<version>-<source hash>/, each its own
# virtual environment; /opt/kiosk/venv is a symlink to the one that runs (the units use it) and
# /opt/kiosk/previous to the one before. An upgrade builds the new release beside the old one,
# checks it (it starts; its migrations run on a copy of the database; `kiosk doctor` finds
# nothing wrong that was fine under the running release), switches the symlink atomically
# (rename), restarts the running kiosk units, and keeps the previous release for --rollback.
#
# Environment (mainly for tests and image building):
#   KIOSK_ROOT=/dir        prefix every installed path (a throw-away root)
#   KIOSK_SKIP_SYSTEM=1    do not run useradd/chown/systemctl/udevadm/apt-get/runuser: print them
#   KIOSK_PIP_ARGS="..."   extra arguments for pip install (e.g. --no-deps)
#   KIOSK_PYTHON=python3   the interpreter the venv is made from (3.11 or later)
#   KIOSK_SRC=/dir         the source tree to install (default: this script's repository)
#
# Idempotent: files are copied only when their content differs, the config file is never
# overwritten, and a release is built only once for a given source tree.
set -euo pipefail
umask 022

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="${KIOSK_SRC:-$(dirname "$SCRIPT_DIR")}"
ROOT="${KIOSK_ROOT:-}"
ROOT="${ROOT%/}"
SKIP_SYSTEM="${KIOSK_SKIP_SYSTEM:-0}"
PYTHON="${KIOSK_PYTHON:-python3}"
read -r -a PIP_ARGS <<<"${KIOSK_PIP_ARGS:-}"

USER_NAME=kiosk
ETC_DIR="$ROOT/etc/kiosk"
STATE_DIR="$ROOT/var/lib/kiosk"
OPT_DIR="$ROOT/opt/kiosk"
RELEASES="$OPT_DIR/releases"
VENV="$OPT_DIR/venv"         # symlink to the running release (a plain venv before issue 16)
PREVIOUS="$OPT_DIR/previous" # symlink to the release that ran before the last upgrade
STAMP_NAME=.kiosk-source.sha256
DATABASE="$STATE_DIR/kiosk.db"
CONFIG="$ETC_DIR/kiosk.toml"
UNIT_DIR="$ROOT/etc/systemd/system"
RULES_DIR="$ROOT/etc/udev/rules.d"
UNITS=(kiosk.service kiosk-sync.service kiosk-cage.service)
RULE=99-kiosk-reader.rules
APT_PACKAGES=(python3-venv python3-dev gcc)

say() { printf '%s\n' "$*"; }
die() {
    printf 'install.sh: %s\n' "$*" >&2
    exit 1
}

# Run a command that changes the real system, or only show it under KIOSK_SKIP_SYSTEM=1.
system() {
    if [[ "$SKIP_SYSTEM" == 1 ]]; then
        say "would run:$(printf " %q" "$@")"
    else
        "$@"
    fi
}

# Copy $1 to $2 with mode $3 only when the content differs (keeps mtimes on a re-run).
install_if_changed() {
    local src="$1" dst="$2" mode="$3"
    if cmp -s "$src" "$dst"; then
        return 1
    fi
    install -D -m "$mode" "$src" "$dst"
    say "installed $dst"
}

# A hash of the source tree: the package is reinstalled only when this changes.
source_fingerprint() {
    (
        cd "$SRC"
        find . \( -name .git -o -name .venv -o -name __pycache__ -o -name build -o -name dist \
            -o -name '*.egg-info' -o -name tests -o -name bench -o -name '.*_cache' \
            -o -name .hypothesis -o -name systemd -o -name docs \) -prune -o -type f ! -name '*.db*' -print0 |
            LC_ALL=C sort -z | xargs -0 -r sha256sum
        printf 'python=%s pip-args=%s\n' "$("$PYTHON" -V 2>&1)" "${PIP_ARGS[*]}"
    ) | sha256sum | cut -d' ' -f1
}

ensure_apt_packages() {
    local missing=()
    for package in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$package")
    done
    if ((${#missing[@]})); then
        # python3-venv for the venv; python3-dev and gcc build evdev when no wheel exists.
        system apt-get update
        system apt-get install -y "${missing[@]}"
    fi
}

ensure_user() {
    local group
    for group in input dialout; do
        getent group "$group" >/dev/null || system groupadd --system "$group"
    done
    if ! getent passwd "$USER_NAME" >/dev/null; then
        system useradd --system --user-group --groups input,dialout \
            --home-dir /var/lib/kiosk --no-create-home --shell /usr/sbin/nologin \
            --comment "Loyalty-card kiosk" "$USER_NAME"
    elif ! id -nG "$USER_NAME" | tr ' ' '\n' | grep -qx input ||
        ! id -nG "$USER_NAME" | tr ' ' '\n' | grep -qx dialout; then
        system usermod -a -G input,dialout "$USER_NAME"
    fi
}

ensure_dirs() {
    install -d -m 0750 "$ETC_DIR"
    system chown root:"$USER_NAME" "$ETC_DIR"
    install -d -m 0700 "$STATE_DIR"
    system chown "$USER_NAME:$USER_NAME" "$STATE_DIR"
    install -d -m 0755 "$OPT_DIR"
    if [[ ! -e "$ETC_DIR/kiosk.toml" ]]; then
        install -m 0640 "$SCRIPT_DIR/kiosk.toml.example" "$ETC_DIR/kiosk.toml"
        system chown root:"$USER_NAME" "$ETC_DIR/kiosk.toml"
        say "wrote an example $ETC_DIR/kiosk.toml: edit it"
    fi
}

# Run a command as the kiosk user (the owner of the database), or as we are in a test root.
# Release interpreters run with -P, so that the current directory never shadows the release.
as_kiosk() {
    if [[ "$SKIP_SYSTEM" == 1 ]]; then
        "$@"
    else
        runuser -u "$USER_NAME" -- "$@"
    fi
}

# The release a venv path or symlink stands for ("" when none): its directory name.
release_of() {
    local path="$1"
    [[ -L "$path" ]] || return 0
    basename "$(readlink "$path")"
}

# A plain venv from before releases existed becomes releases/<version>-<hash>: its scripts keep
# working through the /opt/kiosk/venv symlink that then points at it.
adopt_legacy_venv() {
    [[ -d "$VENV" && ! -L "$VENV" ]] || return 0
    local version hash id
    version="$("$VENV/bin/python" -P -c 'import kiosk; print(kiosk.__version__)' 2>/dev/null ||
        echo unknown)"
    hash="$(cut -c1-12 "$VENV/$STAMP_NAME" 2>/dev/null || echo legacy)"
    id="$version-$hash"
    install -d -m 0755 "$RELEASES"
    mv "$VENV" "$RELEASES/$id"
    ln -s "releases/$id" "$VENV"
    say "moved the installed kiosk $version to $RELEASES/$id"
}

# Build the release for this source tree in $RELEASES/<id> unless it is already built; sets
# BUILT_ID to its id.
build_release() {
    local fingerprint version id rel
    fingerprint="$(source_fingerprint)"
    version="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$SRC/kiosk/__init__.py")"
    id="${version:-unknown}-${fingerprint:0:12}"
    rel="$RELEASES/$id"
    BUILT_ID="$id"
    if [[ -f "$rel/$STAMP_NAME" && "$(cat "$rel/$STAMP_NAME")" == "$fingerprint" ]]; then
        [[ "$(release_of "$VENV")" == "$id" ]] || say "release $id already built in $rel"
        return
    fi
    rm -rf "$rel" # an interrupted build: start again
    install -d -m 0755 "$RELEASES"
    local pip
    if "$PYTHON" -m pip --python "$PYTHON" --version >/dev/null 2>&1; then
        # A pip beside the interpreter installs into the release, which then needs none.
        "$PYTHON" -m venv --without-pip "$rel"
        pip=("$PYTHON" -m pip --python "$rel/bin/python")
    else
        "$PYTHON" -m venv "$rel" # Raspberry Pi OS: pip comes into the venv (python3-venv)
        pip=("$rel/bin/python" -m pip)
    fi
    "${pip[@]}" install --disable-pip-version-check --no-input --quiet "${PIP_ARGS[@]}" "$SRC"
    # Startup is ~3x slower without cached bytecode, and /opt is read-only for the service.
    "$rel/bin/python" -m compileall -q "$rel/lib" >/dev/null ||
        say "warning: some files in $rel/lib did not compile (not part of the kiosk?)"
    printf '%s\n' "$fingerprint" >"$rel/$STAMP_NAME" # written last: the build is complete
    say "installed the kiosk package into $rel (release $id)"
}

# What `kiosk doctor` of release $1 says about this kiosk (it exits 1 when a check fails).
doctor_lines() {
    as_kiosk "$1/bin/python" -P -m kiosk doctor --config "$CONFIG" --db "$DATABASE" 2>&1 || true
}

# The names of the checks marked $1 (FAIL, " ok ") in doctor lines on stdin, sorted.
checks_marked() {
    sed -n "s/^\[$1\] \([^:]*\):.*/\1/p" | LC_ALL=C sort -u
}

# Check release $1 before switching to it; $2 is the running release ("" on a first install).
check_release() {
    local id="$1" current="$2" rel="$RELEASES/$1" output regressions
    if ! output="$("$rel/bin/python" -P -m kiosk --version 2>&1)"; then
        die "release $id does not start; still running ${current:-nothing}: $output"
    fi
    say "checking $output"
    if [[ -f "$DATABASE" ]]; then
        if ! output="$(as_kiosk "$rel/bin/python" -P -m kiosk migrate --copy --db "$DATABASE" 2>&1)"; then
            die "release $id cannot use the database; still running ${current:-nothing}: $output"
        fi
        say "  migrations on a copy of the database: $output"
    fi
    [[ -n "$current" ]] || return 0 # a first install has nothing to compare with
    # A check that passes under the running release must pass under the new one; what fails
    # under both (the network is down, say) is the shop's to fix, not a reason to stay behind.
    regressions="$(LC_ALL=C comm -12 <(doctor_lines "$rel" | checks_marked FAIL) \
        <(doctor_lines "$RELEASES/$current" | checks_marked ' ok '))"
    if [[ -n "$regressions" ]]; then
        die "release $id fails doctor checks that pass under $current ($(paste -sd, - <<<"$regressions")); still running $current (see: $rel/bin/kiosk doctor)"
    fi
    say "  kiosk doctor: nothing fails that passes under $current"
}

# Point $1 (a symlink path) at releases/$2 atomically: a new link renamed over the old one.
point() {
    local link="$1" id="$2"
    ln -sfn "releases/$id" "$link.new"
    mv -Tf "$link.new" "$link"
}

restart_units() {
    # Only units that run are restarted; an enabled but stopped one starts at the next boot.
    system systemctl try-restart "${UNITS[@]}"
}

# Keep the running and the previous release; remove the others.
prune_releases() {
    local keep_current keep_previous dir
    keep_current="$(release_of "$VENV")"
    keep_previous="$(release_of "$PREVIOUS")"
    for dir in "$RELEASES"/*; do
        [[ -d "$dir" ]] || continue
        case "$(basename "$dir")" in
        "$keep_current" | "$keep_previous") ;;
        *)
            rm -rf "$dir"
            say "removed the old release $(basename "$dir")"
            ;;
        esac
    done
}

ensure_release() {
    adopt_legacy_venv
    local id current
    build_release
    id="$BUILT_ID"
    current="$(release_of "$VENV")"
    if [[ "$current" == "$id" ]]; then
        say "package up to date in $VENV (release $id)"
        return
    fi
    check_release "$id" "$current"
    if [[ -n "$current" ]]; then
        point "$PREVIOUS" "$current"
    fi
    point "$VENV" "$id"
    say "switched $VENV to release $id${current:+ (previous: $current)}"
    SWITCHED=1
    prune_releases
}

do_rollback() {
    local current previous output
    current="$(release_of "$VENV")"
    previous="$(release_of "$PREVIOUS")"
    if [[ -z "$previous" || ! -f "$RELEASES/$previous/$STAMP_NAME" ]]; then
        die "there is no previous release to roll back to"
    fi
    if [[ "$current" == "$previous" ]]; then
        say "already running the previous release $previous; nothing changed"
        return
    fi
    if [[ -f "$DATABASE" ]] &&
        "$RELEASES/$previous/bin/python" -P -m kiosk migrate --help >/dev/null 2>&1; then
        if ! output="$(as_kiosk "$RELEASES/$previous/bin/python" -P -m kiosk migrate --copy \
            --db "$DATABASE" 2>&1)"; then
            die "release $previous cannot use the database as $current left it; still running $current: $output"
        fi
        say "release $previous can use the database: $output"
    fi
    point "$VENV" "$previous"
    say "rolled back $VENV to release $previous (from $current; install.sh upgrades again)"
    restart_units
}

install_units() {
    local changed_units=0 changed_rule=0 unit
    for unit in "${UNITS[@]}"; do
        install_if_changed "$SCRIPT_DIR/$unit" "$UNIT_DIR/$unit" 0644 && changed_units=1
    done
    install_if_changed "$SCRIPT_DIR/$RULE" "$RULES_DIR/$RULE" 0644 && changed_rule=1
    if ((changed_units)); then
        system systemctl daemon-reload
    fi
    if ((changed_rule)); then
        if [[ "$SKIP_SYSTEM" == 1 ]] || command -v udevadm >/dev/null; then
            system udevadm control --reload
            system udevadm trigger --action=change --subsystem-match=input --subsystem-match=tty
        fi
    fi
    system systemctl enable kiosk.service
}

next_steps() {
    cat <<EOF

Installed. Next steps:
  1. Edit $ETC_DIR/kiosk.toml (store name, reader, central.url, account_id, user_id).
  2. Staff PIN:   $VENV/bin/kiosk config hash-pin   and paste its line under [ui].
  3. API key:     install -m 0600 -o kiosk -g kiosk /dev/null $ETC_DIR/credentials
                  then put the key (user_password) on its first line.
  4. Check:       sudo -u kiosk $VENV/bin/kiosk doctor
  5. Reboot (or: systemctl start kiosk.service). Logs: journalctl -u kiosk -f
Touch screen: apt-get install cage foot; systemctl disable kiosk; systemctl enable kiosk-cage
EOF
}

do_install() {
    [[ -f "$SRC/pyproject.toml" ]] || die "no pyproject.toml in $SRC (set KIOSK_SRC)"
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
        die "$PYTHON is older than Python 3.11"
    if [[ "$SKIP_SYSTEM" != 1 ]]; then
        ensure_apt_packages
    fi
    ensure_user
    ensure_dirs
    SWITCHED=0
    ensure_release
    install_units
    if ((SWITCHED)); then
        restart_units
    fi
    next_steps
}

do_uninstall() {
    local purge="$1" unit
    system systemctl disable --now "${UNITS[@]}" || true
    for unit in "${UNITS[@]}"; do
        rm -f "$UNIT_DIR/$unit"
    done
    rm -f "$RULES_DIR/$RULE"
    system systemctl daemon-reload
    if [[ "$SKIP_SYSTEM" == 1 ]] || command -v udevadm >/dev/null; then
        system udevadm control --reload
    fi
    # Give the console back to the login prompt now rather than at the next boot.
    system systemctl start getty@tty1.service || true
    rm -rf "$RELEASES" "$VENV" "$PREVIOUS"
    rmdir "$OPT_DIR" 2>/dev/null || true
    if getent passwd "$USER_NAME" >/dev/null || [[ "$SKIP_SYSTEM" == 1 ]]; then
        system userdel "$USER_NAME"
    fi
    if [[ "$purge" == 1 ]]; then
        rm -rf "$ETC_DIR" "$STATE_DIR"
        say "removed $ETC_DIR and $STATE_DIR"
    else
        say "kept $ETC_DIR (config, credentials) and $STATE_DIR (database); --purge removes them"
    fi
    say "uninstalled"
}

main() {
    local mode=install purge=0
    while (($#)); do
        case "$1" in
        --uninstall) mode=uninstall ;;
        --rollback) mode=rollback ;;
        --purge) purge=1 ;;
        -h | --help)
            sed -n '2,28p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *) die "unknown argument: $1 (try --help)" ;;
        esac
        shift
    done
    if ((purge)) && [[ "$mode" != uninstall ]]; then
        die "--purge only goes with --uninstall"
    fi
    if [[ "$SKIP_SYSTEM" != 1 && "$EUID" -ne 0 ]]; then
        die "run as root (sudo $0)"
    fi
    if [[ "$mode" == uninstall ]]; then
        do_uninstall "$purge"
    elif [[ "$mode" == rollback ]]; then
        do_rollback
    else
        do_install
    fi
}

main "$@"
