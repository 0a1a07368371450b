#!/bin/sh
# Install (or remove) the agent workstation for all users of this machine. Silent; exit 0 on success.
#
#   sudo ./install.sh                       install into /opt/workstation
#   sudo ./install.sh --prefix /opt/ws      install somewhere else
#   ./install.sh --destdir /tmp/root        stage below a directory (packaging, tests): no root needed
#   sudo ./install.sh --uninstall           remove it again (the machine-wide config.toml is kept)
#
# Also installs: the .desktop entry, the icon (hicolor theme), /usr/local/bin/workstation and
# /etc/workstation/config.toml.example. An existing /etc/workstation/config.toml is never touched.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
prefix=/opt/workstation
destdir=""
action=install
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --destdir) destdir=$2; shift 2 ;;
    --uninstall) action=uninstall; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

apps="$destdir/usr/share/applications"
icons="$destdir/usr/share/icons/hicolor"
bin="$destdir/usr/local/bin"
etc="$destdir/etc/workstation"

refresh_caches() {
  [ -n "$destdir" ] && return 0
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$apps" || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$icons" || true
}

if [ "$action" = uninstall ]; then
  rm -rf "$destdir$prefix"
  rm -f "$apps/workstation.desktop" "$icons/scalable/apps/workstation.svg" \
        "$icons/256x256/apps/workstation.png" "$bin/workstation" "$etc/config.toml.example"
  refresh_caches
  echo "workstation removed (machine configuration in /etc/workstation kept)"
  exit 0
fi

# Copy to a new directory first and swap it in, so a failed copy never leaves half an installation.
mkdir -p "$(dirname "$destdir$prefix")"
rm -rf "$destdir$prefix.new"
cp -a "$here/workstation" "$destdir$prefix.new"
rm -rf "$destdir$prefix"
mv "$destdir$prefix.new" "$destdir$prefix"

mkdir -p "$apps" "$icons/scalable/apps" "$icons/256x256/apps" "$bin" "$etc"
sed "s|^Exec=.*|Exec=$prefix/workstation|" "$here/workstation.desktop" > "$apps/workstation.desktop"
chmod 644 "$apps/workstation.desktop"
cp "$here/icons/workstation.svg" "$icons/scalable/apps/workstation.svg"
cp "$here/icons/workstation-256.png" "$icons/256x256/apps/workstation.png"
ln -sf "$prefix/workstation" "$bin/workstation"
cp "$here/config.toml.example" "$etc/config.toml.example"
refresh_caches
echo "workstation installed in $destdir$prefix"
