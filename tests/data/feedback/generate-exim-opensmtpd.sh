#!/bin/bash
# generate-exim-opensmtpd.sh - the real Exim and OpenSMTPD bounces of this
# corpus, made again.  Both conflict with the postfix package as MTAs, so
# they are unpacked (apt-get download + dpkg -x, as lib.sh's sm_fetch does
# for Sendmail) and run privately, as root, in a mount namespace of their
# own: their system users (Debian-exim; opensmtpd, opensmtpq) come from a
# private copy of /etc/passwd and /etc/group bind-mounted over the real
# ones, OpenSMTPD's compiled-in spool (/var/spool/smtpd), control socket
# (/run) and helpers (/usr/libexec/opensmtpd) are private mounts too, so
# nothing of the host changes.  Both listen on or send to loopback only.
#   exim-unrouteable      Exim 4.96 (exim -bs on stdin, -C its own config):
#                         no router takes nosuch@rcpt.test (the "no such
#                         local user" of a local domain)
#   exim-refused-rcpt     Exim: the next hop (smtp-sink -f rcpt) refuses
#                         the recipient with 550 5.1.1
#   opensmtpd-refused-rcpt  OpenSMTPD 6.8 (smtpd -d -f its own config): the
#                         same refusal at the next hop
# Each bounce is delivered to a file as the envelope sender's mail (Exim:
# appendfile, the mbox "From " line dropped; OpenSMTPD: an mda).  Not part
# of "make check": review the messages and their .expect files by hand.
# Usage: bash tests/data/feedback/generate-exim-opensmtpd.sh OUTDIR
set -eu
out=$(cd "${1:?usage: generate-exim-opensmtpd.sh OUTDIR}" && pwd)
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
W=$(mktemp -d /tmp/ippool-mta-XXXXXX)
chmod 755 "$W"
SINK=127.211.77.20:2525		# the next hop that refuses every recipient
SMTPD=127.211.77.1		# OpenSMTPD's listener, port 2527
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$W"' EXIT

(cd "$W" && apt-get download -q exim4-daemon-light libidn12 opensmtpd >/dev/null)
for f in "$W"/*.deb; do dpkg -x "$f" "$W/root"; done
LIB=$W/root/usr/lib/x86_64-linux-gnu
cp "$W/root/usr/sbin/exim4" "$W/exim"		# a plain copy: no setuid bit
cp /etc/passwd "$W/passwd"
cp /etc/group "$W/group"
cat >>"$W/passwd" <<EOF
Debian-exim:x:64999:64999:Exim:/nonexistent:/usr/sbin/nologin
opensmtpd:x:64990:64990:OpenSMTPD:/nonexistent:/usr/sbin/nologin
opensmtpq:x:64991:64991:OpenSMTPD queue:/nonexistent:/usr/sbin/nologin
EOF
printf 'Debian-exim:x:64999:\nopensmtpd:x:64990:\nopensmtpq:x:64991:\n' >>"$W/group"
mkdir -p "$W/exim-spool" "$W/exim-log" "$W/exim-out" "$W/smtpd-out"
chown 64999:64999 "$W/exim-spool" "$W/exim-log" "$W/exim-out"
chown 64990 "$W/smtpd-out"

smtp-sink -u root -f rcpt -B "550 5.1.1 Recipient address rejected: User unknown in virtual mailbox table" \
	"$SINK" 10 >"$W/sink.log" 2>&1 &
PIDS+=($!)

# --- Exim ------------------------------------------------------------------
cat >"$W/exim.conf" <<EOF
exim_path = $W/exim
keep_environment = LD_LIBRARY_PATH
exim_user = Debian-exim
exim_group = Debian-exim
primary_hostname = mx.rcpt.test
qualify_domain = rcpt.test
domainlist local_domains = rcpt.test
spool_directory = $W/exim-spool
log_file_path = $W/exim-log/%slog
acl_smtp_rcpt = acl_check_rcpt
host_lookup =
rfc1413_hosts =
begin acl
acl_check_rcpt:
  accept
begin routers
refusing:
  driver = manualroute
  domains = refuse.test
  transport = remote
  route_list = * ${SINK%:*}::${SINK#*:} byname
  self = send
site:
  driver = accept
  domains = site.test
  transport = save
begin transports
remote:
  driver = smtp
  port = ${SINK#*:}
save:
  driver = appendfile
  file = $W/exim-out/bounces
  user = Debian-exim
  delivery_date_add
  envelope_to_add
  return_path_add
begin retry
*  *  F,1h,15m
EOF
exim_send() {	# exim_send RCPT: one message from sender@site.test, by SMTP on stdin
	printf 'HELO client.test\r\nMAIL FROM:<sender@site.test>\r\nRCPT TO:<%s>\r\nDATA\r\nFrom: sender@site.test\r\nTo: %s\r\nSubject: test to %s\r\n\r\nhello\r\n.\r\nQUIT\r\n' \
		"$1" "$1" "$1" >"$W/smtp.in"
	unshare -m --propagation private sh -c '
		mount --bind "$0/passwd" /etc/passwd && mount --bind "$0/group" /etc/group &&
		LD_LIBRARY_PATH="$1" "$0/exim" -C "$0/exim.conf" -bs -oi <"$0/smtp.in"' "$W" "$LIB" >/dev/null
}
for r in nosuch@rcpt.test:exim-unrouteable gone@refuse.test:exim-refused-rcpt; do
	rm -f "$W/exim-out/bounces"
	exim_send "${r%%:*}"
	for i in $(seq 50); do [ -s "$W/exim-out/bounces" ] && break; sleep 0.2; done
	sleep 1
	sed 1d "$W/exim-out/bounces" >"$out/${r#*:}.eml"	# the mbox "From " line
done

# --- OpenSMTPD -------------------------------------------------------------
cat >"$W/smtpd.conf" <<EOF
listen on $SMTPD port 2527 hostname mx.rcpt.test
action "relay" relay host smtp://$SINK
action "save" mda "/usr/bin/tee -a $W/smtpd-out/bounces" virtual { "@" = "opensmtpd" }
match from any for domain "refuse.test" action "relay"
match from any for domain "site.test" action "save"
match from local for domain "site.test" action "save"
EOF
unshare -m --propagation private sh -c '
	mount --bind "$0/passwd" /etc/passwd && mount --bind "$0/group" /etc/group &&
	mount -t tmpfs tmpfs /var/spool && mount -t tmpfs tmpfs /run &&
	{ mkdir -p /var/lib/opensmtpd/empty 2>/dev/null || { mount -t tmpfs tmpfs /var/lib && mkdir -p /var/lib/opensmtpd/empty; }; } &&
	mount --bind "$0/root/usr/libexec" /usr/libexec &&
	exec "$0/root/usr/sbin/smtpd" -d -f "$0/smtpd.conf"' "$W" >"$W/smtpd.log" 2>&1 &
PIDS+=($!)
sleep 3
swaks --server "$SMTPD:2527" --from sender@site.test --to gone@refuse.test --helo client.test \
	--header "Subject: test to gone@refuse.test" >/dev/null
for i in $(seq 100); do [ -s "$W/smtpd-out/bounces" ] && break; sleep 0.2; done
sleep 1
cp "$W/smtpd-out/bounces" "$out/opensmtpd-refused-rcpt.eml"
ls -l "$out"/exim-unrouteable.eml "$out"/exim-refused-rcpt.eml "$out"/opensmtpd-refused-rcpt.eml
