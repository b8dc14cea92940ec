#!/bin/bash
# postfix-setup.sh - "ippoolctl postfix-setup" where it changes things:
#   - the undo of [feedback]: without a key, the ippool_feedback transport,
#     its transport_maps map and the return domains it put in relay_domains
#     go away again, shown first by --dry-run, the administrator's own
#     entries kept;
#   - sockets for a chrooted smtpd: a unix milter socket under the queue
#     directory is written relative to it, and a chrooted smtpd of a real
#     Postfix reaches the milter through it; a socket elsewhere gets a
#     warning naming the chrooted service;
#   - postmulti mode end to end, in a private mount namespace whose /etc,
#     /var/spool and /var/lib are overlays with their upper layers in the
#     test's directory (the host's /etc/postfix is never touched): the dry
#     run prints every line the real run then writes, in the main instance
#     and in every pool instance it has still to create; the instances are
#     created, enabled, and a pool instance starts and listens.
. "$(dirname "$0")/lib.sh"
need_root
need postfix postmulti smtp-sink swaks "$MILTER" "$CTL"
if [ -z "${IPPOOL_PFSETUP_NS:-}" ]; then
	unshare -m --propagation private true 2>/dev/null \
		&& exec unshare -m --propagation private env IPPOOL_PFSETUP_NS=1 bash "$0" "$@"
	skip_all "cannot create a private mount namespace (unshare -m)"
fi

grep -qw overlay /proc/filesystems || skip_all "no overlay file system"

pf_value() { postconf -c "$1" -h "$2"; }

# --- the undo of [feedback] (private directories) ---------------------------------
head -c 32 /dev/urandom >"$T/fb.key"
chmod 600 "$T/fb.key"
base_conf() {
	printf '[store]\npath = %s\n[milter]\nsocket = inet:%s@%s\nuser =\n' "$T/store" "$MPORT" "$(netip 1)"
	policy_section
	printf '[pool tx]\nips = %s\nport = 10131\nsenders = @site.test\n' "$(netip 3)"
}
{ base_conf; printf '[feedback]\nkey = %s\ndomains = site.test other.test\n' "$T/fb.key"; } >"$T/fb.conf"
base_conf >"$T/nofb.conf"
pf_setup main 2600 <<CONF
transport_maps = inline:{rcpt.test=smtp:[192.0.2.1]:25}
relay_domains = mine.test
CONF
pf_setup tx 2601 </dev/null
MAIN=main
setup() { "$CTL" -c "$1" postfix-setup --main-dir "$T/pf-$MAIN/etc" --pool-dir "$T/pf-%s/etc" "${@:2}" 2>&1; }
setup "$T/fb.conf" >"$T/setup1.out"
is "$?" 0 "postfix-setup with [feedback]"
M=$T/pf-main/etc
is "$(pf_value "$M" transport_maps)" \
	"inline:{bounce.site.test=ippool_feedback:,bounce.other.test=ippool_feedback:}, inline:{rcpt.test=smtp:[192.0.2.1]:25}" \
	"  the return domains routed to ippool_feedback, before the administrator's map"
is "$(pf_value "$M" relay_domains)" "mine.test, bounce.site.test, bounce.other.test" "  and relayed"
like "$(postconf -c "$M" -M ippool_feedback/unix)" '^ippool_feedback +unix .* pipe flags=DO user=nobody ' "  the pipe transport is there"

# one return domain fewer: its map entry and relay_domains entry go
{ base_conf; printf '[feedback]\nkey = %s\ndomains = site.test\n' "$T/fb.key"; } >"$T/fb1.conf"
setup "$T/fb1.conf" >"$T/setup2.out"
is "$(pf_value "$M" transport_maps)" "inline:{bounce.site.test=ippool_feedback:}, inline:{rcpt.test=smtp:[192.0.2.1]:25}" \
	"a return domain dropped from [feedback]: out of transport_maps"
is "$(pf_value "$M" relay_domains)" "mine.test, bounce.site.test" "  and out of relay_domains"

# no [feedback] at all: the dry run shows the undo, then it is made
before=$(md5sum "$M/main.cf" "$M/master.cf")
setup "$T/nofb.conf" --dry-run >"$T/undo-dry.out"
is "$?" 0 "without [feedback]: --dry-run exit 0"
grep -Fxq "(dry run) $M/main.cf: transport_maps = inline:{rcpt.test=smtp:[192.0.2.1]:25}  (was: inline:{bounce.site.test=ippool_feedback:}, inline:{rcpt.test=smtp:[192.0.2.1]:25})" "$T/undo-dry.out"
ok $? "  the dry run shows transport_maps without our map, with the old value"
grep -Fxq "(dry run) $M/main.cf: relay_domains = mine.test  (was: mine.test, bounce.site.test)" "$T/undo-dry.out"
ok $? "  relay_domains without the return domain"
grep -Eq "^\(dry run\) $M/master.cf: remove ippool_feedback unix - n n - - pipe flags=DO " "$T/undo-dry.out"
ok $? "  and the removal of the ippool_feedback transport"
is "$(md5sum "$M/main.cf" "$M/master.cf")" "$before" "  the dry run changed nothing"
setup "$T/nofb.conf" >"$T/undo.out"
is "$?" 0 "the undo"
is "$(pf_value "$M" transport_maps)" "inline:{rcpt.test=smtp:[192.0.2.1]:25}" "  transport_maps: the administrator's map only"
is "$(pf_value "$M" relay_domains)" "mine.test" "  relay_domains: the administrator's domain only"
is "$(postconf -c "$M" -M ippool_feedback/unix 2>/dev/null)" "" "  no ippool_feedback transport"
is "$(sed 's/^(dry run) //' "$T/undo-dry.out" | grep -v 'would be made')" "$(grep -v ' made: run ' "$T/undo.out")" \
	"  it printed exactly what the dry run did"
like "$(setup "$T/nofb.conf")" '^no changes: ' "  run again: no changes"

# --- a chrooted smtpd and the milter's unix socket ------------------------------------
sink_start out "$(netip 20)"
MAIN=cmain
pf_setup cmain 2603 </dev/null
C=$T/pf-cmain/etc
sed "s|^socket = .*|socket = unix:$T/pf-cmain/spool/ippool/milter.sock|" "$T/nofb.conf" >"$T/chroot.conf"
setup "$T/chroot.conf" >"$T/chroot.out"
is "$?" 0 "a unix milter socket under the main instance's queue directory"
is "$(pf_value "$C" smtpd_milters)" "{ unix:ippool/milter.sock, default_action=tempfail }" \
	"  written relative to the queue directory"
# that line, in an instance whose smtpd is chrooted into its queue directory
pf_setup chroot 2602 <<CONF
smtpd_milters = $(pf_value "$C" smtpd_milters)
CONF
postconf -c "$T/pf-chroot/etc" -F "$(netip 1):2602/inet/chroot = y"
mkdir -p "$T/pf-chroot/spool/ippool" "$T/pf-chroot/spool/etc"
chown postfix "$T/pf-chroot/spool/ippool"
cp /etc/hosts /etc/services /etc/resolv.conf "$T/pf-chroot/spool/etc/" 2>/dev/null
sed "s|^socket = .*|socket = unix:$T/pf-chroot/spool/ippool/milter.sock|; s|^user =\$|user = postfix|" \
	"$T/chroot.conf" >"$T/chroot2.conf"
milter_start "$T/chroot2.conf"
pf_start chroot
like "$(postconf -c "$T/pf-chroot/etc" -M "$(netip 1):2602/inet")" "^$(netip 1):2602 +inet +n +- +y " \
	"  an instance with a chrooted smtpd"
deliver out "$(netip 1)" 2602 news@site.test a@sink.test >"$T/f"
f=$(cat "$T/f")
like "$LAST_REPLY" '^250 ' "  a message through the chrooted smtpd: accepted"
check_tag "$f" tx "  the chrooted smtpd reached the milter"
milter_stop

sed "s|^socket = .*|socket = unix:$T/run/milter.sock|" "$T/nofb.conf" >"$T/outside.conf"
postconf -c "$C" -F "$(netip 1):2603/inet/chroot = y"
out=$(setup "$T/outside.conf" --dry-run)
like "$out" "ippoolctl: warning: $C/master.cf: $(netip 1):2603/inet \\(smtpd\\) runs chrooted in $T/pf-cmain/spool, where $T/run/milter.sock cannot be reached: set \\[milter\\] socket to a unix socket under $T/pf-cmain/spool" \
	"a socket outside the queue directory and a chrooted smtpd: a warning that says what to do"
postconf -c "$C" -F "$(netip 1):2603/inet/chroot = n"
is "$(setup "$T/outside.conf" --dry-run | grep -c 'warning:')" 0 "  no warning when smtpd is not chrooted"

# --- postmulti mode, in this namespace's overlays ------------------------------------
for d in /etc /var/spool /var/lib; do
	mkdir -p "$T/ov/up$d" "$T/ov/work$d"
	mount -t overlay overlay -o "lowerdir=$d,upperdir=$T/ov/up$d,workdir=$T/ov/work$d" "$d" \
		|| bail "cannot mount an overlay on $d"
	MOUNTS=("$d" "${MOUNTS[@]}")
done
# the main instance, as an administrator's: Debian's master.cf (smtpd chrooted)
mkdir -p /var/spool/postfix /var/lib/postfix
cat >/etc/postfix/main.cf <<CONF
compatibility_level = 3.6
maillog_file = $T/pm-maillog
maillog_file_prefixes = $T
myhostname = mta.example.test
inet_interfaces = loopback-only
inet_protocols = ipv4
mydestination =
smtpd_relay_restrictions = permit_mynetworks, reject
CONF
[ -f /etc/postfix/master.cf ] || cp /usr/share/postfix/master.cf.dist /etc/postfix/master.cf
{
	printf '[store]\npath = %s\n[milter]\nsocket = unix:/var/spool/postfix/ippool/milter.sock\nuser =\n' "$T/store"
	policy_section
	printf '[pool tx]\nips = %s\nport = 10131\nsenders = @site.test\n' "$(netip 3)"
	printf '[pool bulk]\nips = %s %s\nport = 10132\nsenders = @news.test\n' "$(netip 4)" "$(netip 5)"
} >"$T/pm.conf"
sum() { find /etc/postfix* -type f -print0 | sort -z | xargs -0 md5sum; }
before=$(sum)
"$CTL" -c "$T/pm.conf" postfix-setup --dry-run >"$T/pm-dry.out" 2>&1
is "$?" 0 "postmulti mode: --dry-run exit 0"
is "$(sum)" "$before" "  the dry run changed nothing"
[ ! -e /etc/postfix-ippool-tx ]
ok $? "  and created no instance"
for p in tx bulk; do
	grep -Fxq "(dry run) postmulti -I postfix-ippool-$p -G ippool -e create" "$T/pm-dry.out"
	ok $? "  the dry run names the creation of postfix-ippool-$p"
	grep -Fxq "(dry run) /etc/postfix-ippool-$p/main.cf: transport_maps = socketmap:inet:$(netip 1):10041:$p  (was: empty)" "$T/pm-dry.out"
	ok $? "  and the lines of its main.cf (transport_maps)"
	grep -Fq "(dry run) /etc/postfix-ippool-$p/master.cf: add ippool_${p}_1 unix - - n - - smtp -o smtp_bind_address=" "$T/pm-dry.out"
	ok $? "  and of its master.cf (the transport of its first IP)"
	grep -Fxq "(dry run) postmulti -i postfix-ippool-$p -e enable" "$T/pm-dry.out"
	ok $? "  and its enabling"
done
! grep -q 'then: the settings' "$T/pm-dry.out"
ok $? "  no line left unsaid"
"$CTL" -c "$T/pm.conf" postfix-setup >"$T/pm.out" 2>&1
is "$?" 0 "postmulti mode: the real run"
# every line the dry run showed, the real run printed (and the reverse)
norm() { sed 's/^(dry run) //' "$1" | grep -v -e ' would be made' -e ' made: run '; }
is "$(norm "$T/pm.out")" "$(norm "$T/pm-dry.out")" "  it printed exactly the lines of the dry run"
[ "$(norm "$T/pm.out" | wc -l)" -gt 20 ]
ok $? "  ($(norm "$T/pm.out" | wc -l) lines)"
like "$(postmulti -l -a | awk '$1 == "postfix-ippool-tx" { print $2, $3, $4 }')" '^ippool y /etc/postfix-ippool-tx$' \
	"  postfix-ippool-tx: group ippool, enabled, in /etc/postfix-ippool-tx (as the dry run named it)"
is "$(pf_value /etc/postfix-ippool-bulk transport_maps)" "socketmap:inet:$(netip 1):10041:bulk" "  bulk's transport_maps"
is "$(pf_value /etc/postfix-ippool-bulk master_service_disable)" "" "  inet services enabled again (postmulti disables them)"
is "$(pf_value /etc/postfix smtpd_milters)" "{ unix:ippool/milter.sock, default_action=tempfail }" \
	"  the main instance's chrooted smtpd gets the milter socket relative to /var/spool/postfix"
like "$("$CTL" -c "$T/pm.conf" postfix-setup 2>&1)" '^no changes: ' "  run again: no changes"
postmulti -i postfix-ippool-tx -p start >"$T/pm-start.out" 2>&1
wait_for 10 port_open "$(netip 1)" 10131
ok $? "the tx instance starts and listens on $(netip 1):10131"
postmulti -i postfix-ippool-tx -p stop >/dev/null 2>&1
done_testing
