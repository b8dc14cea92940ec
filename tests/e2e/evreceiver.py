#!/usr/bin/python3
# evreceiver.py - the customer's HTTPS receiver of ippool events, for
# tests/e2e/events.sh: checks each POST's X-Ippool-Signature against the
# key (as ippoolctl(8) tells a receiver to), answers 500 to the first
# FAIL500 requests, 400 to events of the recipient REJECT, else 200 after
# DELAY seconds, and writes one JSON line per request to LOG:
# {"path","id","header_id","sig_ok","answer","event","conn"}, conn
# numbering the connections (HTTP/1.1: a client may keep one alive).
#
# usage: evreceiver.py ADDR PORT CERT KEY HMACKEY LOG FAIL500 REJECT DELAY
import hashlib
import hmac
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

addr, port, cert, keyfile, hmackey, logfile = sys.argv[1:7]
fail500, reject, delay = int(sys.argv[7]), sys.argv[8], float(sys.argv[9])
secret = open(hmackey, 'rb').read()
lock = threading.Lock()
count = [0]
log = open(logfile, 'a', buffering=1)


conns = [0]


class H(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *a):
        pass

    def setup(self):
        super().setup()
        with lock:
            conns[0] += 1
            self.conn = conns[0]

    def do_POST(self):
        n = int(self.headers.get('Content-Length', '0'))
        body = self.rfile.read(n)
        # the check a receiver makes: HMAC-SHA256 of the exact body
        want = 'sha256=' + hmac.new(secret, body, hashlib.sha256).hexdigest()
        sig_ok = hmac.compare_digest(want, self.headers.get('X-Ippool-Signature', ''))
        try:
            ev = json.loads(body)
        except ValueError:
            ev = None
        with lock:
            count[0] += 1
            k = count[0]
        if k <= fail500:
            answer = 500
        elif ev is not None and ev.get('recipient') == reject and ev.get('type') == 'bounce':
            answer = 400
        elif not sig_ok or ev is None or self.headers.get('Content-Type') != 'application/json':
            answer = 403
        else:
            answer = 200
            time.sleep(delay)
        with lock:
            log.write(json.dumps({
                'path': self.path, 'id': ev.get('id') if ev else None,
                'header_id': self.headers.get('X-Ippool-Event-Id'),
                'sig_ok': sig_ok, 'answer': answer, 'event': ev,
                'conn': self.conn}) + '\n')
        text = b'no thanks\n' if answer == 400 else b'ok\n'
        self.send_response(answer)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(text)))
        self.end_headers()
        self.wfile.write(text)


srv = ThreadingHTTPServer((addr, int(port)), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, keyfile)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
