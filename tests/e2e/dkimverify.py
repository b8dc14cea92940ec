#!/usr/bin/python3
# dkimverify.py - verify every DKIM-Signature of a message dumped by
# smtp-sink with python3-dkim (an implementation independent of
# libopendkim), taking key records from a file instead of DNS.
#
# usage: dkimverify.py RECORDS MESSAGE
#   RECORDS: lines "NAME<TAB>TXT" (e.g. "s1._domainkey.example.com<TAB>v=DKIM1; ...")
# prints one line per signature, top first:
#   "a=ALG d=DOMAIN s=SELECTOR h=H1:H2:... RESULT"   RESULT: pass | fail
import re
import sys

import dkim

records = {}
with open(sys.argv[1]) as f:
    for line in f:
        name, _, txt = line.rstrip("\n").partition("\t")
        records[name.rstrip(".").lower()] = txt.encode()


def dnsfunc(name, timeout=5):
    if isinstance(name, bytes):
        name = name.decode()
    return records.get(name.rstrip(".").lower())


raw = open(sys.argv[2], "rb").read()
# smtp-sink writes its own X-Client-Addr etc. lines before the message
lines = raw.split(b"\n")
while lines and re.match(rb"X-(Client-Addr|Client-Proto|Helo-Args|Mail-Args|Rcpt-Args): ", lines[0]):
    lines.pop(0)
# back to the wire form: CRLF line ends
msg = b"\r\n".join(l.rstrip(b"\r") for l in lines)

d = dkim.DKIM(msg)
sigs = [v for (k, v) in d.headers if k.lower() == b"dkim-signature"]
for i, v in enumerate(sigs):
    tags = dkim.util.parse_tag_value(re.sub(rb"\s+", b"", v))
    try:
        good = dkim.DKIM(msg).verify(idx=i, dnsfunc=dnsfunc)
    except Exception as e:  # a verifier error is a failure, say why
        print("# %s" % e, file=sys.stderr)
        good = False
    print("a=%s d=%s s=%s h=%s %s" % (tags[b"a"].decode(), tags[b"d"].decode(),
          tags[b"s"].decode(), tags[b"h"].decode(), "pass" if good else "fail"))
