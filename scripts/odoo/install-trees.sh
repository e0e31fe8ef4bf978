#!/usr/bin/env bash
# Puts complete Odoo 17.0, 18.0 and 19.0 community trees and their Debian packages on this machine,
# outside the repository (shared/STACK.md: where the trees come from and what to remove from them).
# The bare git directories come from the workplace library's `fetch`:
#   fetch github:ashkan-farivarmoheb/odoo-17.0   -> MIRROR17
#   fetch github:dglezz1/odoo-18.0              -> MIRROR18
#   fetch github:AmitbhatiAvantenow/HRSD-PP     -> MIRROR19
# Usage: scripts/odoo/install-trees.sh [17] [18] [19]   (default: all three; a tree present is kept)
set -euo pipefail
MIRRORS=${MIRRORS:-/work/.mirror}
versions=("$@"); [ ${#versions[@]} -eq 0 ] && versions=(17 18 19)

pkgs=$(grep -v '^#' "$(dirname "$0")/debian-packages.txt" | tr '\n' ' ')
if ! dpkg -s python3-openpyxl python3-magic python3-psycopg2 postgresql redis-server >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs >/dev/null
fi

unpack() { # version dir gitdir commit [pathspec...]
  local v=$1 dir=$2 git=$3 commit=$4; shift 4
  if [ -f "$dir/odoo-bin" ]; then echo "odoo $v: $dir already present"; return; fi
  [ -d "$git" ] || { echo "odoo $v: no mirror at $git (fetch it first)"; return 1; }
  mkdir -p "$dir"
  git --git-dir="$git" archive "$commit" "$@" 2>/dev/null | tar -x -C "$dir" || true
  [ -f "$dir/odoo-bin" ] || { echo "odoo $v: archive failed"; return 1; }
  echo "odoo $v: unpacked into $dir"
}

for v in "${versions[@]}"; do
  case $v in
    17) d=${ODOO_SRC:-/opt/odoo-src}
        unpack 17 "$d" "$MIRRORS/ashkan-farivarmoheb+odoo-17.0/repo" 63ff2312d6ed1651e740e715972aae769ac5b248
        rm -rf "$d/addons/session_redis" ;;
    18) d=${ODOO18_SRC:-/opt/odoo18-src}
        unpack 18 "$d" "$MIRRORS/dglezz1+odoo-18.0/repo" 2268dca3b2af20bfadd08000b4b49459b93ecb06 ;;
    19) d=${ODOO19_SRC:-/opt/odoo19-src}
        unpack 19 "$d" "$MIRRORS/AmitbhatiAvantenow+HRSD-PP/repo" 195f2da73193eaecad18a7a1e84b754e2280c6f4 -- . ':(exclude)venv'
        # leave out that owner's extras (HR modules of OCA, Cybrosys/Open HRMS, "My Company"...): an addon
        # whose author names neither Odoo nor is a localisation, or names the OCA. Odoo's own addons are
        # written by "Odoo S.A.", "Odoo SA", "odoo", "Odoo IN Pvt Ltd", and localisations by partners.
        for m in "$d"/addons/*/__manifest__.py; do
          dir=$(dirname "$m"); case $(basename "$dir") in l10n_*) continue ;; esac
          author=$(grep -Eo "['\"]author['\"]\s*:\s*['\"][^'\"]*" "$m" | sed -E "s/.*['\"]//")
          [ -z "$author" ] && continue
          if echo "$author" | grep -qi 'community association' || ! echo "$author" | grep -qi odoo; then rm -rf "$dir"; fi
        done
        find "$d" -name __pycache__ -type d -prune -exec rm -rf {} + ; find "$d" -name .DS_Store -delete ;;
    *) echo "unknown version $v (17, 18 or 19)"; exit 2 ;;
  esac
done
