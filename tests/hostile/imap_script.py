#!/usr/bin/env python3
"""A scripted IMAP server that misbehaves on purpose, for tern's session
tests (tests/unit/test_imap_hostile.c).

    imap_script.py SCENARIO --record FILE [--certdir DIR] [--timeout S]

Listens on 127.0.0.1, port 0, prints the port on a line of its own, serves
one connection with the scenario's script, and exits.  Every byte the
client sends is appended to FILE as it arrives, so a test can show what
reached the server (and what did not: a password, a LOGIN).  TLS scenarios
use DIR/server.pem and DIR/server.key, made with the fixture's CA
(tests/server/fixture.py make_certs) when missing.

Scenarios:

  starttls-stripped   greeting CAPABILITY without STARTTLS
  starttls-asked      greeting without capabilities; CAPABILITY lacks it
  starttls-no         STARTTLS answered NO
  starttls-bad        STARTTLS answered BAD
  starttls-inject     OK to STARTTLS plus injected plaintext, then TLS
  preauth             PREAUTH greeting (on a connection that wanted TLS)
  big-literal         after login, a FETCH announcing a 999999999999 literal
  endless-line        after the greeting, a line that never ends
  rev1                an ordinary IMAP4rev1 server (SEARCH answers)
  rev2                an IMAP4rev2-only server (ESEARCH, LIST-EXTENDED)
  scram               SCRAM-SHA-256 done right (user alice, pw "pencil")
  scram-badsig        SCRAM with a server signature that is wrong
  scram-nosig         SCRAM where the server says OK without its signature
  sync-literal        no LITERAL+: literals wait for "+"; records them
  unknown-tag         answers a command with a tag never sent
  bye                 says BYE in the middle of the session
  stray-continue      sends "+" nobody asked for

Python 3 standard library only.
"""

import argparse
import base64
import hashlib
import hmac
import os
import re
import socket
import ssl
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'server'))

USER = 'alice'
PASSWORD = 'pencil'

MESSAGES = [
    (1, b'From: a@example.org\r\nTo: b@example.org\r\n'
        b'Subject: one\r\n\r\nfirst\r\n'),
    (2, b'From: c@example.org\r\nTo: b@example.org\r\n'
        b'Subject: two\r\n\r\nsecond\r\n'),
    (5, b'From: d@example.org\r\nTo: b@example.org\r\n'
        b'Subject: three\r\n\r\nthird\r\n'),
]


class Closed(Exception):
    """The client went away."""


class Conn:
    """One client connection, plain or TLS, recording what it receives."""

    def __init__(self, sock, record):
        self.sock = sock
        self.buf = b''
        self.record = record

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise Closed()
        with open(self.record, 'ab') as f:
            f.write(data)
        self.buf += data

    def readline(self):
        while b'\n' not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b'\n', 1)
        return line + b'\n'

    def read(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def send(self, data):
        self.sock.sendall(data)

    def command(self, sync_plus=True):
        """One command: (tag, NAME, the rest as bytes with literals
        inline).  Synchronizing literals get '+ go' when sync_plus."""
        line = self.readline()
        whole = b''
        while True:
            m = re.search(rb'\{(\d+)(\+?)\}\r?\n$', line)
            if not m:
                whole += line.rstrip(b'\r\n')
                break
            whole += line[:m.start()] + b'{' + m.group(1) + m.group(2) + b'}'
            if not m.group(2) and sync_plus:
                self.send(b'+ go ahead\r\n')
            whole += self.read(int(m.group(1)))
            line = self.readline()
        parts = whole.split(b' ', 2)
        tag = parts[0]
        name = parts[1].upper() if len(parts) > 1 else b''
        rest = parts[2] if len(parts) > 2 else b''
        if name == b'UID' and rest:
            sub = rest.split(b' ', 1)
            name = b'UID ' + sub[0].upper()
            rest = sub[1] if len(sub) > 1 else b''
        return tag, name, rest


def b64(data):
    return base64.b64encode(data)


def unb64(data):
    return base64.b64decode(data.strip(), validate=True)


class Server:
    """An ordinary small IMAP server; scenarios override parts of it."""

    rev2 = False
    caps_pre = b'IMAP4rev1 LITERAL+ SASL-IR AUTH=PLAIN ID ENABLE'
    caps_post = (b'IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE '
                 b'UIDPLUS MOVE UNSELECT')

    def __init__(self, conn, args):
        self.c = conn
        self.args = args
        self.authed = False
        self.selected = False

    def send(self, data):
        self.c.send(data)

    def greet(self):
        self.send(b'* OK [CAPABILITY ' + self.caps() + b'] scripted ready\r\n')

    def caps(self):
        return self.caps_post if self.authed else self.caps_pre

    def run(self):
        self.greet()
        while True:
            tag, name, rest = self.c.command()
            if not self.handle(tag, name, rest):
                return

    def handle(self, tag, name, rest):
        fn = getattr(self, 'do_' + name.decode('ascii', 'replace')
                     .replace(' ', '_').lower(), None)
        if fn is None:
            self.send(tag + b' BAD unknown command\r\n')
            return True
        return fn(tag, rest)

    # -- commands

    def do_capability(self, tag, rest):
        self.send(b'* CAPABILITY ' + self.caps() + b'\r\n' +
                  tag + b' OK done\r\n')
        return True

    def do_noop(self, tag, rest):
        self.send(tag + b' OK noop\r\n')
        return True

    def do_logout(self, tag, rest):
        self.send(b'* BYE bye\r\n' + tag + b' OK logged out\r\n')
        return False

    def do_id(self, tag, rest):
        self.send(b'* ID ("name" "scripted")\r\n' + tag + b' OK id\r\n')
        return True

    def do_namespace(self, tag, rest):
        self.send(b'* NAMESPACE (("" "/")) NIL NIL\r\n' + tag + b' OK ns\r\n')
        return True

    def do_enable(self, tag, rest):
        want = [w for w in rest.upper().split() if w in self.caps().upper()
                .split()]
        self.send(b'* ENABLED ' + b' '.join(want) + b'\r\n' +
                  tag + b' OK enabled\r\n')
        return True

    def logged_in(self, tag):
        self.authed = True
        self.send(tag + b' OK [CAPABILITY ' + self.caps() + b'] welcome\r\n')

    def do_login(self, tag, rest):
        self.logged_in(tag)
        return True

    def do_authenticate(self, tag, rest):
        words = rest.split(b' ')
        mech = words[0].upper()
        if mech != b'PLAIN':
            self.send(tag + b' NO unsupported\r\n')
            return True
        if len(words) > 1:
            ir = words[1]
        else:
            self.send(b'+ \r\n')
            ir = self.c.readline()
        creds = unb64(ir).split(b'\0')
        if creds[1:] == [USER.encode(), PASSWORD.encode()]:
            self.logged_in(tag)
        else:
            self.send(tag + b' NO [AUTHENTICATIONFAILED] wrong\r\n')
        return True

    def list_lines(self):
        if self.rev2:
            return (b'* LIST (\\HasNoChildren) "/" INBOX\r\n'
                    b'* STATUS INBOX (MESSAGES 3 UNSEEN 1 UIDNEXT 6 '
                    b'UIDVALIDITY 42)\r\n'
                    b'* LIST (\\HasNoChildren \\Sent) "/" Sent\r\n'
                    b'* STATUS Sent (MESSAGES 0 UNSEEN 0 UIDNEXT 1 '
                    b'UIDVALIDITY 43)\r\n'
                    b'* LIST (\\HasNoChildren \\Trash) "/" Trash\r\n'
                    b'* STATUS Trash (MESSAGES 0 UNSEEN 0 UIDNEXT 1 '
                    b'UIDVALIDITY 44)\r\n')
        return (b'* LIST () "/" INBOX\r\n'
                b'* LIST (\\Sent) "/" Sent\r\n'
                b'* LIST (\\Trash) "/" Trash\r\n')

    def do_list(self, tag, rest):
        self.send(self.list_lines() + tag + b' OK listed\r\n')
        return True

    def do_select(self, tag, rest):
        self.selected = True
        out = b'* 3 EXISTS\r\n'
        if not self.rev2:
            out += b'* 0 RECENT\r\n'
        out += (b'* OK [UIDVALIDITY 42] ok\r\n'
                b'* OK [UIDNEXT 6] ok\r\n'
                b'* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)\r\n'
                b'* OK [PERMANENTFLAGS (\\Seen \\Deleted \\*)] ok\r\n')
        if self.rev2:
            out += b'* LIST () "/" INBOX\r\n'
        self.send(out + tag + b' OK [READ-WRITE] selected\r\n')
        return True

    def do_uid_fetch(self, tag, rest):
        out = b''
        for seq, (uid, body) in enumerate(MESSAGES, 1):
            flags = b'\\Seen' if uid != 5 else b''
            out += (b'* %d FETCH (UID %d FLAGS (%s) RFC822.SIZE %d '
                    b'INTERNALDATE "01-Jan-2026 10:00:00 +0000" ENVELOPE '
                    b'("01 Jan 2026 10:00:00 +0000" "subject %d" NIL NIL NIL '
                    b'NIL NIL NIL NIL "<m%d@example.org>"))\r\n'
                    % (seq, uid, flags, len(body), uid, uid))
        self.send(out + tag + b' OK fetched\r\n')
        return True

    def do_uid_search(self, tag, rest):
        if self.rev2:
            self.send(b'* ESEARCH (TAG "' + tag + b'") UID ALL 1:2,5\r\n' +
                      tag + b' OK searched\r\n')
        else:
            self.send(b'* SEARCH 1 2 5\r\n' + tag + b' OK searched\r\n')
        return True

    def do_uid_store(self, tag, rest):
        self.send(tag + b' OK stored\r\n')
        return True

    def do_idle(self, tag, rest):
        self.send(b'+ idling\r\n')
        line = self.c.readline()
        if line.strip().upper() != b'DONE':
            self.send(b'* BAD expected DONE\r\n')
        self.send(tag + b' OK idle done\r\n')
        return True

    def do_append(self, tag, rest):
        self.send(tag + b' OK [APPENDUID 42 6] appended\r\n')
        return True


class Rev2(Server):
    rev2 = True
    caps_pre = b'IMAP4rev2 AUTH=PLAIN'
    caps_post = b'IMAP4rev2'

    def do_enable(self, tag, rest):
        if b'IMAP4REV2' in rest.upper():
            self.send(b'* ENABLED IMAP4rev2\r\n' + tag + b' OK enabled\r\n')
        else:
            self.send(tag + b' OK nothing to enable\r\n')
        return True


class StarttlsStripped(Server):
    caps_pre = b'IMAP4rev1 AUTH=PLAIN LOGIN-REFERRALS'


class StarttlsAsked(StarttlsStripped):
    def greet(self):
        self.send(b'* OK scripted ready\r\n')


class StarttlsNo(Server):
    caps_pre = b'IMAP4rev1 STARTTLS AUTH=PLAIN'
    answer = b' NO not today\r\n'

    def do_starttls(self, tag, rest):
        self.send(tag + self.answer)
        # Wait for whatever else the client sends; it should send nothing.
        try:
            while True:
                self.c.command()
        except Closed:
            pass
        return False


class StarttlsBad(StarttlsNo):
    answer = b' BAD what is that\r\n'


class StarttlsInject(Server):
    caps_pre = b'IMAP4rev1 STARTTLS AUTH=PLAIN SASL-IR'
    injected = (b'* CAPABILITY IMAP4rev1 AUTH=PLAIN INJECTED\r\n'
                b'* OK [ALERT] injected\r\n')

    def do_starttls(self, tag, rest):
        # The attack: plaintext right behind the OK, in the same write.
        self.send(tag + b' OK begin TLS\r\n' + self.injected)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.args.cert, self.args.key)
        self.c.sock = ctx.wrap_socket(self.c.sock, server_side=True)
        self.c.buf = b''
        self.caps_pre = b'IMAP4rev1 AUTH=PLAIN SASL-IR'
        return True


class Preauth(Server):
    def greet(self):
        self.send(b'* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] hello\r\n')


class BigLiteral(Server):
    def do_uid_fetch(self, tag, rest):
        self.send(b'* 1 FETCH (UID 1 BODY[] {999999999999}\r\n')
        try:
            while True:
                self.send(b'x' * 65536)
        except OSError:
            pass
        return False


class EndlessLine(Server):
    def greet(self):
        Server.greet(self)
        self.send(b'* OK ')
        try:
            while True:
                self.send(b'y' * 65536)
        except OSError:
            pass

    def run(self):
        self.greet()


class Scram(Server):
    caps_pre = b'IMAP4rev1 SASL-IR AUTH=SCRAM-SHA-256'
    salt = b'scripted-salt!'
    iterations = 4096

    def server_final(self, auth_message, salted):
        server_key = hmac.new(salted, b'Server Key', hashlib.sha256).digest()
        sig = hmac.new(server_key, auth_message, hashlib.sha256).digest()
        return b'v=' + b64(sig)

    def do_authenticate(self, tag, rest):
        words = rest.split(b' ')
        if words[0].upper() != b'SCRAM-SHA-256':
            self.send(tag + b' NO unsupported\r\n')
            return True
        if len(words) > 1:
            first = unb64(words[1])
        else:
            self.send(b'+ \r\n')
            first = unb64(self.c.readline())
        assert first.startswith(b'n,,'), first
        bare = first[3:]
        attrs = dict(kv.split(b'=', 1) for kv in bare.split(b','))
        nonce = attrs[b'r'] + b'srvnonce'
        server_first = b'r=%s,s=%s,i=%d' % (nonce, b64(self.salt),
                                            self.iterations)
        self.send(b'+ ' + b64(server_first) + b'\r\n')
        final = unb64(self.c.readline())
        without_proof, proof = final.rsplit(b',p=', 1)
        auth_message = bare + b',' + server_first + b',' + without_proof
        salted = hashlib.pbkdf2_hmac('sha256', PASSWORD.encode(), self.salt,
                                     self.iterations)
        client_key = hmac.new(salted, b'Client Key', hashlib.sha256).digest()
        stored_key = hashlib.sha256(client_key).digest()
        client_sig = hmac.new(stored_key, auth_message,
                              hashlib.sha256).digest()
        recovered = bytes(a ^ b for a, b in zip(unb64(proof), client_sig))
        if hashlib.sha256(recovered).digest() != stored_key or \
                attrs[b'n'] != USER.encode():
            self.send(tag + b' NO [AUTHENTICATIONFAILED] bad proof\r\n')
            return True
        return self.finish(tag, auth_message, salted)

    def finish(self, tag, auth_message, salted):
        self.send(b'+ ' + b64(self.server_final(auth_message, salted)) +
                  b'\r\n')
        line = self.c.readline()
        if line.strip() == b'*':
            self.send(tag + b' BAD canceled\r\n')
            return True
        self.logged_in(tag)
        return True


class ScramBadSig(Scram):
    def server_final(self, auth_message, salted):
        return b'v=' + b64(b'\0' * 32)


class ScramNoSig(Scram):
    def finish(self, tag, auth_message, salted):
        self.logged_in(tag)
        return True


class SyncLiteral(Server):
    caps_pre = b'IMAP4rev1 AUTH=PLAIN'
    caps_post = b'IMAP4rev1 UIDPLUS'

    def do_create(self, tag, rest):
        self.send(tag + b' OK created\r\n')
        return True

    def do_uid_search(self, tag, rest):
        self.send(b'* SEARCH\r\n' + tag + b' OK searched\r\n')
        return True


class UnknownTag(Server):
    def do_noop(self, tag, rest):
        self.send(b'ZZZ9 OK not yours\r\n')
        return True


class Bye(Server):
    def do_noop(self, tag, rest):
        self.send(b'* BYE [UNAVAILABLE] going down for maintenance\r\n')
        return False


class StrayContinue(Server):
    def do_noop(self, tag, rest):
        self.send(b'+ what\r\n')
        return True


SCENARIOS = {
    'starttls-stripped': StarttlsStripped,
    'starttls-asked': StarttlsAsked,
    'starttls-no': StarttlsNo,
    'starttls-bad': StarttlsBad,
    'starttls-inject': StarttlsInject,
    'preauth': Preauth,
    'big-literal': BigLiteral,
    'endless-line': EndlessLine,
    'rev1': Server,
    'rev2': Rev2,
    'scram': Scram,
    'scram-badsig': ScramBadSig,
    'scram-nosig': ScramNoSig,
    'sync-literal': SyncLiteral,
    'unknown-tag': UnknownTag,
    'bye': Bye,
    'stray-continue': StrayContinue,
}


def certs(certdir):
    """server.pem/server.key under certdir, made by the fixture's CA."""
    import fixture
    fixture.make_certs(certdir)
    return (os.path.join(certdir, 'server.pem'),
            os.path.join(certdir, 'server.key'))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('scenario', choices=sorted(SCENARIOS))
    ap.add_argument('--record', required=True)
    ap.add_argument('--certdir')
    ap.add_argument('--timeout', type=float, default=30.0)
    args = ap.parse_args()
    args.cert = args.key = None
    if args.certdir:
        args.cert, args.key = certs(args.certdir)

    open(args.record, 'wb').close()
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', 0))
    srv.listen(1)
    srv.settimeout(args.timeout)
    sys.stdout.write('%d\n' % srv.getsockname()[1])
    sys.stdout.flush()
    try:
        sock, _ = srv.accept()
    except socket.timeout:
        return 1
    sock.settimeout(args.timeout)
    server = SCENARIOS[args.scenario](Conn(sock, args.record), args)
    try:
        server.run()
    except (Closed, OSError, ssl.SSLError, ValueError):
        pass
    finally:
        try:
            server.c.sock.close()
        except OSError:
            pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
