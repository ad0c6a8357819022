#!/usr/bin/env bash
# Install (or remove) the loyalty-card kiosk on Raspberry Pi OS Bookworm. Run as root:
#
#   sudo systemd/install.sh               install or upgrade; safe to run again
#   sudo systemd/install.sh --uninstall   remove units, udev rule, venv and user;
#                                         keep /etc/kiosk and /var/lib/kiosk
#   sudo systemd/install.sh --uninstall --purge   ... and delete those too
#
# Environment (mainly for tests and image building):
#   KIOSK_ROOT=/dir        prefix every installed path (a throw-away root)
#   KIOSK_SKIP_SYSTEM=1    do not run useradd/chown/systemctl/udevadm/apt-get: print them
#   KIOSK_PIP_ARGS="..."   extra arguments for pip install (e.g. --no-deps)
#   KIOSK_PYTHON=python3   the interpreter the venv is made from (3.11 or later)
#   KIOSK_SRC=/dir         the source tree to install (default: this script's repository)
#
# Idempotent: files are copied only when their content differs, the config file is never
# overwritten, and the package is reinstalled only when the source tree has changed.
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
VENV="$OPT_DIR/venv"
STAMP="$VENV/.kiosk-source.sha256"
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

ensure_venv() {
    if [[ ! -x "$VENV/bin/python" ]]; then
        "$PYTHON" -m venv "$VENV"
        say "created $VENV"
    fi
    local fingerprint
    fingerprint="$(source_fingerprint)"
    if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$fingerprint" ]]; then
        say "package up to date in $VENV"
        return
    fi
    "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --quiet \
        "${PIP_ARGS[@]}" "$SRC"
    # Startup is ~3x slower without cached bytecode, and /opt is read-only for the service.
    "$VENV/bin/python" -m compileall -q "$VENV/lib" >/dev/null ||
        say "warning: some files in $VENV/lib did not compile (not part of the kiosk?)"
    printf '%s\n' "$fingerprint" >"$STAMP"
    say "installed the kiosk package into $VENV"
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
    ensure_venv
    install_units
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
    rm -rf "$VENV"
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
        --purge) purge=1 ;;
        -h | --help)
            sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
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
    else
        do_install
    fi
}

main "$@"
