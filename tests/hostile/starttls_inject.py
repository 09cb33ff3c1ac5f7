#!/usr/bin/env python3
"""A hostile IMAP server: it answers STARTTLS with its OK and, in the same
write, a line of plaintext ("* OK injected") that a careless client would
parse as if it had come over TLS.  Then it does TLS properly, with the
certificate it is given, and answers CAPABILITY, naming the SNI host name
the client sent (X-SNI=name, or X-SNI=- for none).

    starttls_inject.py --cert server.pem --key server.key [--implicit]

With --implicit it skips the plaintext part: TLS from the first byte, then
the greeting "* OK X-SNI=name" (to serve certificates the fixture's
Dovecot does not have).

Listens on 127.0.0.1, port 0; prints the port on a line of its own, then
serves one connection and exits (or gives up after --timeout seconds).
Python 3 standard library only.
"""

import argparse
import socket
import ssl
import sys


def read_line(sock_file):
    line = sock_file.readline(4096)
    if not line:
        raise EOFError('client closed')
    return line


def serve(conn, ctx, implicit, sni):
    if implicit:
        tls = ctx.wrap_socket(conn, server_side=True)
        tls.sendall(b'* OK X-SNI=' + sni_atom(sni) + b'\r\n')
    else:
        plain = conn.makefile('rb')
        conn.sendall(b'* OK hostile server ready\r\n')
        while True:
            line = read_line(plain)
            tag = line.split(b' ', 1)[0]
            if line.upper().startswith(tag.upper() + b' STARTTLS'):
                break
            conn.sendall(tag + b' BAD say STARTTLS\r\n')
        # The attack: more plaintext right behind the OK, in one segment.
        conn.sendall(tag + b' OK go\r\n* OK injected\r\n')
        tls = ctx.wrap_socket(conn, server_side=True)
    f = tls.makefile('rb')
    while True:
        try:
            line = read_line(f)
        except (EOFError, ssl.SSLError, OSError):
            return
        parts = line.rstrip(b'\r\n').split(b' ', 2)
        tag = parts[0]
        cmd = parts[1].upper() if len(parts) > 1 else b''
        if cmd == b'CAPABILITY':
            tls.sendall(b'* CAPABILITY IMAP4rev1 AUTH=PLAIN X-SNI=' +
                        sni_atom(sni) + b'\r\n' + tag + b' OK done\r\n')
        elif cmd == b'LOGOUT':
            tls.sendall(b'* BYE\r\n' + tag + b' OK bye\r\n')
            return
        else:
            tls.sendall(tag + b' BAD unknown\r\n')


def sni_atom(sni):
    """The SNI name the client sent, as a safe atom."""
    name = sni.get('name')
    if not name:
        return b'-'
    return ''.join(c for c in name if c.isalnum() or c in '.-').encode()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--cert', required=True)
    ap.add_argument('--key', required=True)
    ap.add_argument('--timeout', type=float, default=30.0)
    ap.add_argument('--implicit', action='store_true')
    args = ap.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    sni = {}

    def on_sni(sock, name, context):
        sni['name'] = name
    ctx.sni_callback = on_sni
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', 0))
    srv.listen(1)
    srv.settimeout(args.timeout)
    sys.stdout.write('%d\n' % srv.getsockname()[1])
    sys.stdout.flush()
    try:
        conn, _ = srv.accept()
    except socket.timeout:
        return 1
    conn.settimeout(args.timeout)
    with conn:
        try:
            serve(conn, ctx, args.implicit, sni)
        except (EOFError, OSError, ssl.SSLError):
            pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
