#!/usr/bin/env bash
# The Debian packages sightline's display tests, OCR evaluation and headless runs use. Idempotent:
# installs only what is missing. Used by the README quick start and by .ci/run.
set -euo pipefail
packages=(
  xvfb xauth openbox        # a real X display with a window manager (focus follows clicks)
  x11-xserver-utils         # xrandr: multi-monitor layouts in capture tests
  chromium                  # Debian's Chromium for the pages OCR is tested on (never a downloaded browser)
  imagemagick               # screenshot-desktop's Linux backend (the portable capture fallback)
  fonts-dejavu-core fonts-liberation  # text rendering in test pages
  x11-xkb-utils             # setxkbmap: typing tests under a non-US keymap
  xdotool                   # tests read the pointer and window state the executor left behind
  espeak-ng                 # the narrator's voice (--speak)
  zenity                    # real GTK dialogs for the narrator's tests
)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
