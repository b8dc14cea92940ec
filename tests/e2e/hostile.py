#!/usr/bin/python3
# hostile.py - clients that misbehave on purpose, for policy-hostile.sh:
#
#   hostile.py slowloris HOST:PORT N GAP SECONDS  N connections sending a byte of a
#                        request every GAP s; prints "closed K of N within T s"
#                        (T: when the last one closed, or SECONDS when some did not)
#   hostile.py from SRC HOST:PORT BYTES        connect from address SRC, send BYTES,
#                        print what came back and "closed" when the server closed
#   hostile.py cap HOST:PORT N BYTES           hold N connections open (each sends
#                        BYTES and reads the answer first), then print what one more
#                        connection receives
#   hostile.py noread HOST:PORT SECONDS        send policy requests and never read
#                        the replies; prints "closed after T s" or "open"
import resource
import select
import socket
import sys
import time

POLICY = (b'request=smtpd_access_policy\nprotocol_state=RCPT\n'
          b'sender=a@example.com\nrecipient=b@example.org\n'
          b'client_address=127.0.0.1\n\n')


def addr(s):
    host, port = s.rsplit(':', 1)
    return host.strip('[]'), int(port)


def esc(text):
    return text.encode().decode('unicode_escape').encode('latin-1')


def closed(s):
    """Whether the peer closed s (EOF or reset), reading what is there."""
    try:
        return s.recv(65536) == b''
    except (ConnectionResetError, BrokenPipeError):
        return True
    except BlockingIOError:
        return False


def readall(s, secs=5):
    s.settimeout(secs)
    data = b''
    try:
        while True:
            c = s.recv(65536)
            if not c:
                return data, True
            data += c
    except socket.timeout:
        return data, False
    except ConnectionResetError:
        return data, True


def cmd_slowloris(a, n, gap, secs):
    payload = POLICY * 4
    socks = [socket.create_connection(addr(a), timeout=10) for _ in range(n)]
    for s in socks:
        s.setblocking(False)
    t0 = time.monotonic()
    pos, open_ = 0, set(range(n))
    last_close = 0.0
    while open_ and time.monotonic() - t0 < secs:
        for i in list(open_):
            try:
                socks[i].send(payload[pos % len(payload):pos % len(payload) + 1])
            except (BrokenPipeError, ConnectionResetError, BlockingIOError):
                pass
        pos += 1
        end = time.monotonic() + gap
        while time.monotonic() < end and open_:
            r, _, _ = select.select([socks[i] for i in open_], [], [], end - time.monotonic())
            for s in r:
                if closed(s):
                    open_.discard(socks.index(s))
                    last_close = time.monotonic() - t0
    print('closed %d of %d within %d s' % (n - len(open_), n,
                                           int(last_close + 0.999) if not open_ else secs))


def cmd_from(src, a, text):
    s = socket.socket(socket.AF_INET6 if ':' in src else socket.AF_INET)
    s.bind((src, 0))
    s.settimeout(10)
    s.connect(addr(a))
    try:
        s.sendall(esc(text))
    except (BrokenPipeError, ConnectionResetError):
        pass
    data, eof = readall(s)
    print(repr(data.decode('latin-1')))
    print('closed' if eof else 'open')


def cmd_cap(a, n, text):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 64)), hard))
    held = []
    for _ in range(n):
        s = socket.create_connection(addr(a), timeout=10)
        if text:
            s.sendall(esc(text))
            s.recv(65536)
        held.append(s)
    s = socket.create_connection(addr(a), timeout=10)
    data, eof = readall(s)
    print(repr(data.decode('latin-1')))
    print('closed' if eof else 'open')


def cmd_noread(a, secs):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(addr(a))
    s.setblocking(False)
    t0 = time.monotonic()
    pending = b''
    while time.monotonic() - t0 < secs:
        try:
            # a partial send leaves the rest to go first: the stream must
            # stay whole requests, or the server closes it as malformed
            if not pending:
                pending = POLICY * 64
            pending = pending[s.send(pending):]
        except BlockingIOError:
            time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError):
            print('closed after %d s' % int(time.monotonic() - t0 + 0.999))
            return
        # closed by the server: a FIN shows as readable with EOF only once
        # the replies before it are read, so look at the socket's state
        info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)
        if info[0] in (7, 8, 9, 11):    # CLOSE, CLOSE_WAIT, LAST_ACK, CLOSING
            print('closed after %d s' % int(time.monotonic() - t0 + 0.999))
            return
    print('open')


def main():
    cmd, r = sys.argv[1], sys.argv[2:]
    if cmd == 'slowloris':
        cmd_slowloris(r[0], int(r[1]), float(r[2]), int(r[3]))
    elif cmd == 'from':
        cmd_from(r[0], r[1], r[2])
    elif cmd == 'cap':
        cmd_cap(r[0], int(r[1]), r[2] if len(r) > 2 else '')
    elif cmd == 'noread':
        cmd_noread(r[0], int(r[1]))
    else:
        sys.exit('usage: see the comment at the top')


main()
