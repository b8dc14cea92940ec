#!/usr/bin/python3
# proto.py - a test client for ippool-policyd's two protocols, written
# from the protocol descriptions (Postfix SOCKETMAP_README and
# SMTPD_POLICY_README), not from ippool's code:
#
#   proto.py sm HOST:PORT NAME KEY [NAME KEY ...]  one connection, one line per reply
#   proto.py policy HOST:PORT < blocks             attribute blocks separated by "---"
#   proto.py raw HOST:PORT BYTES                   send BYTES (\\n, \\x00 escapes), print
#                                                  what came back and whether it closed
#   proto.py persist HOST:PORT BYTES               as raw, but the connection was opened
#                                                  before and must survive a bad neighbour
#   proto.py concurrent SMHOST:PORT POLHOST:PORT N N connections at once, half of each
#                                                  protocol, all sending together
#   proto.py idle HOST:PORT N SECONDS              hold N idle connections open
import socket
import sys
import threading
import time


def addr(s):
    host, port = s.rsplit(':', 1)
    return host, int(port)


def netstring(b):
    return b'%d:%s,' % (len(b), b)


def read_netstring(sock):
    buf = b''
    while b':' not in buf:
        c = sock.recv(1)
        if not c:
            return None
        buf += c
    n = int(buf[:-1])
    data = b''
    while len(data) < n + 1:
        c = sock.recv(n + 1 - len(data))
        if not c:
            return None
        data += c
    assert data[-1:] == b',', data
    return data[:-1]


def read_policy(sock):
    buf = b''
    while not buf.endswith(b'\n\n'):
        c = sock.recv(4096)
        if not c:
            return None
        buf += c
    return buf[:-2]


def cmd_sm(a, pairs):
    s = socket.create_connection(addr(a), timeout=20)
    for i in range(0, len(pairs), 2):
        s.sendall(netstring(('%s %s' % (pairs[i], pairs[i + 1])).encode()))
        r = read_netstring(s)
        print('CLOSED' if r is None else r.decode())


def cmd_policy(a):
    s = socket.create_connection(addr(a), timeout=20)
    for block in sys.stdin.read().split('---\n'):
        lines = [l for l in block.splitlines() if l]
        if not lines:
            continue
        s.sendall(('\n'.join(lines) + '\n\n').encode())
        r = read_policy(s)
        print('CLOSED' if r is None else r.decode())


def drain(s):
    """What the server sent until it closed (or 5 s of silence)."""
    got = b''
    s.settimeout(5)
    try:
        while True:
            c = s.recv(65536)
            if not c:
                return got, True
            got += c
    except socket.timeout:
        return got, False
    except ConnectionResetError:
        return got, True


def raw_bytes(text):
    return text.encode('latin-1').decode('unicode_escape').encode('latin-1')


def send_bad(s, text):
    """Send bytes the server may close the connection on midway."""
    try:
        s.sendall(raw_bytes(text))
    except (BrokenPipeError, ConnectionResetError):
        pass


def cmd_raw(a, text):
    s = socket.create_connection(addr(a), timeout=20)
    send_bad(s, text)
    got, closed = drain(s)
    print('reply=%r closed=%s' % (got, 'yes' if closed else 'no'))


def cmd_persist(sma, text):
    """A neighbour sends garbage; a connection opened before still works."""
    good = socket.create_connection(addr(sma), timeout=20)
    good.sendall(netstring(b'tx persist1@gmail.com'))
    first = read_netstring(good)
    bad = socket.create_connection(addr(sma), timeout=20)
    send_bad(bad, text)
    _, closed = drain(bad)
    good.sendall(netstring(b'tx persist2@gmail.com'))
    second = read_netstring(good)
    print('bad_closed=%s first=%s second=%s' % (
        'yes' if closed else 'no',
        'ok' if first and first.startswith(b'OK ') else repr(first),
        'ok' if second and second.startswith(b'OK ') else repr(second)))


def cmd_concurrent(sma, pola, n):
    socks = []
    for i in range(n):
        kind = 'sm' if i % 2 == 0 else 'policy'
        socks.append((kind, socket.create_connection(addr(sma if kind == 'sm' else pola),
                                                     timeout=30)))
    results = [None] * n
    go = threading.Event()

    def one(i):
        kind, s = socks[i]
        go.wait()
        try:
            if kind == 'sm':
                s.sendall(netstring(b'ippool-sender user%d@tx.example' % i))
                r = read_netstring(s)
                results[i] = r is not None and r.startswith(b'OK ippool_relay_tx:')
            else:
                s.sendall(b'request=smtpd_access_policy\nprotocol_state=RCPT\n'
                          b'sender=user%d@tx.example\nrecipient=r%d@gmail.com\n'
                          b'client_address=127.0.0.1\n\n' % (i, i))
                r = read_policy(s)
                results[i] = r is not None and r.startswith(b'action=FILTER ippool_relay_tx:')
        except OSError:
            results[i] = False

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    t0 = time.time()
    go.set()
    for t in threads:
        t.join()
    elapsed = time.time() - t0
    print('connections=%d ok=%d bad=%d seconds=%.2f' % (
        n, sum(1 for r in results if r), sum(1 for r in results if not r), elapsed))


def cmd_idle(a, n, secs):
    socks = [socket.create_connection(addr(a), timeout=20) for _ in range(n)]
    print('open %d' % len(socks), flush=True)
    time.sleep(secs)
    for s in socks:
        s.close()


def main():
    cmd, rest = sys.argv[1], sys.argv[2:]
    if cmd == 'sm':
        cmd_sm(rest[0], rest[1:])
    elif cmd == 'policy':
        cmd_policy(rest[0])
    elif cmd == 'raw':
        cmd_raw(rest[0], rest[1])
    elif cmd == 'persist':
        cmd_persist(rest[0], rest[1])
    elif cmd == 'concurrent':
        cmd_concurrent(rest[0], rest[1], int(rest[2]))
    elif cmd == 'idle':
        cmd_idle(rest[0], int(rest[1]), float(rest[2]))
    else:
        sys.exit('unknown command ' + cmd)


if __name__ == '__main__':
    main()
