#!/usr/bin/env python3
"""TAP test for tests/server/fixture.py, the private Dovecot fixture.

Starts a fixture as the current user, fills alice's INBOX with 50
generated messages and logs in over IMAP STARTTLS, IMAPS, POP3 STLS and
POP3S with the certificate verified against the fixture's CA.  Checks the
capabilities tern relies on, the special-use folders, SASL mechanisms,
that an untrusted CA or a wrong host name is refused, that Dovecot listens
on 127.0.0.1 only, and that stop leaves no process behind.  As root it
also runs a second fixture as the unprivileged user nobody.
"""

import base64
import hashlib
import hmac
import imaplib
import os
import poplib
import pwd
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.normpath(os.path.join(HERE, '..', 'server'))
sys.path.insert(0, os.path.join(HERE, '..', 'lib'))
sys.path.insert(0, SERVER)

from tap import Tap  # noqa: E402
import fixture  # noqa: E402
from fixture import Fixture  # noqa: E402

COUNT = 50
TIMEOUT = 15
IMAP_CAPS = ['IDLE', 'CONDSTORE', 'QRESYNC', 'MOVE', 'UIDPLUS', 'LITERAL+',
             'SPECIAL-USE']
SPECIAL = [('Drafts', '\\Drafts'), ('Sent', '\\Sent'), ('Trash', '\\Trash'),
           ('Junk', '\\Junk'), ('Archive', '\\Archive')]
MESSAGE = (b'From: Carol <carol@example.org>\r\nTo: bob@example.org\r\n'
           b'Subject: delivered by the fixture\r\n'
           b'Date: Sat, 21 Nov 2026 10:00:00 +0000\r\n'
           b'Message-ID: <fixture-test@example.org>\r\n\r\nHello.\r\n')


# ----------------------------------------------------------------------
# Clients that connect to the fixture's address but verify its host name

def imap(fx, port=None, tls=False, ctx=None, hostname=None):
    """imaplib client to fx.host:port, TLS checked against hostname."""
    host = hostname or fx.hostname
    at = fx.host

    if tls:
        class C(imaplib.IMAP4_SSL):
            def _create_socket(self, timeout):
                sock = socket.create_connection((at, self.port), timeout)
                return self.ssl_context.wrap_socket(sock,
                                                    server_hostname=self.host)
        return C(host, port or fx.imaps_port, ssl_context=ctx,
                 timeout=TIMEOUT)

    class P(imaplib.IMAP4):
        def _create_socket(self, timeout):
            return socket.create_connection((at, self.port), timeout)
    return P(host, port or fx.imap_port, timeout=TIMEOUT)


def pop3(fx, port=None, tls=False, ctx=None, hostname=None):
    host = hostname or fx.hostname
    at = fx.host

    if tls:
        class C(poplib.POP3_SSL):
            def _create_socket(self, timeout):
                sock = socket.create_connection((at, self.port), timeout)
                return self.context.wrap_socket(sock,
                                                server_hostname=self.host)
        return C(host, port or fx.pop3s_port, context=ctx, timeout=TIMEOUT)

    class P(poplib.POP3):
        def _create_socket(self, timeout):
            return socket.create_connection((at, self.port), timeout)
    return P(host, port or fx.pop3_port, timeout=TIMEOUT)


def capabilities(m):
    typ, data = m.capability()
    assert typ == 'OK', (typ, data)
    return data[0].decode().upper().split()


def exists(m, box='INBOX'):
    typ, data = m.select(box, readonly=True)
    assert typ == 'OK', (typ, data)
    return int(data[0])


def scram_sha256(user, password):
    """An imaplib authobject speaking SCRAM-SHA-256 (RFC 5802/7677); its
    .verified says whether the server proved it knows the password."""
    nonce = base64.b64encode(os.urandom(18)).decode()
    first_bare = 'n=%s,r=%s' % (user, nonce)
    state = {'step': 0, 'verified': False}

    def step(challenge):
        state['step'] += 1
        if state['step'] == 1:
            return ('n,,' + first_bare).encode()
        if state['step'] == 2:
            server_first = challenge.decode()
            attrs = dict(kv.split('=', 1) for kv in server_first.split(','))
            if not attrs['r'].startswith(nonce):
                return None
            salted = hashlib.pbkdf2_hmac('sha256', password.encode(),
                                         base64.b64decode(attrs['s']),
                                         int(attrs['i']))
            client_key = hmac.new(salted, b'Client Key', 'sha256').digest()
            stored_key = hashlib.sha256(client_key).digest()
            without_proof = 'c=biws,r=' + attrs['r']
            auth_msg = ','.join([first_bare, server_first,
                                 without_proof]).encode()
            sig = hmac.new(stored_key, auth_msg, 'sha256').digest()
            proof = bytes(a ^ b for a, b in zip(client_key, sig))
            server_key = hmac.new(salted, b'Server Key', 'sha256').digest()
            state['expect'] = 'v=' + base64.b64encode(
                hmac.new(server_key, auth_msg, 'sha256').digest()).decode()
            return (without_proof + ',p=' +
                    base64.b64encode(proof).decode()).encode()
        state['verified'] = challenge.decode() == state['expect']
        return b''

    step.state = state
    return step


# ----------------------------------------------------------------------
# Processes and sockets

def pids_of(fx_pid):
    return [fx_pid] + [p for p, _ in fixture.descendants(fx_pid)]


def listening(pids):
    """[(address, port)] of the TCP sockets in LISTEN held by pids."""
    inodes = set()
    for pid in pids:
        try:
            fds = os.listdir('/proc/%d/fd' % pid)
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink('/proc/%d/fd/%s' % (pid, fd))
            except OSError:
                continue
            if link.startswith('socket:['):
                inodes.add(link[len('socket:['):-1])
    out = []
    for fam in ('tcp', 'tcp6'):
        with open('/proc/net/' + fam) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state != '0A' or inode not in inodes:
                    continue
                addr, port = local.split(':')
                if fam == 'tcp':
                    addr = socket.inet_ntop(socket.AF_INET,
                                            bytes.fromhex(addr)[::-1])
                else:
                    raw = bytes.fromhex(addr)
                    raw = b''.join(raw[i:i + 4][::-1]
                                   for i in range(0, 16, 4))
                    addr = socket.inet_ntop(socket.AF_INET6, raw)
                out.append((addr, int(port, 16)))
    return sorted(out)


def mentioning(text):
    """Live processes whose command line contains text."""
    found = []
    for name in os.listdir('/proc'):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        if not fixture._pid_alive(int(name)):
            continue
        if text in fixture._cmdline(int(name)):
            found.append((int(name), fixture._cmdline(int(name))))
    return found


def alarming(log_text):
    return [line for line in log_text.splitlines()
            if any(w in line for w in (' Warning: ', ' Error: ', ' Fatal: ',
                                       ' Panic: '))]


# ----------------------------------------------------------------------
# The main run: a fixture as the current user

def main_run(t):
    fx = Fixture()
    try:
        fx.start()
    except fixture.FixtureError as e:
        t.ok(False, 'fixture starts', str(e))
        return
    try:
        t.ok(True, 'fixture starts (%.2f s, as %s)' % (
            fx.start_seconds, pwd.getpwuid(os.geteuid()).pw_name))
        checks(t, fx)
    finally:
        stop_checks(t, fx)


def checks(t, fx):
    t.ok(not alarming(fx.log_tail(200)), 'start logged nothing alarming',
         fx.log_tail(200))
    for name in ('fixture.json', 'fixture.env', 'ca.pem', 'server.pem',
                 'server.key', 'wrong.pem', 'wrong.key', 'passwd',
                 'dovecot.conf'):
        t.ok(os.path.exists(os.path.join(fx.dir, name)), 'wrote ' + name)
    loaded = Fixture.load(fx.dir)
    t.ok(loaded.info() == fx.info(), 'Fixture.load reads the same fixture')
    with open(os.path.join(fx.dir, 'fixture.env')) as f:
        env = f.read()
    want = ['TERN_FX_%s=%s' % (k, v) for k, v in (
        ('HOST', '127.0.0.1'), ('HOSTNAME', 'localhost'),
        ('IMAP_PORT', fx.imap_port), ('IMAPS_PORT', fx.imaps_port),
        ('POP3_PORT', fx.pop3_port), ('POP3S_PORT', fx.pop3s_port),
        ('CA_FILE', fx.ca_file), ('PID', fx.pid))]
    t.ok(all(line in env.splitlines() for line in want),
         'fixture.env has the ports, CA and pid', env)

    cert_checks(t, fx)

    if not os.path.exists(fixture.CORPUS):
        t.ok(False, 'populate alice with %d messages' % COUNT,
             '%s is missing: the corpus generator is needed to fill the '
             'mailboxes, so the message counts below cannot match'
             % fixture.CORPUS)
    else:
        t.run('populate alice with %d messages' % COUNT,
              fx.populate, 'alice', COUNT, 7)
    t.run('deliver one message to bob', fx.deliver, 'bob', MESSAGE)
    t.run('adduser carol while running', fx.adduser, 'carol', 'carolpw')

    ctx = fx.ssl_context()
    users = fx.users

    def imap_starttls():
        m = imap(fx)
        try:
            pre = [c.upper() for c in m.capabilities]
            assert 'STARTTLS' in pre, pre
            assert 'LOGINDISABLED' not in pre, pre
            m.starttls(ssl_context=ctx)
            m.login('alice', users['alice'])
            return capabilities(m), exists(m), m.list()[1]
        finally:
            m.shutdown()
    got = t.run('IMAP STARTTLS (port 143 role) offered, verified, login',
                imap_starttls)
    if got:
        caps, n, listing = got
        want_caps = IMAP_CAPS + (['COMPRESS=DEFLATE']
                                 if os.path.exists(fixture.ZLIB_PLUGIN)
                                 else [])
        missing = [c for c in want_caps if c not in caps]
        t.ok(not missing, 'CAPABILITY after login has ' + ' '.join(want_caps),
             'missing %s in %s' % (missing, caps))
        t.ok(n == COUNT, 'STARTTLS: SELECT INBOX EXISTS == %d' % COUNT,
             'EXISTS %d' % n)
        lines = [x.decode() for x in listing]
        for box, flag in SPECIAL:
            hit = [ln for ln in lines
                   if ln.endswith(' ' + box) and flag in ln.split(')')[0]]
            t.ok(hit, 'LIST shows %s with %s' % (box, flag), '\n'.join(lines))

    def imaps():
        m = imap(fx, tls=True, ctx=ctx)
        try:
            m.login('alice', users['alice'])
            return exists(m)
        finally:
            m.logout()
    n = t.run('IMAPS verified login', imaps)
    t.ok(n == COUNT, 'IMAPS: SELECT INBOX EXISTS == %d' % COUNT,
         'EXISTS %r' % n)

    def imap_plain():
        m = imap(fx)
        try:
            m.login('carol', 'carolpw')
            return exists(m)
        finally:
            m.logout()
    n = t.run('plaintext IMAP login allowed (tls = off), new user carol',
              imap_plain)
    t.ok(n == 0, 'carol has an empty INBOX', 'EXISTS %r' % n)

    def imap_scram():
        m = imap(fx, tls=True, ctx=ctx)
        try:
            auth = scram_sha256('alice', users['alice'])
            m.authenticate('SCRAM-SHA-256', auth)
            assert auth.state['verified'], 'server signature not verified'
            return exists(m)
        finally:
            m.logout()
    t.run('IMAP AUTHENTICATE SCRAM-SHA-256 (server proof checked)',
          imap_scram)

    def imap_cram():
        m = imap(fx, tls=True, ctx=ctx)
        try:
            m.login_cram_md5('bob', users['bob'])
        finally:
            m.logout()
    t.run('IMAP AUTHENTICATE CRAM-MD5', imap_cram)

    def pop3_stls():
        p = pop3(fx)
        try:
            capa = p.capa()
            for c in ('UIDL', 'TOP', 'PIPELINING', 'STLS', 'SASL'):
                assert c in capa, (c, capa)
            sasl = [m.upper() for m in capa['SASL']]
            for m in ('PLAIN', 'LOGIN', 'SCRAM-SHA-256'):
                assert m in sasl, (m, sasl)
            p.stls(context=ctx)
            p.user('alice')
            p.pass_(users['alice'])
            count = p.stat()[0]
            uidls = p.uidl()[1]
            return count, uidls
        finally:
            p.quit()
    got = t.run('POP3 CAPA (UIDL TOP PIPELINING STLS SASL PLAIN LOGIN '
                'SCRAM-SHA-256), STLS verified, login', pop3_stls)
    if got:
        count, uidls = got
        t.ok(count == COUNT, 'POP3 STLS: STAT count == %d' % COUNT,
             'STAT %d' % count)
        ok = all(len(u.split()[1]) == 16 and int(u.split()[1], 16) >= 0
                 for u in uidls) and len(uidls) == count
        t.ok(ok, 'UIDL format %08Xu%08Xv', repr(uidls[:3]))

    def pop3s():
        p = pop3(fx, tls=True, ctx=ctx)
        try:
            p.user('alice')
            p.pass_(users['alice'])
            return p.stat()[0]
        finally:
            p.quit()
    n = t.run('POP3S verified login', pop3s)
    t.ok(n == COUNT, 'POP3S: STAT count == %d' % COUNT, 'STAT %r' % n)

    def pop3_apop():
        p = pop3(fx, tls=True, ctx=ctx)
        try:
            p.apop('bob', users['bob'])
            return p.stat()[0]
        finally:
            p.quit()
    n = t.run('POP3 APOP login', pop3_apop)
    t.ok(n == 1, 'bob sees the delivered message over POP3', 'STAT %r' % n)

    untrusted = ssl.create_default_context()  # system CAs only

    def refused(fn, *a):
        try:
            fn(*a)
        except ssl.SSLCertVerificationError as e:
            return e
        raise AssertionError('connection was not refused')

    def imaps_untrusted():
        m = imap(fx, tls=True, ctx=untrusted)
        m.logout()
    e = t.run('IMAPS with the CA not trusted fails verification',
              refused, imaps_untrusted)
    if e is not None:
        t.diag('refused: %s' % e)

    def pop3s_untrusted():
        pop3(fx, tls=True, ctx=untrusted).quit()
    t.run('POP3S with the CA not trusted fails verification',
          refused, pop3s_untrusted)

    def starttls_untrusted():
        m = imap(fx)
        try:
            m.starttls(ssl_context=untrusted)
        finally:
            try:
                m.shutdown()
            except OSError:  # the failed handshake closed the socket
                pass
    t.run('STARTTLS with the CA not trusted fails verification',
          refused, starttls_untrusted)

    def wrong_name():
        m = imap(fx, tls=True, ctx=ctx, hostname='wrong.example')
        m.logout()
    t.run('IMAPS checked against another host name fails', refused,
          wrong_name)

    pids = pids_of(fx.pid)
    socks = listening(pids)
    want = sorted((fx.host, p) for p in (fx.imap_port, fx.imaps_port,
                                         fx.pop3_port, fx.pop3s_port))
    t.ok(socks == want, 'listens on exactly its four ports, 127.0.0.1 only',
         'listening: %s\nwanted: %s' % (socks, want))
    t.ok(not alarming(fx.log_tail(1000)),
         'the log has no warning or error before stop', fx.log_tail(1000))


def cert_checks(t, fx):
    def verify(cert, name=None):
        argv = ['openssl', 'verify', '-x509_strict', '-purpose', 'sslserver',
                '-CAfile', fx.ca_file]
        if name:
            argv += ['-verify_hostname', name]
        return subprocess.run(argv + [cert], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT).returncode == 0

    server = os.path.join(fx.dir, 'server.pem')
    wrong = os.path.join(fx.dir, 'wrong.pem')
    t.ok(verify(server, 'localhost'),
         'server.pem verifies (strict) for localhost')
    t.ok(verify(wrong, 'wrong.example'), 'wrong.pem verifies for '
         'wrong.example')
    t.ok(not verify(wrong, 'localhost'), 'wrong.pem does not verify for '
         'localhost')
    text = subprocess.run(['openssl', 'x509', '-noout', '-text', '-in',
                           server], stdout=subprocess.PIPE,
                          universal_newlines=True).stdout
    t.ok('DNS:localhost' in text and 'IP Address:127.0.0.1' in text
         and 'CA:FALSE' in text and 'TLS Web Server Authentication' in text,
         'server.pem: SAN localhost + 127.0.0.1, CA:FALSE, serverAuth', text)
    ca = subprocess.run(['openssl', 'x509', '-noout', '-subject', '-ext',
                         'basicConstraints', '-in', fx.ca_file],
                        stdout=subprocess.PIPE, universal_newlines=True).stdout
    t.ok('tern test CA' in ca and 'CA:TRUE' in ca,
         'ca.pem: CN tern test CA, CA:TRUE', ca)


def stop_checks(t, fx):
    pid = fx.pid
    d = fx.dir
    instance = os.path.basename(d)
    before = fixture.descendants(pid) if pid else []
    try:
        fx.stop()
    except Exception as e:  # noqa: BLE001
        t.ok(False, 'stop', repr(e))
        return
    t.ok(pid and not fixture._pid_alive(pid), 'stop: master pid %s gone'
         % pid)
    left = [p for p, st in before if fixture._same_process(p, st)]
    t.ok(not left, 'stop: none of its %d child processes left'
         % len(before), repr(left))
    left = mentioning(d) + mentioning(instance)
    t.ok(not left, 'stop: no process mentions %s' % d, repr(left))
    t.ok(not os.path.exists(d), 'stop removed the directory it created')
    fx.stop()
    t.ok(True, 'a second stop is harmless')


# ----------------------------------------------------------------------
# As root: a second fixture run as nobody, through the command line

def as_nobody_run(t):
    name = 'second fixture as nobody: IMAPS and POP3S'
    if os.geteuid() != 0:
        t.skip(name, 'needs root to switch user')
        return
    setpriv = shutil.which('setpriv')
    try:
        pwd.getpwnam('nobody')
    except KeyError:
        t.skip(name, 'no user nobody')
        return
    if not setpriv:
        t.skip(name, 'setpriv not installed')
        return
    # nobody may not reach this tree (or root's Python): run copies of the
    # fixture scripts with the system Python, from a directory it can read.
    python = '/usr/bin/python3' if os.path.exists('/usr/bin/python3') \
        else sys.executable
    tools = tempfile.mkdtemp(prefix='tern-fxt-', dir='/tmp')
    fxdir = None
    try:
        os.chmod(tools, 0o755)
        for script in ('fixture.py', 'corpus.py'):
            src = os.path.join(SERVER, script)
            if os.path.exists(src):
                shutil.copy(src, tools)
                os.chmod(os.path.join(tools, script), 0o755)
        msg = os.path.join(tools, 'msg.eml')
        with open(msg, 'wb') as f:
            f.write(MESSAGE)
        os.chmod(msg, 0o644)

        def cli(*args):
            argv = [setpriv, '--reuid=nobody', '--regid=nogroup',
                    '--init-groups', 'env', 'HOME=/tmp', python,
                    os.path.join(tools, 'fixture.py')] + list(args)
            res = subprocess.run(argv, cwd='/', stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE,
                                 universal_newlines=True, timeout=120)
            assert res.returncode == 0, (args, res.returncode, res.stderr)
            return res

        res = t.run('nobody: fixture.py start', cli, 'start')
        if res is None:
            return
        t.ok(res.stderr == '', 'nobody: start printed nothing on stderr',
             res.stderr)
        env = dict(line.split('=', 1) for line in res.stdout.splitlines())
        fxdir = env['TERN_FX_DIR']
        fx = Fixture.load(fxdir)
        nobody = pwd.getpwnam('nobody').pw_uid
        uids = set()
        for p in pids_of(fx.pid):
            try:
                uids.add(os.stat('/proc/%d' % p).st_uid)
            except OSError:
                pass
        t.ok(uids == {nobody}, 'nobody: every Dovecot process runs as '
             'nobody', repr(uids))
        t.ok(not alarming(fx.log_tail(200)), 'nobody: start logged '
             'nothing alarming', fx.log_tail(200))
        socks = listening(pids_of(fx.pid))
        t.ok(socks and all(a == '127.0.0.1' for a, _ in socks),
             'nobody: listens on 127.0.0.1 only', repr(socks))
        expect = 3
        if os.path.exists(os.path.join(tools, 'corpus.py')):
            if t.run('nobody: fixture.py populate --count 5', cli,
                     'populate', fxdir, 'alice', '--count', '5'):
                expect += 5
        t.run('nobody: fixture.py deliver (3 messages)', cli, 'deliver',
              fxdir, 'alice', msg, msg, msg)
        ctx = fx.ssl_context()

        def imaps():
            m = imap(fx, tls=True, ctx=ctx)
            try:
                m.login('alice', fx.users['alice'])
                return exists(m)
            finally:
                m.logout()
        n = t.run('nobody: IMAPS verified login', imaps)
        t.ok(n == expect, 'nobody: SELECT INBOX EXISTS == %d' % expect,
             'EXISTS %r' % n)

        def pop3s():
            p = pop3(fx, tls=True, ctx=ctx)
            try:
                p.user('alice')
                p.pass_(fx.users['alice'])
                return p.stat()[0]
            finally:
                p.quit()
        n = t.run('nobody: POP3S verified login', pop3s)
        t.ok(n == expect, 'nobody: POP3 STAT count == %d' % expect,
             'STAT %r' % n)

        pid = fx.pid
        kids = fixture.descendants(pid)
        t.run('nobody: fixture.py stop', cli, 'stop', fxdir)
        left = [p for p, st in kids if fixture._same_process(p, st)]
        t.ok(not fixture._pid_alive(pid) and not left,
             'nobody: stop left no process', repr(left))
        t.ok(not os.path.exists(fxdir), 'nobody: stop removed its directory')
    finally:
        if fxdir and os.path.isdir(fxdir):
            try:
                Fixture.load(fxdir).stop()
            except Exception:  # noqa: BLE001 - last-ditch clean-up
                pass
            shutil.rmtree(fxdir, ignore_errors=True)
        shutil.rmtree(tools, ignore_errors=True)


def main():
    t = Tap()
    for tool in ('dovecot', 'openssl'):
        if not (shutil.which(tool) or os.path.exists('/usr/sbin/' + tool)):
            t.bail('%s is not installed' % tool)
    main_run(t)
    as_nobody_run(t)
    t.done()


if __name__ == '__main__':
    main()
