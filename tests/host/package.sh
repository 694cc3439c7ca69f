#!/usr/bin/env bash
# The Debian package (make deb): built Debian's way, lintian clean (errors and
# warnings; each override with a stated reason), its files, and installed by
# dpkg into a scratch root (maintainer scripts run there, not on this host):
# the binary runs, the user and the node_exporter link exist, the unit is
# installed but not enabled.
#   package.sh
set -u
cd "$(dirname "$0")/../.."
pass=0 fail=0 skip=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "not ok - $1"; fail=$((fail + 1)); }
skp() { echo "ok - $1 # SKIP $2"; skip=$((skip + 1)); }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }
have() { command -v "$1" >/dev/null; }
finish() { echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit $?; }

if ! have dpkg-buildpackage || ! have dh || ! have lintian; then
	skp "Debian package" "dpkg-dev, debhelper or lintian missing (make deps-build installs them)"
	finish
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
out=$(make -s deb 2>&1); rc=$?
ver=$(dpkg-parsechangelog -l debian/changelog -S Version)
deb=.output/deb/pagetrack_${ver}_amd64.deb
check "make deb builds $deb (dpkg-buildpackage, debhelper)" '[ $rc -eq 0 ] && [ -s "$deb" ]'
[ $rc -eq 0 ] || { printf '%s\n' "$out" | tail -20; finish; }

# lintian: no error or warning left; every override says why.
lint=$(lintian --pedantic --fail-on none ".output/deb/pagetrack_${ver}_amd64.changes" 2>&1 |
       grep -v '^running with root privileges')
ew=$(grep -E '^[EW]: ' <<<"$lint")
check "lintian: no error or warning${ew:+: $(head -3 <<<"$ew" | tr '\n' ' ')}" '[ -z "$ew" ]'
[ -z "$lint" ] || printf '  lintian: %s\n' "$lint" | head -10
unexplained=$(awk '/^#/ { why = 1; next } /^[^#[:space:]]/ { if (!why) print; next } /^$/ { why = 0 }' \
	debian/pagetrack.lintian-overrides)
check "each lintian override follows a comment giving its reason${unexplained:+: $unexplained}" '[ -z "$unexplained" ]'

# The files, as dpkg-deb unpacks them.
x="$dir/x"
dpkg-deb -x "$deb" "$x"
files=$(dpkg-deb -c "$deb" | awk '{ print $NF }' | sed 's|^\./|/|')
for f in /usr/sbin/pagetrack /usr/share/man/man8/pagetrack.8.gz /lib/systemd/system/pagetrack.service \
	 /usr/lib/sysusers.d/pagetrack.conf /usr/lib/tmpfiles.d/pagetrack.conf \
	 /usr/share/pagetrack/prometheus/pagetrack.rules.yml /usr/share/pagetrack/prometheus/pagetrack.dashboard.json \
	 /usr/share/pagetrack/prometheus/prometheus.yml /usr/share/doc/pagetrack/copyright; do
	check "the package holds $f" 'grep -qx "$f" <<<"$files"'
done
check "the rules, dashboard and sysusers/tmpfiles files are doc/'s" \
	'cmp -s doc/prometheus/pagetrack.rules.yml "$x/usr/share/pagetrack/prometheus/pagetrack.rules.yml" &&
	 cmp -s doc/prometheus/pagetrack.dashboard.json "$x/usr/share/pagetrack/prometheus/pagetrack.dashboard.json" &&
	 cmp -s doc/pagetrack.sysusers "$x/usr/lib/sysusers.d/pagetrack.conf" &&
	 cmp -s doc/pagetrack.tmpfiles "$x/usr/lib/tmpfiles.d/pagetrack.conf"'
check "the packaged unit is doc/pagetrack.service with ExecStart=/usr/sbin/pagetrack" \
	'diff <(sed -n "/^\[Unit\]/,\$p" doc/pagetrack.service | sed "s|^ExecStart=/usr/local/sbin/|ExecStart=/usr/sbin/|") \
	      <(sed -n "/^\[Unit\]/,\$p" "$x/lib/systemd/system/pagetrack.service") >/dev/null'
check "the binary is static (one file to copy)" 'file -L "$x/usr/sbin/pagetrack" | grep -q "statically linked"'
v=$("$x/usr/sbin/pagetrack" --version 2>&1); rc=$?
check "the packaged binary runs: --version says \"$v\", the package's version $ver" '[ $rc -eq 0 ] && [ "$v" = "pagetrack $ver" ]'
"$x/usr/sbin/pagetrack" --help >"$dir/help" 2>&1; rc=$?
check "the packaged binary runs: --help (exit $rc)" '[ $rc -eq 0 ] && grep -q -- "--module" "$dir/help"'
# README's links to doc/*.md pages resolve in the installed documentation.
bad=""
for l in $(grep -oE '\]\(doc/[a-z-]+\.md' README.md | sed 's/^](//'); do
	[ -f "$x/usr/share/doc/pagetrack/$l" ] || [ -f "$x/usr/share/doc/pagetrack/$l.gz" ] || bad="$bad $l"
done
check "README's doc/*.md pages are in /usr/share/doc/pagetrack/doc${bad:+; missing:$bad}" '[ -z "$bad" ] && [ -n "$l" ]'
check "the man page is the tree's" 'cmp -s <(gzip -dc "$x/usr/share/man/man8/pagetrack.8.gz") doc/pagetrack.8'

# dpkg into a scratch root: maintainer scripts run chrootless on it
# (DPKG_ROOT), as on a real system but without touching this one.
if [ "$(id -u)" -ne 0 ]; then
	skp "dpkg -i into a scratch root" "not root"
	finish
fi
r="$dir/root"
mkdir -p "$r/etc" "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates" "$r/var/lib/prometheus/node-exporter"
touch "$r/var/lib/dpkg/status"
# Depends: systemd (systemd-sysusers): this host's, not the scratch root's.
dpkg --root="$r" --force-script-chrootless --force-depends --log=/dev/null -i "$deb" >"$dir/dpkg.log" 2>&1; rc=$?
check "dpkg --root -i: installed (exit $rc, status $(dpkg --root="$r" -s pagetrack 2>/dev/null | sed -n 's/^Status: //p'))" \
	'[ $rc -eq 0 ] && dpkg --root="$r" -s pagetrack 2>/dev/null | grep -qx "Status: install ok installed"'
[ $rc -eq 0 ] || tail -5 "$dir/dpkg.log"
check "the postinst created the unit's system user pagetrack" 'grep -q "^pagetrack:x:[1-9][0-9]*:" "$r/etc/passwd"'
check "the postinst linked node_exporter's textfile to /var/lib/pagetrack/pagetrack.prom" \
	'[ "$(readlink "$r/var/lib/prometheus/node-exporter/pagetrack.prom")" = /var/lib/pagetrack/pagetrack.prom ]'
check "the unit is installed but not enabled (tracing costs)" \
	'[ -f "$r/lib/systemd/system/pagetrack.service" ] && ! find "$r/etc" -name pagetrack.service | grep -q .'
check "the installed binary runs: pagetrack -h (exit 0)" '"$r/usr/sbin/pagetrack" -h >/dev/null 2>&1'
dpkg --root="$r" --force-script-chrootless --log=/dev/null -P pagetrack >/dev/null 2>&1; rc=$?
check "dpkg --root -P: purged, its files gone (exit $rc)" '[ $rc -eq 0 ] && [ ! -e "$r/usr/sbin/pagetrack" ]'
finish
