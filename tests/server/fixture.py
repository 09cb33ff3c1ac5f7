#!/usr/bin/env python3
"""A private Dovecot for tern's tests.

Everything lives under one directory: its own CA and server certificate,
dovecot.conf, a passwd-file with {PLAIN} passwords, Maildir storage,
base_dir, state_dir and the log.  It listens on 127.0.0.1 only, on free
ports, and is never the system's Dovecot.

As a command:

    fixture.py start [DIR] [--user NAME:PASS ...]   start, print env lines
    fixture.py stop DIR [--keep]                     stop (idempotent)
    fixture.py maildir DIR USER                      print USER's Maildir
    fixture.py populate DIR USER --count N [--seed S] [--large K]
    fixture.py deliver DIR USER FILE...              deliver into new/
    fixture.py adduser DIR USER PASS                 add a user (live)
    fixture.py env DIR                               print the env lines

As a module (after adding tests/server to sys.path):

    from fixture import Fixture
    with Fixture() as fx:           # starts; always stops on the way out
        fx.imaps_port, fx.ca_file, fx.users['alice'], fx.maildir('alice')

    fx = Fixture.load(DIR)          # attach to one started elsewhere

When start creates the directory itself (no DIR given), stop removes it
again unless told to keep it (--keep, keep=True, or TERN_FIXTURE_KEEP=1 in
the environment).

Run as root, mail belongs to nobody:nogroup (Dovecot refuses uid 0), the
login processes run as dovenull and the internal ones as dovecot.  Run as
an ordinary user, every process runs as that user.

Python 3 standard library only; needs the dovecot and openssl commands.
"""

import argparse
import grp
import json
import os
import pwd
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, 'corpus.py')
ZLIB_PLUGIN = '/usr/lib/dovecot/modules/lib30_imap_zlib_plugin.so'
DEFAULT_USERS = {'alice': 'alicepw', 'bob': 'bobpw'}
SPECIAL_USE = [('Drafts', '\\Drafts'), ('Sent', '\\Sent'),
               ('Trash', '\\Trash'), ('Junk', '\\Junk'),
               ('Archive', '\\Archive')]
HOST = '127.0.0.1'
HOSTNAME = 'localhost'
START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0
KEEP_ENV = 'TERN_FIXTURE_KEEP'
ENV_PREFIX = 'TERN_FX_'
# Dovecot's unix sockets live under base_dir; the longest of their names
# is about 30 bytes and sun_path holds 107.
MAX_DIR_LEN = 64

# Names of the files under the fixture directory.
CONF = 'dovecot.conf'
PASSWD = 'passwd'
LOG = 'dovecot.log'
BASE_DIR = 'run'
STATE_DIR = 'state'
MAIL_DIR = 'mail'
JSON_FILE = 'fixture.json'
ENV_FILE = 'fixture.env'


class FixtureError(Exception):
    """Something the fixture could not do; the message says what."""


# ----------------------------------------------------------------------
# Small helpers

def _dovecot():
    for cand in (shutil.which('dovecot'), '/usr/sbin/dovecot'):
        if cand and os.access(cand, os.X_OK):
            return cand
    raise FixtureError('dovecot not found (apt-get install dovecot-imapd '
                       'dovecot-pop3d)')


def _openssl():
    path = shutil.which('openssl')
    if not path:
        raise FixtureError('openssl command not found')
    return path


def _is_root():
    return os.geteuid() == 0


def _identity():
    """Who owns mail and runs the processes, as a dict."""
    if _is_root():
        nobody = pwd.getpwnam('nobody')
        try:
            mail_group = grp.getgrnam('nogroup')
        except KeyError:
            mail_group = grp.getgrgid(nobody.pw_gid)
        return {
            'root': True,
            'mail_user': 'nobody', 'mail_uid': nobody.pw_uid,
            'mail_gid': mail_group.gr_gid,
            'internal_user': 'dovecot', 'internal_group': 'dovecot',
            'login_user': 'dovenull',
        }
    me = pwd.getpwuid(os.geteuid())
    try:
        group = grp.getgrgid(os.getegid()).gr_name
    except KeyError:
        raise FixtureError('primary group %d has no name' % os.getegid())
    return {
        'root': False,
        'mail_user': me.pw_name, 'mail_uid': me.pw_uid,
        'mail_gid': os.getegid(),
        'internal_user': me.pw_name, 'internal_group': group,
        'login_user': me.pw_name,
    }


def free_ports(n):
    """n distinct free TCP ports on 127.0.0.1 (bind port 0, then close)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _check_token(kind, value):
    if not value or any(c in value for c in ':\n\r\0/') \
            or value != value.strip():
        raise FixtureError('bad %s %r (no ":", "/", newlines or blanks '
                           'at the ends)' % (kind, value))
    if kind == 'user name' and value.startswith('.'):
        raise FixtureError('bad user name %r' % value)


def _check_dir_path(path):
    bad = set(' \t\n"\'\\#{}<>$%;')
    if any(c in bad for c in path):
        raise FixtureError('fixture directory %r: use a path without blanks '
                           'or special characters' % path)
    if len(path) > MAX_DIR_LEN:
        raise FixtureError('fixture directory %r is %d bytes long; keep it '
                           'under %d (unix socket paths are limited)'
                           % (path, len(path), MAX_DIR_LEN))


def _check_traversable(path):
    """As root the dovenull/dovecot/nobody processes must reach path."""
    cur = os.path.dirname(path)
    while True:
        st = os.stat(cur)
        if not st.st_mode & 0o001:
            raise FixtureError('%s is not traversable by other users '
                               '(dovenull, dovecot, nobody need it); use a '
                               'directory under /tmp' % cur)
        parent = os.path.dirname(cur)
        if parent == cur:
            return
        cur = parent


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is as good as gone.
    try:
        with open('/proc/%d/stat' % pid) as f:
            state = f.read().rsplit(')', 1)[1].split()[0]
        return state != 'Z'
    except OSError:
        return False


def _cmdline(pid):
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            return f.read().replace(b'\0', b' ').decode('utf-8', 'replace')
    except OSError:
        return ''


def _proc_table():
    """{pid: (ppid, starttime)} for every process we can see."""
    table = {}
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % name) as f:
                fields = f.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        table[int(name)] = (int(fields[1]), fields[19])
    return table


def descendants(pid):
    """[(pid, starttime)] of every process below pid (not pid itself)."""
    table = _proc_table()
    children = {}
    for p, (pp, _) in table.items():
        children.setdefault(pp, []).append(p)
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append((c, table[c][1]))
            todo.append(c)
    return out


def _same_process(pid, starttime):
    try:
        with open('/proc/%d/stat' % pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
    except OSError:
        return False
    return fields[19] == starttime and fields[0] != 'Z'


def _log_tail(path, n=30):
    try:
        with open(path, errors='replace') as f:
            return ''.join(f.readlines()[-n:])
    except OSError as e:
        return '(no log: %s)\n' % e


def _run(argv, **kw):
    res = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, **kw)
    if res.returncode != 0:
        raise FixtureError('%s failed (exit %d): %s' % (
            ' '.join(argv[:3]), res.returncode,
            (res.stderr or res.stdout).decode(errors='replace').strip()))
    return res


def _chown_tree(path, uid, gid):
    os.lchown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, gid)


# ----------------------------------------------------------------------
# Certificates

_OPENSSL_CNF = """\
# Written by tern's test fixture.
[req]
distinguished_name = dn
prompt = no

[dn]
CN = unused

[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName = DNS:localhost, IP:127.0.0.1

[v3_wrong]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName = DNS:wrong.example
"""


def make_certs(d):
    """CA (ca.pem/ca.key), server.pem/key for localhost, wrong.pem/key for
    wrong.example; all EC P-256, valid for ten years.  Kept if present."""
    names = ['ca.pem', 'ca.key', 'server.pem', 'server.key',
             'wrong.pem', 'wrong.key']
    if all(os.path.exists(os.path.join(d, n)) for n in names):
        return
    ossl = _openssl()
    cnf = os.path.join(d, 'openssl.cnf')
    with open(cnf, 'w') as f:
        f.write(_OPENSSL_CNF)
    env = dict(os.environ, OPENSSL_CONF=cnf)
    p = lambda n: os.path.join(d, n)  # noqa: E731

    def genkey(name):
        old = os.umask(0o077)
        try:
            _run([ossl, 'genpkey', '-algorithm', 'EC',
                  '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', p(name)],
                 env=env)
        finally:
            os.umask(old)

    genkey('ca.key')
    _run([ossl, 'req', '-config', cnf, '-new', '-x509', '-key', p('ca.key'),
          '-sha256', '-days', '3650', '-subj', '/CN=tern test CA',
          '-set_serial', str(secrets.randbits(63) | 1),
          '-extensions', 'v3_ca', '-out', p('ca.pem')], env=env)
    for base, cn, ext in (('server', 'localhost', 'v3_server'),
                          ('wrong', 'wrong.example', 'v3_wrong')):
        genkey(base + '.key')
        csr = p(base + '.csr')
        _run([ossl, 'req', '-config', cnf, '-new', '-key', p(base + '.key'),
              '-subj', '/CN=' + cn, '-out', csr], env=env)
        _run([ossl, 'x509', '-req', '-in', csr, '-CA', p('ca.pem'),
              '-CAkey', p('ca.key'), '-sha256', '-days', '3650',
              '-set_serial', str(secrets.randbits(63) | 1),
              '-extfile', cnf, '-extensions', ext,
              '-out', p(base + '.pem')], env=env)
        os.unlink(csr)
    for n in ('ca.pem', 'server.pem', 'wrong.pem'):
        os.chmod(p(n), 0o644)


# ----------------------------------------------------------------------
# Dovecot configuration

def _dovecot_conf(d, ports, ident, instance):
    """The text of dovecot.conf for fixture directory d."""
    zlib = os.path.exists(ZLIB_PLUGIN)
    L = []
    a = L.append
    a('# tern test fixture: a private Dovecot; generated, do not edit.')
    a('instance_name = %s' % instance)
    a('base_dir = %s/%s' % (d, BASE_DIR))
    a('state_dir = %s/%s' % (d, STATE_DIR))
    a('log_path = %s/%s' % (d, LOG))
    a('info_log_path = %s/%s' % (d, LOG))
    a('protocols = imap pop3')
    a('listen = %s' % HOST)
    a('shutdown_clients = yes')
    a('')
    a('default_internal_user = %s' % ident['internal_user'])
    a('default_internal_group = %s' % ident['internal_group'])
    a('default_login_user = %s' % ident['login_user'])
    a('first_valid_uid = %d' % min(500, ident['mail_uid']))
    a('first_valid_gid = %d' % min(1, ident['mail_gid']))
    a('')
    a('ssl = yes')
    a('ssl_cert = <%s/server.pem' % d)
    a('ssl_key = <%s/server.key' % d)
    a('ssl_min_protocol = TLSv1.2')
    a('disable_plaintext_auth = no')
    a('auth_mechanisms = plain login scram-sha-256 cram-md5 apop')
    a('auth_cache_negative_ttl = 0')
    a('auth_verbose = yes')
    a('')
    a('passdb {')
    a('  driver = passwd-file')
    a('  args = scheme=PLAIN username_format=%%u %s/%s' % (d, PASSWD))
    a('}')
    a('userdb {')
    a('  driver = passwd-file')
    a('  args = username_format=%%u %s/%s' % (d, PASSWD))
    a('}')
    a('')
    a('mail_location = maildir:%s/%s/%%u/Maildir' % (d, MAIL_DIR))
    a('pop3_uidl_format = %08Xu%08Xv')
    if zlib:
        a('mail_plugins = $mail_plugins zlib')
        a('protocol imap {')
        a('  mail_plugins = $mail_plugins imap_zlib')
        a('}')
    a('')
    a('namespace inbox {')
    a('  inbox = yes')
    for name, use in SPECIAL_USE:
        a('  mailbox %s {' % name)
        a('    special_use = %s' % use)
        a('    auto = subscribe')
        a('  }')
    a('}')
    a('')
    a('service imap-login {')
    a('  chroot =')
    a('  inet_listener imap {')
    a('    address = %s' % HOST)
    a('    port = %d' % ports['imap'])
    a('  }')
    a('  inet_listener imaps {')
    a('    address = %s' % HOST)
    a('    port = %d' % ports['imaps'])
    a('    ssl = yes')
    a('  }')
    a('}')
    a('service pop3-login {')
    a('  chroot =')
    a('  inet_listener pop3 {')
    a('    address = %s' % HOST)
    a('    port = %d' % ports['pop3'])
    a('  }')
    a('  inet_listener pop3s {')
    a('    address = %s' % HOST)
    a('    port = %d' % ports['pop3s'])
    a('    ssl = yes')
    a('  }')
    a('}')
    # No chroot anywhere (the defaults chroot these).
    for svc in ('anvil', 'ipc', 'old-stats', 'aggregator', 'director',
                'imap-urlauth-login', 'submission-login'):
        a('service %s {' % svc)
        a('  chroot =')
        a('}')
    a('')
    return '\n'.join(L)


def _passwd_line(user, password, ident, d):
    return '%s:{PLAIN}%s:%d:%d::%s/%s/%s::\n' % (
        user, password, ident['mail_uid'], ident['mail_gid'],
        d, MAIL_DIR, user)


def _read_passwd(d):
    users = {}
    try:
        with open(os.path.join(d, PASSWD)) as f:
            for line in f:
                parts = line.rstrip('\n').split(':')
                if len(parts) >= 2 and parts[0]:
                    pw = parts[1]
                    if pw.startswith('{PLAIN}'):
                        pw = pw[len('{PLAIN}'):]
                    users[parts[0]] = pw
    except FileNotFoundError:
        return None
    return users


# ----------------------------------------------------------------------
# Maildir

def maildir_path(d, user):
    _check_token('user name', user)
    return os.path.join(os.path.abspath(d), MAIL_DIR, user, 'Maildir')


def _ensure_maildir(d, user):
    """Create mail/<user>/Maildir/{cur,new,tmp}, owned by the mail user."""
    ident = _identity()
    mail_root = os.path.join(d, MAIL_DIR)
    home = os.path.join(mail_root, user)
    md = maildir_path(d, user)
    for sub in ('cur', 'new', 'tmp'):
        os.makedirs(os.path.join(md, sub), mode=0o700, exist_ok=True)
    if ident['root']:
        os.chmod(mail_root, 0o755)
        os.chown(mail_root, ident['mail_uid'], ident['mail_gid'])
        for path in (home, md, os.path.join(md, 'cur'),
                     os.path.join(md, 'new'), os.path.join(md, 'tmp')):
            os.lchown(path, ident['mail_uid'], ident['mail_gid'])
    return md


def _fix_owner(d, user):
    ident = _identity()
    if ident['root']:
        _chown_tree(os.path.join(d, MAIL_DIR, user),
                    ident['mail_uid'], ident['mail_gid'])


_deliver_seq = 0


def _unique_name(size, wsize):
    global _deliver_seq
    _deliver_seq += 1
    now = time.time()
    host = socket.gethostname().replace('/', '\\057').replace(':', '\\072')
    return '%d.M%dP%dQ%d.%s,S=%d,W=%d' % (
        int(now), int((now % 1) * 1e6), os.getpid(), _deliver_seq, host,
        size, wsize)


def deliver_messages(d, user, items):
    """Deliver each item (bytes, or a path to a file) into the user's
    Maildir new/, through tmp/ and a rename; returns the new paths."""
    md = _ensure_maildir(d, user)
    ident = _identity()
    if isinstance(items, (bytes, bytearray, str, os.PathLike)):
        items = [items]
    out = []
    for item in items:
        if isinstance(item, (bytes, bytearray)):
            data = bytes(item)
        else:
            with open(item, 'rb') as f:
                data = f.read()
        wsize = len(data) + data.count(b'\n') - data.count(b'\r\n')
        name = _unique_name(len(data), wsize)
        tmp = os.path.join(md, 'tmp', name)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            os.fsync(fd)
            if ident['root']:
                os.fchown(fd, ident['mail_uid'], ident['mail_gid'])
        finally:
            os.close(fd)
        dst = os.path.join(md, 'new', name)
        os.rename(tmp, dst)
        out.append(dst)
    dfd = os.open(os.path.join(md, 'new'), os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
    return out


# ----------------------------------------------------------------------
# The fixture

class Fixture:
    """One private Dovecot.  Fixture() alone does nothing; start() or a
    with-block starts it, stop() (or leaving the block) stops it."""

    def __init__(self, users=None, dir=None, keep=None):
        self._want_users = users
        self._want_dir = dir
        self.keep = (os.environ.get(KEEP_ENV, '') not in ('', '0')
                     if keep is None else keep)
        # Known before start when given, so populate() can run first.
        self.dir = os.path.abspath(dir) if dir is not None else None
        self.host = HOST
        self.hostname = HOSTNAME
        self.imap_port = self.imaps_port = None
        self.pop3_port = self.pop3s_port = None
        self.ca_file = self.ca_key = None
        self.users = {}
        self.mail_root = None
        self.log_path = None
        self.conf_path = None
        self.pid = None
        self.created_dir = False
        self.start_seconds = None

    # -- context manager

    def __enter__(self):
        if self.pid is None:
            self.start(self._want_users, self._want_dir)
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- attaching

    @classmethod
    def load(cls, dir):
        """Attach to a fixture started elsewhere, from its fixture.json."""
        d = os.path.abspath(dir)
        try:
            with open(os.path.join(d, JSON_FILE)) as f:
                info = json.load(f)
        except FileNotFoundError:
            raise FixtureError('%s has no %s: not a started fixture'
                               % (d, JSON_FILE))
        fx = cls(keep=None)
        fx._apply(info)
        return fx

    def _apply(self, info):
        self.dir = info['dir']
        self.host = info['host']
        self.hostname = info['hostname']
        self.imap_port = info['imap_port']
        self.imaps_port = info['imaps_port']
        self.pop3_port = info['pop3_port']
        self.pop3s_port = info['pop3s_port']
        self.ca_file = info['ca_file']
        self.ca_key = info.get('ca_key')
        self.users = dict(info['users'])
        self.mail_root = info['mail_root']
        self.log_path = info['log_path']
        self.conf_path = info.get('conf_path')
        self.pid = info['pid']
        self.created_dir = info.get('created_dir', False)

    def info(self):
        """The fixture.json contents as a dict."""
        return {
            'dir': self.dir, 'host': self.host, 'hostname': self.hostname,
            'imap_port': self.imap_port, 'imaps_port': self.imaps_port,
            'pop3_port': self.pop3_port, 'pop3s_port': self.pop3s_port,
            'ca_file': self.ca_file, 'ca_key': self.ca_key,
            'users': dict(self.users), 'mail_root': self.mail_root,
            'log_path': self.log_path, 'conf_path': self.conf_path,
            'pid': self.pid, 'created_dir': self.created_dir,
            'server_cert': os.path.join(self.dir, 'server.pem'),
            'wrong_cert': os.path.join(self.dir, 'wrong.pem'),
            'wrong_key': os.path.join(self.dir, 'wrong.key'),
            'zlib': os.path.exists(ZLIB_PLUGIN),
        }

    def env(self):
        """The fixture.env variables as an ordered list of (key, value)."""
        kv = [('DIR', self.dir), ('HOST', self.host),
              ('HOSTNAME', self.hostname),
              ('IMAP_PORT', self.imap_port), ('IMAPS_PORT', self.imaps_port),
              ('POP3_PORT', self.pop3_port), ('POP3S_PORT', self.pop3s_port),
              ('CA_FILE', self.ca_file), ('MAIL_ROOT', self.mail_root),
              ('LOG_PATH', self.log_path), ('PID', self.pid),
              ('USERS', ' '.join(sorted(self.users)))]
        for user in sorted(self.users):
            key = user.upper()
            if key.replace('_', 'A').isalnum() and key.isascii():
                kv.append(('PASS_' + key, self.users[user]))
        return [(ENV_PREFIX + k, str(v)) for k, v in kv]

    def env_text(self):
        return ''.join('%s=%s\n' % (k, shlex.quote(v)) for k, v in self.env())

    def _write_state(self):
        for name, text in ((JSON_FILE,
                            json.dumps(self.info(), indent=2,
                                       sort_keys=True) + '\n'),
                           (ENV_FILE, self.env_text())):
            tmp = os.path.join(self.dir, name + '.tmp')
            with open(tmp, 'w') as f:
                f.write(text)
            os.chmod(tmp, 0o644)
            os.rename(tmp, os.path.join(self.dir, name))

    # -- running

    def start(self, users=None, dir=None):
        """Start Dovecot; returns self.  Raises FixtureError (after
        stopping whatever it started) when it cannot."""
        if self.pid is not None and _pid_alive(self.pid):
            raise FixtureError('fixture already running (pid %d)' % self.pid)
        users = dict(DEFAULT_USERS if users is None else users)
        for u, pw in users.items():
            _check_token('user name', u)
            _check_token('password', pw)
        dir = dir if dir is not None else self._want_dir
        t0 = time.monotonic()
        made = False
        if dir is None:
            d = tempfile.mkdtemp(prefix='tern-', dir='/tmp')
            self.created_dir = made = True
        else:
            d = os.path.abspath(dir)
            _check_dir_path(d)
            if _is_root():
                parent = os.path.dirname(d)
                while not os.path.exists(parent):
                    parent = os.path.dirname(parent)
                _check_traversable(os.path.join(parent, 'x'))
            made = not os.path.exists(d)
            os.makedirs(d, exist_ok=True)
            # A directory the caller named is theirs: stop keeps it.
            self.created_dir = False
        self.dir = d
        try:
            self._start_in(d, users)
        except BaseException:
            self._cleanup_failed(made)
            raise
        self.start_seconds = time.monotonic() - t0
        return self

    def _cleanup_failed(self, made):
        try:
            self._stop_master()
        except Exception:  # noqa: BLE001 - best effort on the way out
            pass
        if made and not self.keep and self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
        self.pid = None

    def _start_in(self, d, users):
        _check_dir_path(d)
        ident = _identity()
        pidfile = os.path.join(d, BASE_DIR, 'master.pid')
        if os.path.exists(pidfile):
            try:
                old = int(open(pidfile).read().split()[0])
            except (ValueError, IndexError, OSError):
                old = None
            if old and _pid_alive(old) and d in _cmdline(old):
                raise FixtureError('a fixture is already running in %s '
                                   '(pid %d)' % (d, old))
        os.chmod(d, 0o755)
        if ident['root']:
            _check_traversable(d)
        self.conf_path = os.path.join(d, CONF)
        self.log_path = os.path.join(d, LOG)
        self.mail_root = os.path.join(d, MAIL_DIR)
        self.ca_file = os.path.join(d, 'ca.pem')
        self.ca_key = os.path.join(d, 'ca.key')
        self.users = users
        for sub in (BASE_DIR, STATE_DIR, MAIL_DIR):
            os.makedirs(os.path.join(d, sub), mode=0o755, exist_ok=True)
        make_certs(d)
        with open(os.path.join(d, PASSWD + '.tmp'), 'w') as f:
            for u, pw in users.items():
                f.write(_passwd_line(u, pw, ident, d))
        # The auth process (dovecot, or the user) reads it; only we write.
        os.chmod(os.path.join(d, PASSWD + '.tmp'), 0o644)
        os.rename(os.path.join(d, PASSWD + '.tmp'), os.path.join(d, PASSWD))
        for u in users:
            _ensure_maildir(d, u)
        # Start from an empty log so failures show this run's lines only.
        open(self.log_path, 'w').close()
        base = os.path.basename(d)
        instance = base if base.replace('-', '').replace('_', '').isalnum() \
            else 'tern-fixture'

        last_err = None
        for _attempt in range(3):
            imap, imaps, pop3, pop3s = free_ports(4)
            ports = {'imap': imap, 'imaps': imaps,
                     'pop3': pop3, 'pop3s': pop3s}
            with open(self.conf_path, 'w') as f:
                f.write(_dovecot_conf(d, ports, ident, instance))
            os.chmod(self.conf_path, 0o644)
            self.imap_port, self.imaps_port = imap, imaps
            self.pop3_port, self.pop3s_port = pop3, pop3s
            try:
                self._launch(pidfile)
                return
            except FixtureError as e:
                last_err = e
                self._stop_master()
                if 'Address already in use' not in str(e):
                    break
                open(self.log_path, 'a').close()
        raise last_err

    def _launch(self, pidfile):
        if os.path.exists(pidfile):
            os.unlink(pidfile)
        # The daemonised master keeps the descriptors it was given: a pipe
        # here would never see EOF, so its start-up output goes to a file.
        out_path = os.path.join(self.dir, 'dovecot.start.out')
        with open(out_path, 'w+b') as out_f:
            res = subprocess.run([_dovecot(), '-c', self.conf_path],
                                 stdin=subprocess.DEVNULL, stdout=out_f,
                                 stderr=out_f, cwd=self.dir)
            out_f.seek(0)
            out = out_f.read().decode(errors='replace').strip()
        if not out:
            os.unlink(out_path)
        if res.returncode != 0:
            raise FixtureError('dovecot -c %s exited %d: %s\n%s' % (
                self.conf_path, res.returncode, out,
                _log_tail(self.log_path)))
        if out:
            # Dovecot started but said something: pass it on.
            sys.stderr.write('fixture: dovecot said: %s\n' % out)
        deadline = time.monotonic() + START_TIMEOUT
        self.pid = None
        waiting = {'imap': self.imap_port, 'imaps': self.imaps_port,
                   'pop3': self.pop3_port, 'pop3s': self.pop3s_port}
        last = 'no master.pid yet'
        while True:
            if self.pid is None:
                try:
                    with open(pidfile) as f:
                        self.pid = int(f.read().split()[0])
                except (OSError, ValueError, IndexError):
                    pass
            if self.pid is not None:
                if not _pid_alive(self.pid):
                    raise FixtureError('dovecot (pid %d) exited during '
                                       'start:\n%s' % (
                                           self.pid,
                                           _log_tail(self.log_path)))
                for name, port in list(waiting.items()):
                    try:
                        self._probe(name, port, deadline)
                        del waiting[name]
                    except OSError as e:
                        last = '%s port %d: %s' % (name, port, e)
                if not waiting:
                    break
            if time.monotonic() > deadline:
                raise FixtureError('dovecot not ready after %.0f s (%s):\n%s'
                                   % (START_TIMEOUT, last,
                                      _log_tail(self.log_path)))
            time.sleep(0.02)
        self._write_state()

    def _probe(self, name, port, deadline):
        """Connect and wait for the greeting; on the TLS ports through a
        verified handshake, which also proves the certificate is served."""
        timeout = max(0.5, min(5.0, deadline - time.monotonic()))
        want = b'* OK' if name.startswith('imap') else b'+OK'
        with socket.create_connection((HOST, port), timeout=timeout) as raw:
            s = raw
            if name.endswith('s'):
                ctx = ssl.create_default_context(cafile=self.ca_file)
                s = ctx.wrap_socket(raw, server_hostname=HOSTNAME)
            try:
                buf = b''
                while b'\n' not in buf:
                    chunk = s.recv(512)
                    if not chunk:
                        raise ConnectionError('closed before the greeting')
                    buf += chunk
                if not buf.startswith(want):
                    raise ConnectionError('greeting %r' % buf[:80])
                s.sendall(b'a LOGOUT\r\n' if want == b'* OK'
                          else b'QUIT\r\n')
                while s.recv(512):
                    pass
            finally:
                if s is not raw:
                    s.close()

    def stop(self, keep=None):
        """Stop Dovecot and wait for its processes to go; idempotent.
        Removes the directory if start created it and keep is false."""
        keep = self.keep if keep is None else keep
        if self.dir is None:
            return
        self._stop_master()
        self.pid = None
        if self.created_dir and not keep and os.path.isdir(self.dir):
            shutil.rmtree(self.dir, ignore_errors=True)

    def _master_pid(self):
        """The running master's pid for this directory, or None."""
        cands = []
        try:
            with open(os.path.join(self.dir, BASE_DIR, 'master.pid')) as f:
                cands.append(int(f.read().split()[0]))
        except (OSError, ValueError, IndexError):
            pass
        if self.pid:
            cands.append(self.pid)
        for pid in cands:
            # Only a dovecot started with this directory's config counts:
            # a stale pid file must never make us signal someone else.
            if _pid_alive(pid) and ('dovecot' in _cmdline(pid)
                                    and self.dir in _cmdline(pid)):
                return pid
        return None

    def _stop_master(self):
        pid = self._master_pid()
        if pid is None:
            return
        kids = descendants(pid)
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + STOP_TIMEOUT

        def left():
            out = [(p, st) for p, st in kids if _same_process(p, st)]
            if _pid_alive(pid):
                out.append((pid, None))
            return out

        while left() and time.monotonic() < deadline:
            time.sleep(0.02)
        for p, st in left():
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        kill_deadline = time.monotonic() + 5
        while left() and time.monotonic() < kill_deadline:
            time.sleep(0.02)
        if left():
            raise FixtureError('dovecot processes still running after '
                               'SIGKILL: %s' % [p for p, _ in left()])

    def running(self):
        return self.dir is not None and self._master_pid() is not None

    # -- mail

    def maildir(self, user):
        return maildir_path(self.dir, user)

    def populate(self, user, count, seed=1, large=None):
        """Fill the user's Maildir with corpus.py; works before or after
        start (before: give the directory with Fixture(dir=...))."""
        return populate(self.dir, user, count, seed, large)

    def deliver(self, user, paths_or_bytes):
        """Deliver message files or bytes into the user's new/."""
        return deliver_messages(self.dir, user, paths_or_bytes)

    def adduser(self, user, password):
        """Add a user; takes effect at once, even while running."""
        adduser(self.dir, user, password)
        self.users[user] = password
        if os.path.exists(os.path.join(self.dir, JSON_FILE)):
            self._write_state()

    # -- conveniences for tests

    def ssl_context(self):
        """A client context that trusts only the fixture CA, with hostname
        checking on (use server_hostname=fx.hostname)."""
        ctx = ssl.create_default_context(cafile=self.ca_file)
        ctx.check_hostname = True
        ctx.verify_mode = ssl.CERT_REQUIRED
        return ctx

    def log_tail(self, n=30):
        return _log_tail(self.log_path, n)


def populate(d, user, count, seed=1, large=None):
    """Run corpus.py into the user's Maildir and fix ownership."""
    d = os.path.abspath(d)
    users = _read_passwd(d)
    if users is not None and user not in users:
        raise FixtureError('no user %r in %s' % (user, os.path.join(d,
                                                                    PASSWD)))
    if not os.path.exists(CORPUS):
        raise FixtureError('%s does not exist (the corpus generator is '
                           'needed for populate)' % CORPUS)
    md = _ensure_maildir(d, user)
    argv = [sys.executable, CORPUS, '--seed', str(seed),
            '--count', str(int(count))]
    if large is not None:
        argv += ['--large', str(int(large))]
    argv.append(md)
    try:
        _run(argv)
    finally:
        _fix_owner(d, user)
    return md


def adduser(d, user, password):
    """Append a user to the passwd file and create its Maildir."""
    d = os.path.abspath(d)
    _check_token('user name', user)
    _check_token('password', password)
    users = _read_passwd(d)
    if users is None:
        raise FixtureError('%s has no passwd file: start the fixture first'
                           % d)
    if user in users:
        raise FixtureError('user %r already exists' % user)
    _ensure_maildir(d, user)
    path = os.path.join(d, PASSWD)
    with open(path, 'a') as f:
        f.write(_passwd_line(user, password, _identity(), d))
        f.flush()
        os.fsync(f.fileno())


# ----------------------------------------------------------------------
# Command line

def _user_arg(text):
    if ':' not in text:
        raise argparse.ArgumentTypeError('expected NAME:PASS, got %r' % text)
    name, pw = text.split(':', 1)
    return name, pw


def _attach(d):
    """A Fixture for d, attached if started, else bare (for populate)."""
    d = os.path.abspath(d)
    if os.path.exists(os.path.join(d, JSON_FILE)):
        return Fixture.load(d)
    fx = Fixture()
    fx.dir = d
    return fx


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog='fixture.py',
        description="A private Dovecot for tern's tests.")
    sub = ap.add_subparsers(dest='cmd', required=True)

    p = sub.add_parser('start', help='start a fixture; print env lines')
    p.add_argument('dir', nargs='?', help='directory (default: a new '
                   'temporary one under /tmp, removed again by stop)')
    p.add_argument('--user', action='append', type=_user_arg,
                   metavar='NAME:PASS',
                   help='a user (repeatable; default alice:alicepw, '
                   'bob:bobpw)')

    p = sub.add_parser('stop', help='stop a fixture (idempotent)')
    p.add_argument('dir')
    p.add_argument('--keep', action='store_true',
                   help='keep a directory that start created')

    p = sub.add_parser('maildir', help="print a user's Maildir path")
    p.add_argument('dir')
    p.add_argument('user')

    p = sub.add_parser('populate', help="fill a user's Maildir (corpus.py)")
    p.add_argument('dir')
    p.add_argument('user')
    p.add_argument('--count', type=int, required=True)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--large', type=int)

    p = sub.add_parser('deliver', help="deliver files into a user's new/")
    p.add_argument('dir')
    p.add_argument('user')
    p.add_argument('files', nargs='+')

    p = sub.add_parser('adduser', help='add a user while running')
    p.add_argument('dir')
    p.add_argument('user')
    p.add_argument('password')

    p = sub.add_parser('env', help='print the env lines of a started one')
    p.add_argument('dir')

    args = ap.parse_args(argv)
    try:
        if args.cmd == 'start':
            users = dict(args.user) if args.user else None
            fx = Fixture()
            try:
                fx.start(users=users, dir=args.dir)
            except FixtureError as e:
                sys.stderr.write('fixture: start failed: %s\n' % e)
                return 1
            sys.stdout.write(fx.env_text())
        elif args.cmd == 'stop':
            d = os.path.abspath(args.dir)
            if not os.path.isdir(d):
                return 0
            fx = _attach(d)
            fx.stop(keep=True if args.keep else None)
        elif args.cmd == 'maildir':
            print(maildir_path(args.dir, args.user))
        elif args.cmd == 'populate':
            print(populate(args.dir, args.user, args.count, args.seed,
                           args.large))
        elif args.cmd == 'deliver':
            for path in deliver_messages(os.path.abspath(args.dir),
                                         args.user, args.files):
                print(path)
        elif args.cmd == 'adduser':
            _attach(args.dir).adduser(args.user, args.password)
        elif args.cmd == 'env':
            sys.stdout.write(Fixture.load(args.dir).env_text())
    except FixtureError as e:
        sys.stderr.write('fixture: %s\n' % e)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
