#!/usr/bin/python3
# arf.py - an ARF report (RFC 5965) of FEEDBACK-TYPE (default abuse) around
# a message that smtp-sink dumped, as a provider's feedback loop sends it
# to the message's return path; for tests/e2e/feedback.sh and events.sh.
#
# usage: arf.py DUMP [FEEDBACK-TYPE]
import re
import sys

raw = open(sys.argv[1], 'rb').read().decode('utf-8', 'replace')
ftype = sys.argv[2] if len(sys.argv) > 2 else 'abuse'
frm = re.search(r'^X-Mail-Args: <([^>]*)>', raw, re.M).group(1)
body = raw.split('\n', 1)[1]
body = re.sub(r'^X-[A-Za-z-]+-Args?:.*\n|^X-Client-[A-Za-z]+:.*\n|^X-Helo-Args:.*\n', '', body, flags=re.M)
print("From: fbl@isp.test\nTo: fbl@bounce.site.test\nSubject: complaint\nMIME-Version: 1.0\n"
      "Content-Type: multipart/report; report-type=feedback-report; boundary=arf\n\n"
      "--arf\nContent-Type: text/plain\n\nThis is an abuse report.\n\n"
      "--arf\nContent-Type: message/feedback-report\n\nFeedback-Type: %s\nUser-Agent: test/1.0\n"
      "Version: 1\nSource-IP: 192.0.2.3\n\n"
      "--arf\nContent-Type: message/rfc822\n\nReturn-Path: <%s>\n%s\n--arf--" % (ftype, frm, body.lstrip('\n')))
