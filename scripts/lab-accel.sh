# shellcheck shell=bash
# Sourced by tests/vm/run: choose KVM or TCG for a guest boot.
#
# A readable, writable /dev/kvm proves nothing: nested virtualization may be
# missing or partial (qemu aborts on an MSR, or the guest never prints). So
# KVM is used only after a probe: a tiny boot whose /init prints a marker,
# which must reach the console within PAGETRACK_KVM_PROBE_TIMEOUT seconds
# (default 10). The verdict is cached per host boot (boot_id), per QEMU
# binary and arch, so the probe is paid once.
#
# Environment:
#   PAGETRACK_ACCEL=kvm|tcg|auto   force one, or probe (default auto)
#   PAGETRACK_KVM_DEV              the KVM device (default /dev/kvm)
#   PAGETRACK_KVM_PROBE_TIMEOUT    probe limit in seconds (default 10)
#   PAGETRACK_KVM_CACHE            verdict directory (default $CACHE/kvm-probe)

# The verdict file for this QEMU and arch.
accel_verdict_file() { # QEMU ARCH
	local key
	key=$(printf '%s\n%s\n' "$(command -v "$1" || echo "$1")" "$2" | md5sum | cut -c1-12)
	echo "${PAGETRACK_KVM_CACHE:-$CACHE/kvm-probe}/$key"
}

# Boots KERNEL under KVM with an initramfs whose /init only prints a marker.
# Returns 0 when the marker came in time; else sets accel_why.
accel_probe() { # QEMU KERNEL BUSYBOX WORKDIR
	local qemu=$1 kernel=$2 busybox=$3 dir=$4/kvm-probe limit=${PAGETRACK_KVM_PROBE_TIMEOUT:-10} rc mark
	mark="@@PAGETRACK-KVM-PROBE-$$@@"
	mkdir -p "$dir/root/bin" || { accel_why="cannot create $dir"; return 1; }
	cp "$busybox" "$dir/root/bin/busybox" || { accel_why="cannot copy $busybox"; return 1; }
	printf '#!/bin/busybox sh\n/bin/busybox echo "%s"\n/bin/busybox poweroff -f\n' "$mark" >"$dir/root/init"
	chmod 755 "$dir/root/init"
	(cd "$dir/root" && find . | cpio -o -H newc -R 0:0 --quiet) >"$dir/initrd" ||
		{ accel_why="cannot build the probe initramfs"; return 1; }
	timeout -k 2 "$limit" "$qemu" -enable-kvm -cpu host -m 256 -nographic -no-reboot -nic none \
		-kernel "$kernel" -initrd "$dir/initrd" \
		-append "console=ttyS0 panic=-1 loglevel=1 pagetrack.kvmprobe=1" \
		</dev/null >"$dir/console" 2>"$dir/err"
	rc=$?
	grep -aq "$mark" "$dir/console" && return 0
	case $rc in
	124 | 137) accel_why="a probe guest printed no init marker within ${limit}s" ;;
	*) accel_why="a probe guest failed (qemu exit $rc${rc:+: }$(grep -m 1 -E 'error|Assertion|failed' "$dir/err" | cut -c1-120))" ;;
	esac
	return 1
}

# Sets the array accel_args for QEMU. Prints one line when KVM is not used
# although the device is there. Returns 1 when KVM was forced and cannot work.
accel_select() { # QEMU ARCH KERNEL BUSYBOX WORKDIR TCG_CPU
	local qemu=$1 arch=$2 kernel=$3 busybox=$4 work=$5 cpu=$6 mode=${PAGETRACK_ACCEL:-auto}
	local dev=${PAGETRACK_KVM_DEV:-/dev/kvm} file boot id verdict why
	accel_args=(-accel tcg -cpu "$cpu")
	accel_kind=tcg
	case $mode in
	tcg) return 0 ;;
	kvm | auto) ;;
	*) echo "vm/run: PAGETRACK_ACCEL must be kvm, tcg or auto, not '$mode'" >&2; return 1 ;;
	esac
	if ! [ -r "$dev" ] || ! [ -w "$dev" ]; then
		[ "$mode" = kvm ] && { echo "vm/run: PAGETRACK_ACCEL=kvm, but $dev is not there or not read-writable" >&2; return 1; }
		return 0
	fi
	file=$(accel_verdict_file "$qemu" "$arch")
	boot=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)
	verdict="" why=""
	if [ -s "$file" ] && IFS=' ' read -r id verdict why <"$file" && [ "$id" = "$boot" ]; then
		why="$why (cached for this host boot)"
	else
		verdict=bad
		accel_probe "$qemu" "$kernel" "$busybox" "$work" && verdict=good
		why=${accel_why:-}
		mkdir -p "$(dirname "$file")" && echo "$boot $verdict $why" >"$file"
	fi
	if [ "$verdict" = good ]; then
		accel_args=(-enable-kvm -cpu host)
		accel_kind=kvm
		return 0
	fi
	if [ "$mode" = kvm ]; then
		echo "vm/run: PAGETRACK_ACCEL=kvm, but KVM cannot run guests here: $why" >&2
		return 1
	fi
	echo "vm/run: KVM unusable here: $why; using TCG" >&2
	return 0
}

# After a good probe a real boot still failed to start under KVM: remember
# that for this host boot, so later runs go straight to TCG.
accel_mark_bad() { # QEMU ARCH WHY
	local file
	file=$(accel_verdict_file "$1" "$2")
	mkdir -p "$(dirname "$file")" && echo "$(cat /proc/sys/kernel/random/boot_id) bad $3" >"$file"
}
