/// The second stage of a guest's boot (`guest.sh` in the cluster's state share), run as PID 1 by
/// the host's `/bin/sh` once the guest's root is this machine's root with an overlay.
///
/// It makes the guest a Lustre node of the kit: its name, `/etc/hosts`, the kit's module tree as
/// `/lib/modules/KVER`, the kit's tools in `/usr/sbin` and libraries in the loader's path, its
/// NICs renamed and addressed by MAC (from `guests/NAME` in the share: `MAC NAME ADDRESS/LEN`
/// per line), `lnet` loaded, and sshd serving. Then it prints `lutf-guest: ready` and becomes
/// busybox's init, which reaps orphans. Any failure prints `lutf-guest: error: WHAT` and powers
/// the guest off.
enum GuestSetup {
    static func script(kernelRelease: String, busybox: String) -> String {
        """
        #!/bin/sh
        # LUTF guest, second stage (written by lutf for its VM cluster).
        export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        say() { echo "lutf-guest: $*" > /dev/console; }
        fail() { say "error: $*"; sync; echo o > /proc/sysrq-trigger; sleep 30; }
        name=
        for word in $(cat /proc/cmdline); do
          case $word in lutf.name=*) name=${word#lutf.name=};; esac
        done
        nics=/lutf/state/guests/$name
        [ -n "$name" ] && [ -r "$nics" ] || fail "no configuration for guest '$name' in /lutf/state/guests"
        mount -t tmpfs -o mode=1777 tmpfs /tmp
        mount -t tmpfs -o mode=0755 tmpfs /run
        mkdir -p /dev/pts /dev/shm /run/sshd /run/lock
        mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
        mount -t tmpfs -o mode=1777 tmpfs /dev/shm
        mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
        hostname "$name"
        echo "$name" > /etc/hostname
        cp /lutf/state/hosts /etc/hosts
        ln -sf /proc/mounts /etc/mtab
        # root's home in the guest is its own: the host user's dotfiles (pyenv, conda, ...) stay out
        # of every ssh command.
        mkdir -p /lutf/home && chmod 700 /lutf/home
        sed -i 's|^root:\\([^:]*:0:0:[^:]*:\\)[^:]*:|root:\\1/lutf/home:|' /etc/passwd
        kver=\(kernelRelease)
        mkdir -p /lib/modules/$kver
        mount --bind /lutf/kit/modules/$kver /lib/modules/$kver || fail "cannot bind the kit's modules"
        for tool in /lutf/kit/tools/sbin/*; do ln -sf "$tool" /usr/sbin/; done
        if [ -d /lutf/kit/tools/lib/lustre ]; then rm -rf /usr/lib/lustre; ln -s /lutf/kit/tools/lib/lustre /usr/lib/lustre; fi
        mkdir -p /etc/ld.so.conf.d
        echo /lutf/kit/tools/lib > /etc/ld.so.conf.d/zz-lutf-kit.conf
        ldconfig || fail "ldconfig failed"
        ip link set lo up
        i=0
        while read -r mac want address; do
          dev=
          for d in /sys/class/net/*; do [ "$(cat "$d/address")" = "$mac" ] && dev=${d##*/}; done
          [ -n "$dev" ] || fail "no NIC with MAC $mac (for $want)"
          ip link set dev "$dev" name "lutftmp$i" || fail "cannot rename $dev"
          i=$((i + 1))
        done < "$nics"
        i=0
        while read -r mac want address; do
          ip link set dev "lutftmp$i" name "$want" || fail "cannot name $want"
          ip addr add "$address" dev "$want" || fail "cannot give $want $address"
          ip link set "$want" up || fail "cannot bring $want up"
          i=$((i + 1))
        done < "$nics"
        # Each guest NIC has a subnet of its own, where socklnd's multi-rail routing tables are not
        # needed; ksocklnd-config, which sets them up, takes 13-15 s per `net add` under TCG.
        mkdir -p /etc/modprobe.d
        echo "options ksocklnd skip_mr_route_setup=1" > /etc/modprobe.d/lutf-guest.conf
        out=$(modprobe lnet 2>&1) || fail "modprobe lnet: $out"
        mkdir -p /etc/lutf-ssh
        cp /lutf/state/ssh_host_ed25519_key /etc/lutf-ssh/ && chmod 600 /etc/lutf-ssh/ssh_host_ed25519_key
        out=$(/usr/sbin/sshd -f /lutf/state/sshd_config 2>&1) || fail "sshd: $out"
        echo "::ctrlaltdel:\(busybox) poweroff -f" > /etc/inittab
        say ready
        exec \(busybox) init

        """
    }

    static let sshdConfig = """
        # sshd of a LUTF guest (written by lutf for its VM cluster).
        Port 22
        HostKey /etc/lutf-ssh/ssh_host_ed25519_key
        AuthorizedKeysFile /lutf/state/authorized_keys
        PermitRootLogin prohibit-password
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        UsePAM no
        StrictModes no
        UseDNS no
        LogLevel ERROR
        PidFile /run/sshd.pid
        Subsystem sftp internal-sftp

        """
}
