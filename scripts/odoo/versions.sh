# Sourced by the real-Odoo tier scripts: the Odoo versions PlanSync knows, where their trees are, and
# which of them the addon family supports. Adding a version: docs/architecture.md, "A new Odoo version".
ODOO_VERSIONS=(17 18 19)
# The versions the addon family installs on (kept equal to SUPPORTED in odoo_addon/plansync/compat).
PLANSYNC_SUPPORTED=(17 18 19)
# The family, in install order.
PLANSYNC_MODULES=(plansync plansync_planning plansync_inventory)
# What the tier installs the family on.
BUSINESS_MODULES=sale_stock,purchase_stock,sale_management

odoo_tree() { # version -> source tree
  case $1 in
    17) echo "${ODOO_SRC:-/opt/odoo-src}" ;;
    18) echo "${ODOO18_SRC:-/opt/odoo18-src}" ;;
    19) echo "${ODOO19_SRC:-/opt/odoo19-src}" ;;
    *) echo "/nonexistent/odoo-$1" ;;
  esac
}

odoo_series() { # tree -> major version read from odoo/release.py
  sed -nE 's/^version_info = \(([0-9]+), .*/\1/p' "$1/odoo/release.py" 2>/dev/null | head -1
}

odoo_skip_reason() { # version tree -> empty when the tier can run, else why not
  local version=$1 src=$2 var
  case $version in 17) var=ODOO_SRC ;; 18) var=ODOO18_SRC ;; 19) var=ODOO19_SRC ;;
    *) echo "unknown Odoo version $version (known: ${ODOO_VERSIONS[*]})"; return ;; esac
  if [ ! -f "$src/odoo-bin" ]; then
    echo "no Odoo $version.0 source tree at $src (set $var; scripts/odoo/install-trees.sh puts one there)"; return
  fi
  local series; series=$(odoo_series "$src")
  if [ "$series" != "$version" ]; then echo "$src is Odoo ${series:-?}, not $version (check $var)"; return; fi
  case " ${PLANSYNC_SUPPORTED[*]} " in *" $version "*) ;; *)
    echo "the addon family does not support Odoo $version.0 yet (supported: ${PLANSYNC_SUPPORTED[*]})"; return ;; esac
}
