/*
 * store.c - an account's local store: one SQLite database (WAL).
 *
 * The schema is versioned with PRAGMA user_version and grows only through
 * the migration steps in store_migrations[], all run in one transaction,
 * so a store is always at one known version; a newer one is refused
 * rather than touched.  Every statement is prepared once, kept for the
 * life of the store, and takes its data through bound parameters.
 *
 * A database that SQLite cannot read (quick_check fails, or it says
 * CORRUPT or NOTADB while opening) is never used: it is moved aside with
 * its WAL and shared-memory files, and a fresh store is created, with a
 * warning the caller shows the user.
 *
 * Writes that touch several rows run in a transaction of their own, or
 * as a savepoint inside the caller's store_begin.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <sqlite3.h>

#include "log.h"
#include "store/store.h"
#include "xmalloc.h"

/* How long a statement waits for another process's write lock. */
#define STORE_BUSY_MS 5000

/* The first UID a folder gets when it has none (IMAP UIDs start at 1). */
#define STORE_FIRST_UID 1

/* One past the largest UID, for "below every UID". */
#define STORE_UID_END ((int64_t)UINT32_MAX + 1)

/*
 * Version 1: folders, summaries, pending flag changes, POP3 UIDLs and
 * the Maildir UID map.  Never edit it: stores of this version exist.
 */
static const char store_schema_v1[] =
    "CREATE TABLE folders ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " delimiter TEXT,"
    " special_use TEXT,"
    " uidvalidity INTEGER NOT NULL DEFAULT 0,"
    " uidnext INTEGER NOT NULL DEFAULT 0,"
    " highestmodseq INTEGER NOT NULL DEFAULT 0,"
    " total INTEGER NOT NULL DEFAULT 0,"
    " unseen INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE summaries ("
    " folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,"
    " uid INTEGER NOT NULL,"
    " modseq INTEGER NOT NULL DEFAULT 0,"
    " flags INTEGER NOT NULL DEFAULT 0,"
    " date INTEGER NOT NULL DEFAULT 0,"
    " arrival INTEGER NOT NULL DEFAULT 0,"
    " size INTEGER NOT NULL DEFAULT 0,"
    " from_addr TEXT, to_addr TEXT, cc_addr TEXT, subject TEXT,"
    " message_id TEXT, in_reply_to TEXT, refs TEXT,"
    " has_attachment INTEGER NOT NULL DEFAULT 0,"
    " key TEXT,"
    " PRIMARY KEY (folder_id, uid));"
    "CREATE TABLE pending ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,"
    " uid INTEGER NOT NULL,"
    " add_flags INTEGER NOT NULL,"
    " remove_flags INTEGER NOT NULL,"
    " queued INTEGER NOT NULL,"
    " UNIQUE (folder_id, uid));"
    "CREATE TABLE pop3_uidls ("
    " uidl TEXT PRIMARY KEY,"
    " file TEXT NOT NULL,"
    " downloaded INTEGER NOT NULL,"
    " deleted INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE maildir_uids ("
    " folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,"
    " key TEXT NOT NULL,"
    " uid INTEGER NOT NULL,"
    " PRIMARY KEY (folder_id, key),"
    " UNIQUE (folder_id, uid));";

/*
 * Version 2: bodies cached as files, and full-text search.  Paths the
 * body cache stops referring to land in body_trash (by trigger, so no
 * code path can forget them) until the caller has deleted the files.
 * The FTS5 rowid is fts_docs.id, whose delete trigger keeps the two in
 * step even when a folder's deletion cascades.  Summaries already stored
 * get their subjects and addresses indexed.
 */
static const char store_schema_v2[] =
    "CREATE TABLE body_cache ("
    " folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,"
    " uid INTEGER NOT NULL,"
    " path TEXT NOT NULL,"
    " size INTEGER NOT NULL,"
    " cached INTEGER NOT NULL,"
    " PRIMARY KEY (folder_id, uid));"
    "CREATE TABLE body_trash (path TEXT PRIMARY KEY);"
    "CREATE TRIGGER body_cache_gone AFTER DELETE ON body_cache BEGIN"
    " INSERT OR IGNORE INTO body_trash(path) VALUES (old.path);"
    " END;"
    "CREATE TRIGGER body_cache_new AFTER INSERT ON body_cache BEGIN"
    " DELETE FROM body_trash WHERE path = new.path;"
    " END;"
    "CREATE TRIGGER body_cache_moved AFTER UPDATE OF path ON body_cache"
    " BEGIN"
    " INSERT OR IGNORE INTO body_trash(path)"
    "  SELECT old.path WHERE old.path <> new.path;"
    " DELETE FROM body_trash WHERE path = new.path;"
    " END;"
    "CREATE TABLE fts_docs ("
    " id INTEGER PRIMARY KEY,"
    " folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,"
    " uid INTEGER NOT NULL,"
    " UNIQUE (folder_id, uid));"
    "CREATE VIRTUAL TABLE fts USING fts5(subject, addresses, body,"
    " tokenize = 'unicode61 remove_diacritics 2');"
    "CREATE TRIGGER fts_docs_gone AFTER DELETE ON fts_docs BEGIN"
    " DELETE FROM fts WHERE rowid = old.id;"
    " END;"
    "INSERT INTO fts_docs(folder_id, uid)"
    " SELECT folder_id, uid FROM summaries ORDER BY folder_id, uid;"
    "INSERT INTO fts(rowid, subject, addresses)"
    " SELECT d.id, s.subject, coalesce(s.from_addr, '') || ' ' ||"
    "  coalesce(s.to_addr, '') || ' ' || coalesce(s.cc_addr, '')"
    " FROM fts_docs d JOIN summaries s"
    "  ON s.folder_id = d.folder_id AND s.uid = d.uid;";

/* Step n turns a version n-1 store into version n. */
static const char *const store_migrations[STORE_VERSION + 1] = {
	[1] = store_schema_v1,
	[2] = store_schema_v2,
};

/* Every statement the store runs more than once, prepared on first use. */
enum store_sq {
	SQ_FOLDER_FIND,
	SQ_FOLDER_INSERT,
	SQ_FOLDER_GET,
	SQ_FOLDER_LIST,
	SQ_FOLDER_UPDATE,
	SQ_FOLDER_VALIDITY,
	SQ_FOLDER_RESET,
	SQ_FOLDER_UIDS,
	SQ_FOLDER_SET_UIDS,
	SQ_FOLDER_DELETE,
	SQ_FOLDER_RENAME,
	SQ_FOLDER_RENAME_INFERIORS,
	SQ_RESET_SUMMARIES,
	SQ_RESET_FTS,
	SQ_RESET_BODIES,
	SQ_RESET_PENDING,
	SQ_RESET_MAILDIR,
	SQ_SUM_PUT,
	SQ_SUM_LOAD,
	SQ_SUM_GET,
	SQ_SUM_SET_FLAGS,
	SQ_SUM_APPLY,
	SQ_SUM_REMOVE,
	SQ_SUM_MAX,
	SQ_SUM_UIDS,
	SQ_SUM_COUNTS,
	SQ_PENDING_FIND,
	SQ_PENDING_DELETE_ID,
	SQ_PENDING_INSERT,
	SQ_PENDING_LIST,
	SQ_PENDING_ACK,
	SQ_PENDING_DROP,
	SQ_UIDL_HAS,
	SQ_UIDL_ADD,
	SQ_UIDL_LIST,
	SQ_UIDL_DELETED,
	SQ_UIDL_FORGET,
	SQ_BODY_PUT,
	SQ_BODY_GET,
	SQ_BODY_DROP,
	SQ_ORPHANS,
	SQ_ORPHAN_FORGET,
	SQ_FTS_DOC_NEW,
	SQ_FTS_DOC_ID,
	SQ_FTS_DOC_REMOVE,
	SQ_FTS_DELETE,
	SQ_FTS_PUT,
	SQ_FTS_PUT_HEAD,
	SQ_FTS_SEARCH,
	SQ_MD_FIND,
	SQ_MD_MAX,
	SQ_MD_INSERT,
	SQ_MD_KEY,
	SQ_MD_REMOVE,
	SQ_MD_REMOVE_UID,
	SQ_COUNT
};

#define STORE_FOLDER_COLS \
	"id, name, delimiter, special_use, uidvalidity, uidnext, " \
	"highestmodseq, total, unseen"
#define STORE_SUMMARY_COLS \
	"uid, modseq, flags, date, arrival, size, from_addr, to_addr, " \
	"cc_addr, subject, message_id, in_reply_to, refs, has_attachment, " \
	"key"

static const char *const store_sql[SQ_COUNT] = {
	[SQ_FOLDER_FIND] = "SELECT id FROM folders WHERE name = ?1",
	[SQ_FOLDER_INSERT] = "INSERT INTO folders(name) VALUES (?1)",
	[SQ_FOLDER_GET] =
	    "SELECT " STORE_FOLDER_COLS " FROM folders WHERE id = ?1",
	[SQ_FOLDER_LIST] =
	    "SELECT " STORE_FOLDER_COLS " FROM folders ORDER BY name",
	[SQ_FOLDER_UPDATE] = "UPDATE folders SET delimiter = ?2, "
			     "special_use = ?3, uidvalidity = ?4, "
			     "uidnext = ?5, highestmodseq = ?6, total = ?7, "
			     "unseen = ?8 WHERE id = ?1",
	[SQ_FOLDER_VALIDITY] = "UPDATE folders SET uidvalidity = ?2 "
			       "WHERE id = ?1",
	[SQ_FOLDER_RESET] = "UPDATE folders SET uidvalidity = ?2, "
			    "uidnext = 0, highestmodseq = 0, total = 0, "
			    "unseen = 0 WHERE id = ?1",
	[SQ_FOLDER_UIDS] = "SELECT uidvalidity, uidnext FROM folders "
			   "WHERE id = ?1",
	[SQ_FOLDER_SET_UIDS] = "UPDATE folders SET uidvalidity = ?2, "
			       "uidnext = ?3 WHERE id = ?1",
	[SQ_FOLDER_DELETE] = "DELETE FROM folders WHERE id = ?1",
	[SQ_FOLDER_RENAME] = "UPDATE folders SET name = ?2 WHERE id = ?1",
	/* ?1 new name, ?2 old name, ?3 delimiter: counted in characters. */
	[SQ_FOLDER_RENAME_INFERIORS] =
	    "UPDATE folders SET name = ?1 || substr(name, length(?2) + 1) "
	    "WHERE substr(name, 1, length(?2) + 1) = ?2 || ?3",
	[SQ_RESET_SUMMARIES] = "DELETE FROM summaries WHERE folder_id = ?1",
	[SQ_RESET_FTS] = "DELETE FROM fts_docs WHERE folder_id = ?1",
	[SQ_RESET_BODIES] = "DELETE FROM body_cache WHERE folder_id = ?1",
	[SQ_RESET_PENDING] = "DELETE FROM pending WHERE folder_id = ?1",
	[SQ_RESET_MAILDIR] = "DELETE FROM maildir_uids WHERE folder_id = ?1",
	[SQ_SUM_PUT] =
	    "INSERT OR REPLACE INTO summaries(folder_id, " STORE_SUMMARY_COLS
	    ") VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
	[SQ_SUM_LOAD] = "SELECT " STORE_SUMMARY_COLS " FROM summaries "
			"WHERE folder_id = ?1 AND uid < ?2 "
			"ORDER BY uid DESC LIMIT ?3",
	[SQ_SUM_GET] = "SELECT " STORE_SUMMARY_COLS " FROM summaries "
		       "WHERE folder_id = ?1 AND uid = ?2",
	[SQ_SUM_SET_FLAGS] = "UPDATE summaries SET flags = ?3, "
			     "modseq = CASE WHEN ?4 = 0 THEN modseq "
			     "ELSE ?4 END WHERE folder_id = ?1 AND uid = ?2",
	[SQ_SUM_APPLY] = "UPDATE summaries SET flags = (flags | ?3) & ~?4 "
			 "WHERE folder_id = ?1 AND uid = ?2",
	[SQ_SUM_REMOVE] = "DELETE FROM summaries "
			  "WHERE folder_id = ?1 AND uid = ?2",
	[SQ_SUM_MAX] = "SELECT coalesce(max(uid), 0) FROM summaries "
		       "WHERE folder_id = ?1",
	[SQ_SUM_UIDS] = "SELECT uid FROM summaries WHERE folder_id = ?1 "
			"ORDER BY uid",
	[SQ_SUM_COUNTS] = "SELECT count(*), coalesce(sum(flags & ?2 = 0), 0) "
			  "FROM summaries WHERE folder_id = ?1",
	[SQ_PENDING_FIND] = "SELECT id, add_flags, remove_flags, queued "
			    "FROM pending WHERE folder_id = ?1 AND uid = ?2",
	[SQ_PENDING_DELETE_ID] = "DELETE FROM pending WHERE id = ?1",
	[SQ_PENDING_INSERT] = "INSERT INTO pending(folder_id, uid, "
			      "add_flags, remove_flags, queued) "
			      "VALUES (?1, ?2, ?3, ?4, ?5)",
	[SQ_PENDING_LIST] = "SELECT folder_id, uid, add_flags, remove_flags, "
			    "queued, id FROM pending "
			    "WHERE ?1 = 0 OR folder_id = ?1 ORDER BY id",
	[SQ_PENDING_ACK] = "DELETE FROM pending WHERE folder_id = ?1 "
			   "AND uid = ?2 AND id = ?3",
	[SQ_PENDING_DROP] = "DELETE FROM pending "
			    "WHERE folder_id = ?1 AND uid = ?2",
	[SQ_UIDL_HAS] = "SELECT 1 FROM pop3_uidls WHERE uidl = ?1",
	[SQ_UIDL_ADD] = "INSERT INTO pop3_uidls(uidl, file, downloaded) "
			"VALUES (?1, ?2, ?3) ON CONFLICT(uidl) DO UPDATE SET "
			"file = excluded.file, "
			"downloaded = excluded.downloaded, deleted = 0",
	[SQ_UIDL_LIST] = "SELECT uidl, file, downloaded, deleted "
			 "FROM pop3_uidls ORDER BY downloaded, uidl",
	[SQ_UIDL_DELETED] = "UPDATE pop3_uidls SET deleted = 1 "
			    "WHERE uidl = ?1",
	[SQ_UIDL_FORGET] = "DELETE FROM pop3_uidls WHERE uidl = ?1",
	[SQ_BODY_PUT] = "INSERT INTO body_cache(folder_id, uid, path, size, "
			"cached) VALUES (?1, ?2, ?3, ?4, ?5) "
			"ON CONFLICT(folder_id, uid) DO UPDATE SET "
			"path = excluded.path, size = excluded.size, "
			"cached = excluded.cached",
	[SQ_BODY_GET] = "SELECT path, size, cached FROM body_cache "
			"WHERE folder_id = ?1 AND uid = ?2",
	[SQ_BODY_DROP] = "DELETE FROM body_cache "
			 "WHERE folder_id = ?1 AND uid = ?2",
	[SQ_ORPHANS] = "SELECT path FROM body_trash WHERE path NOT IN "
		       "(SELECT path FROM body_cache) ORDER BY path",
	[SQ_ORPHAN_FORGET] = "DELETE FROM body_trash WHERE path = ?1",
	[SQ_FTS_DOC_NEW] = "INSERT INTO fts_docs(folder_id, uid) "
			   "VALUES (?1, ?2) ON CONFLICT DO NOTHING",
	[SQ_FTS_DOC_ID] = "SELECT id FROM fts_docs "
			  "WHERE folder_id = ?1 AND uid = ?2",
	[SQ_FTS_DOC_REMOVE] = "DELETE FROM fts_docs "
			      "WHERE folder_id = ?1 AND uid = ?2",
	[SQ_FTS_DELETE] = "DELETE FROM fts WHERE rowid = ?1",
	[SQ_FTS_PUT] = "INSERT INTO fts(rowid, subject, addresses, body) "
		       "VALUES (?1, ?2, ?3, ?4)",
	[SQ_FTS_PUT_HEAD] = "INSERT INTO fts(rowid, subject, addresses) "
			    "VALUES (?1, ?2, coalesce(?3, '') || ' ' || "
			    "coalesce(?4, '') || ' ' || coalesce(?5, ''))",
	[SQ_FTS_SEARCH] = "SELECT d.folder_id, d.uid FROM fts "
			  "JOIN fts_docs d ON d.id = fts.rowid "
			  "WHERE fts MATCH ?1 AND (?2 = 0 OR d.folder_id = ?2) "
			  "ORDER BY d.folder_id, d.uid DESC",
	[SQ_MD_FIND] = "SELECT uid FROM maildir_uids "
		       "WHERE folder_id = ?1 AND key = ?2",
	[SQ_MD_MAX] = "SELECT coalesce(max(uid), 0) FROM maildir_uids "
		      "WHERE folder_id = ?1",
	[SQ_MD_INSERT] = "INSERT INTO maildir_uids(folder_id, key, uid) "
			 "VALUES (?1, ?2, ?3)",
	[SQ_MD_KEY] = "SELECT key FROM maildir_uids "
		      "WHERE folder_id = ?1 AND uid = ?2",
	[SQ_MD_REMOVE] = "DELETE FROM maildir_uids "
			 "WHERE folder_id = ?1 AND key = ?2",
	[SQ_MD_REMOVE_UID] = "DELETE FROM maildir_uids "
			     "WHERE folder_id = ?1 AND uid = ?2",
};

struct store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *stmt[SQ_COUNT];
	int last_rc; /* the SQLite code of the last failure */
	int bind_rc; /* the first failed bind since the last step */
};

/* How store_try_open ended. */
enum store_attempt {
	STORE_ATTEMPT_OK,
	STORE_ATTEMPT_CORRUPT,
	STORE_ATTEMPT_FAILED,
};

/* True for the result codes that mean the file itself is damaged. */
static bool
store_rc_corrupt(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

/* Record a failure of SQLite: *err says what was being done and why. */
static void
store_fail(struct store *s, int rc, char **err, const char *what)
{
	s->last_rc = rc;
	if (err != NULL && *err == NULL)
		*err = xasprintf("%s: %s", what, sqlite3_errmsg(s->db));
}

/* Record a failure of our own (bad argument, no such folder). */
static void store_refuse(char **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
store_refuse(char **err, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (err != NULL && *err == NULL)
		*err = xstrdup(msg);
	g_free(msg);
}

/* Run SQL without parameters; returns the SQLite result code. */
static int
store_exec(struct store *s, const char *sql, char **err)
{
	int rc;

	rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		store_fail(s, rc, err, "store");
	return rc;
}

/* The prepared statement id, reset and with its parameters cleared. */
static sqlite3_stmt *
store_stmt(struct store *s, enum store_sq id, char **err)
{
	int rc;

	if (s->stmt[id] == NULL) {
		rc = sqlite3_prepare_v3(s->db, store_sql[id], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->stmt[id], NULL);
		if (rc != SQLITE_OK) {
			store_fail(s, rc, err, "preparing a query");
			s->stmt[id] = NULL;
			return NULL;
		}
	}
	sqlite3_reset(s->stmt[id]);
	sqlite3_clear_bindings(s->stmt[id]);
	s->bind_rc = SQLITE_OK;
	return s->stmt[id];
}

/* Bind an integer (UIDs, flags, times, sizes all fit in 64 bits). */
static void
store_bind_int(struct store *s, sqlite3_stmt *st, int i, int64_t v)
{
	int rc;

	rc = sqlite3_bind_int64(st, i, v);
	if (rc != SQLITE_OK && s->bind_rc == SQLITE_OK)
		s->bind_rc = rc;
}

/* Bind a string, or NULL; SQLite copies nothing, st is stepped at once. */
static void
store_bind_str(struct store *s, sqlite3_stmt *st, int i, const char *v)
{
	int rc;

	if (v == NULL)
		rc = sqlite3_bind_null(st, i);
	else
		rc = sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	if (rc != SQLITE_OK && s->bind_rc == SQLITE_OK)
		s->bind_rc = rc;
}

/* Bind the two parameters that name a message. */
static void
store_bind_msg(
    struct store *s, sqlite3_stmt *st, int64_t folder_id, uint32_t uid)
{
	store_bind_int(s, st, 1, folder_id);
	store_bind_int(s, st, 2, uid);
}

/*
 * Step st once: SQLITE_ROW or SQLITE_DONE, or -1 with *err set (and st
 * reset) on a failure, including a bind that failed earlier.
 */
static int
store_step(struct store *s, sqlite3_stmt *st, const char *what, char **err)
{
	int rc;

	if (s->bind_rc != SQLITE_OK) {
		rc = s->bind_rc;
		s->last_rc = rc;
		if (err != NULL && *err == NULL)
			*err = xasprintf("%s: %s", what, sqlite3_errstr(rc));
		sqlite3_reset(st);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	store_fail(s, rc, err, what);
	sqlite3_reset(st);
	return -1;
}

/* Run a statement that returns no rows; 0 or -1. */
static int
store_run(struct store *s, sqlite3_stmt *st, const char *what, char **err)
{
	int rc;

	rc = store_step(s, st, what, err);
	sqlite3_reset(st);
	if (rc == -1)
		return -1;
	return 0;
}

/* Run a one-row query of one integer; 1 with *v, 0 if no row, -1. */
static int
store_query_int(
    struct store *s, sqlite3_stmt *st, int64_t *v, const char *what, char **err)
{
	int rc;

	rc = store_step(s, st, what, err);
	if (rc == -1)
		return -1;
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW;
}

/* A column as an owned string, NULL for SQL NULL. */
static char *
store_col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *v;

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	v = sqlite3_column_text(st, i);
	return xstrdup(v != NULL ? (const char *)v : "");
}

/*
 * Start a write: a transaction of our own (IMMEDIATE, so a second process
 * makes us wait at the start rather than fail halfway), or a savepoint
 * inside the caller's store_begin.
 */
static int
store_txn_begin(struct store *s, bool *outer, char **err)
{
	*outer = sqlite3_get_autocommit(s->db) != 0;
	if (store_exec(s, *outer ? "BEGIN IMMEDIATE" : "SAVEPOINT store",
		err) != SQLITE_OK)
		return -1;
	return 0;
}

/* Finish a write begun with store_txn_begin: commit, or undo it all. */
static int
store_txn_end(struct store *s, bool outer, int rc, char **err)
{
	if (rc == 0 &&
	    store_exec(s, outer ? "COMMIT" : "RELEASE store", err) == SQLITE_OK)
		return 0;
	/* SQLite may have rolled back already; then these just fail. */
	if (outer)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	else
		sqlite3_exec(s->db, "ROLLBACK TO store; RELEASE store", NULL,
		    NULL, NULL);
	return -1;
}

/* Finalize every statement and close the database. */
static void
store_db_close(struct store *s)
{
	size_t i;

	for (i = 0; i < SQ_COUNT; i++) {
		sqlite3_finalize(s->stmt[i]);
		s->stmt[i] = NULL;
	}
	if (s->db != NULL)
		sqlite3_close_v2(s->db);
	s->db = NULL;
}

/* Read one integer PRAGMA. */
static int
store_pragma_int(struct store *s, const char *sql, int64_t *v, char **err)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		store_fail(s, rc, err, "reading the store");
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		store_fail(s, rc, err, "reading the store");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * quick_check's first finding as one short line for a status bar: its
 * "*** in database main ***" banner dropped, line breaks made spaces.
 */
static char *
store_one_line(const char *text)
{
	static const char banner[] = "*** in database main ***";
	char *line, *p;

	while (*text == '\n' || *text == ' ')
		text++;
	if (strncmp(text, banner, sizeof banner - 1) == 0)
		text += sizeof banner - 1;
	while (*text == '\n' || *text == ' ')
		text++;
	line = xstrndup(text, 200);
	for (p = line; *p != '\0'; p++)
		if ((unsigned char)*p < ' ')
			*p = ' ';
	return line;
}

/*
 * PRAGMA quick_check.  Returns 0 if it says "ok", 1 with *why set if it
 * found damage, -1 if it could not run (s->last_rc says why).
 */
static int
store_quick_check(struct store *s, char **why, char **err)
{
	sqlite3_stmt *st;
	const unsigned char *text;
	int rc, ret;

	rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		store_fail(s, rc, err, "checking the store");
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		text = sqlite3_column_text(st, 0);
		if (text != NULL && strcmp((const char *)text, "ok") == 0) {
			ret = 0;
		} else {
			*why =
			    store_one_line(text != NULL ? (const char *)text
							: "quick_check failed");
			ret = 1;
		}
	} else {
		store_fail(s, rc, err, "checking the store");
		ret = -1;
	}
	sqlite3_finalize(st);
	return ret;
}

/*
 * Bring the schema to STORE_VERSION.  The version is read again inside
 * the write transaction so that two processes opening a new store at
 * once do not both create it.
 */
static int
store_migrate(struct store *s, char **err)
{
	int64_t version, app, objects;
	char *sql;
	int i, rc;

	if (store_pragma_int(s, "PRAGMA user_version", &version, err) == -1)
		return -1;
	if (version == STORE_VERSION)
		goto check_app;
	if (version > STORE_VERSION)
		goto newer;
	if (store_exec(s, "BEGIN IMMEDIATE", err) != SQLITE_OK)
		return -1;
	if (store_pragma_int(s, "PRAGMA user_version", &version, err) == -1 ||
	    store_pragma_int(s, "PRAGMA application_id", &app, err) == -1 ||
	    store_pragma_int(
		s, "SELECT count(*) FROM sqlite_schema", &objects, err) == -1)
		goto fail;
	if (version > STORE_VERSION) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		goto newer;
	}
	if ((version == 0 && objects != 0) ||
	    (version != 0 && app != STORE_APPLICATION_ID)) {
		store_refuse(err,
		    "%s is an SQLite database but not a tern store; "
		    "not touching it",
		    s->path);
		goto fail;
	}
	for (i = (int)version + 1; i <= STORE_VERSION; i++) {
		if (store_exec(s, store_migrations[i], err) != SQLITE_OK)
			goto fail;
	}
	sql = xasprintf("PRAGMA user_version = %d; PRAGMA application_id = %d",
	    STORE_VERSION, STORE_APPLICATION_ID);
	rc = store_exec(s, sql, err);
	free(sql);
	if (rc != SQLITE_OK || store_exec(s, "COMMIT", err) != SQLITE_OK)
		goto fail;
	if (version != 0)
		log_info("%s: store upgraded from version %d to %d", s->path,
		    (int)version, STORE_VERSION);
	return 0;

check_app:
	if (store_pragma_int(s, "PRAGMA application_id", &app, err) == -1)
		return -1;
	if (app != STORE_APPLICATION_ID) {
		store_refuse(err,
		    "%s is an SQLite database but not a tern store; "
		    "not touching it",
		    s->path);
		return -1;
	}
	return 0;

newer:
	store_refuse(err,
	    "%s was written by a newer tern (store version %d; this one "
	    "knows up to %d); not opening it, so nothing is lost: "
	    "use the newer tern",
	    s->path, (int)version, STORE_VERSION);
	return -1;

fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * Open the file, check it and bring it up to date.  CORRUPT means the
 * file must be moved aside (*err then says why); FAILED is any other
 * failure, which leaves the file alone.
 */
static enum store_attempt
store_try_open(struct store *s, char **err)
{
	char *why = NULL, *mode = NULL;
	int fd, rc, check;
	sqlite3_stmt *st;

	s->last_rc = SQLITE_OK;
	/* Create it ourselves so that only the owner can read the mail. */
	fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1) {
		*err = xasprintf("%s: %s", s->path, strerror(errno));
		return STORE_ATTEMPT_FAILED;
	}
	close(fd);
	rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		if (s->db != NULL)
			*err =
			    xasprintf("%s: %s", s->path, sqlite3_errmsg(s->db));
		else
			*err = xasprintf("%s: %s", s->path, sqlite3_errstr(rc));
		return store_rc_corrupt(rc) ? STORE_ATTEMPT_CORRUPT
					    : STORE_ATTEMPT_FAILED;
	}
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);

	check = store_quick_check(s, &why, err);
	if (check == 1) {
		*err = why;
		return STORE_ATTEMPT_CORRUPT;
	}
	if (check == -1)
		goto failed;

	rc = sqlite3_prepare_v2(
	    s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			mode = store_col_str(st, 0);
			rc = SQLITE_OK;
		}
	}
	if (rc != SQLITE_OK)
		store_fail(s, rc, err, "turning on the write-ahead log");
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		goto failed;
	if (mode == NULL || g_ascii_strcasecmp(mode, "wal") != 0) {
		*err = xasprintf("%s: SQLite refused the write-ahead log "
				 "(journal mode stays %s)",
		    s->path, mode != NULL ? mode : "unknown");
		free(mode);
		return STORE_ATTEMPT_FAILED;
	}
	free(mode);
	if (store_exec(s,
		"PRAGMA synchronous = NORMAL; "
		"PRAGMA foreign_keys = ON",
		err) != SQLITE_OK)
		goto failed;
	if (store_migrate(s, err) == -1)
		goto failed;
	return STORE_ATTEMPT_OK;

failed:
	return store_rc_corrupt(s->last_rc) ? STORE_ATTEMPT_CORRUPT
					    : STORE_ATTEMPT_FAILED;
}

/*
 * Move a damaged store aside with its companions, so that a new one
 * cannot pick up its old write-ahead log or journal.  *moved is the new
 * name of the main file.
 */
static int
store_move_aside(const char *path, char **moved, char **err)
{
	static const char *const companions[] = { "-wal", "-shm", "-journal" };
	char stamp[32], *base = NULL, *from, *to;
	struct stat sb;
	struct tm tm;
	time_t now;
	size_t i;
	int n;

	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	for (n = 1; n < 100; n++) {
		free(base);
		if (n == 1)
			base = xasprintf("%s.corrupt-%s", path, stamp);
		else
			base = xasprintf("%s.corrupt-%s-%d", path, stamp, n);
		if (lstat(base, &sb) == -1 && errno == ENOENT)
			break;
	}
	if (rename(path, base) == -1) {
		*err = xasprintf("%s is damaged and could not be moved aside "
				 "to %s: %s",
		    path, base, strerror(errno));
		free(base);
		return -1;
	}
	for (i = 0; i < G_N_ELEMENTS(companions); i++) {
		from = xasprintf("%s%s", path, companions[i]);
		to = xasprintf("%s%s", base, companions[i]);
		if (rename(from, to) == -1 && errno != ENOENT) {
			*err = xasprintf("%s is damaged and %s could not be "
					 "moved aside: %s",
			    path, from, strerror(errno));
			free(from);
			free(to);
			free(base);
			return -1;
		}
		free(from);
		free(to);
	}
	*moved = base;
	return 0;
}

/* Open a store; see store.h for what happens to a damaged one. */
struct store *
store_open(const char *path, char **warning, char **err)
{
	struct store *s;
	char *why = NULL, *moved = NULL, *again = NULL;
	enum store_attempt r;

	*warning = NULL;
	*err = NULL;
	s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	r = store_try_open(s, &why);
	if (r == STORE_ATTEMPT_OK)
		return s;
	store_db_close(s);
	if (r == STORE_ATTEMPT_FAILED) {
		*err = why;
		store_close(s);
		return NULL;
	}

	log_warn("%s is damaged (%s); moving it aside", path, why);
	if (store_move_aside(path, &moved, err) == -1) {
		free(why);
		store_close(s);
		return NULL;
	}
	r = store_try_open(s, &again);
	if (r != STORE_ATTEMPT_OK) {
		*err = xasprintf("%s was damaged and moved aside to %s, but a "
				 "new store could not be made: %s",
		    path, moved, again);
		free(again);
		free(why);
		free(moved);
		store_close(s);
		return NULL;
	}
	*warning = xasprintf("%s was damaged (%s); it was moved aside to %s "
			     "and an empty store started: cached mail will be "
			     "fetched again, and a POP3 account may download "
			     "again messages left on the server",
	    path, why, moved);
	free(why);
	free(moved);
	return s;
}

/* Close a store; NULL is fine. */
void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (s->db != NULL)
		sqlite3_exec(s->db, "PRAGMA optimize", NULL, NULL, NULL);
	store_db_close(s);
	free(s->path);
	free(s);
}

/* The file the store lives in. */
const char *
store_path(const struct store *s)
{
	return s->path;
}

/* Start the caller's transaction; the store's own writes nest in it. */
int
store_begin(struct store *s, char **err)
{
	if (!sqlite3_get_autocommit(s->db)) {
		store_refuse(err, "store: a transaction is already open");
		return -1;
	}
	return store_exec(s, "BEGIN IMMEDIATE", err) == SQLITE_OK ? 0 : -1;
}

/* Commit the caller's transaction. */
int
store_commit(struct store *s, char **err)
{
	if (store_exec(s, "COMMIT", err) != SQLITE_OK) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/* Undo the caller's transaction (harmless when none is open). */
void
store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ------------------------------------------------------------ folders */

/* Fill f from a row of STORE_FOLDER_COLS. */
static void
store_row_folder(sqlite3_stmt *st, struct store_folder *f)
{
	const unsigned char *d;

	memset(f, 0, sizeof *f);
	f->id = sqlite3_column_int64(st, 0);
	f->name = store_col_str(st, 1);
	d = sqlite3_column_text(st, 2);
	f->delimiter = d != NULL ? (char)d[0] : '\0';
	f->special_use = store_col_str(st, 3);
	f->uidvalidity = (uint32_t)sqlite3_column_int64(st, 4);
	f->uidnext = (uint32_t)sqlite3_column_int64(st, 5);
	f->highestmodseq = (uint64_t)sqlite3_column_int64(st, 6);
	f->total = (uint32_t)sqlite3_column_int64(st, 7);
	f->unseen = (uint32_t)sqlite3_column_int64(st, 8);
}

/* Find a folder by name: 1 with *id, 0 if there is none, -1. */
int
store_folder_find(struct store *s, const char *name, int64_t *id, char **err)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, SQ_FOLDER_FIND, err)) == NULL)
		return -1;
	store_bind_str(s, st, 1, name);
	return store_query_int(s, st, id, "finding a folder", err);
}

/* The id of the folder called name, creating it if needed. */
int
store_folder_get_or_create(
    struct store *s, const char *name, int64_t *id, char **err)
{
	sqlite3_stmt *st;
	int found;

	if (name == NULL || *name == '\0') {
		store_refuse(err, "store: a folder needs a name");
		return -1;
	}
	found = store_folder_find(s, name, id, err);
	if (found != 0)
		return found == 1 ? 0 : -1;
	if ((st = store_stmt(s, SQ_FOLDER_INSERT, err)) == NULL)
		return -1;
	store_bind_str(s, st, 1, name);
	if (store_run(s, st, "adding a folder", err) == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* Read one folder: 1 with *out filled, 0 if there is no such id, -1. */
int
store_folder_get(
    struct store *s, int64_t id, struct store_folder *out, char **err)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	if ((st = store_stmt(s, SQ_FOLDER_GET, err)) == NULL)
		return -1;
	store_bind_int(s, st, 1, id);
	rc = store_step(s, st, "reading a folder", err);
	if (rc == -1)
		return -1;
	if (rc == SQLITE_ROW)
		store_row_folder(st, out);
	sqlite3_reset(st);
	return rc == SQLITE_ROW;
}

/*
 * Inside a transaction: set UIDVALIDITY, discarding what the old one
 * made valid.  1 if a known value changed, 0 if not, -1.
 */
static int
store_folder_validity(
    struct store *s, int64_t id, uint32_t uidvalidity, char **err)
{
	static const enum store_sq purge[] = { SQ_RESET_SUMMARIES, SQ_RESET_FTS,
		SQ_RESET_BODIES, SQ_RESET_PENDING, SQ_RESET_MAILDIR };
	sqlite3_stmt *st;
	int64_t old, dropped = 0;
	size_t i;
	int rc;

	if ((st = store_stmt(s, SQ_FOLDER_UIDS, err)) == NULL)
		return -1;
	store_bind_int(s, st, 1, id);
	rc = store_query_int(s, st, &old, "reading a folder", err);
	if (rc == -1)
		return -1;
	if (rc == 0) {
		store_refuse(
		    err, "store: no folder with id %lld", (long long)id);
		return -1;
	}
	if (old == uidvalidity)
		return 0;
	if (old == 0) {
		if ((st = store_stmt(s, SQ_FOLDER_VALIDITY, err)) == NULL)
			return -1;
		store_bind_int(s, st, 1, id);
		store_bind_int(s, st, 2, uidvalidity);
		return store_run(s, st, "setting UIDVALIDITY", err);
	}
	for (i = 0; i < G_N_ELEMENTS(purge); i++) {
		if ((st = store_stmt(s, purge[i], err)) == NULL)
			return -1;
		store_bind_int(s, st, 1, id);
		if (store_run(s, st, "discarding a folder's cache", err) == -1)
			return -1;
		if (purge[i] == SQ_RESET_PENDING)
			dropped = sqlite3_changes(s->db);
	}
	if ((st = store_stmt(s, SQ_FOLDER_RESET, err)) == NULL)
		return -1;
	store_bind_int(s, st, 1, id);
	store_bind_int(s, st, 2, uidvalidity);
	if (store_run(s, st, "setting UIDVALIDITY", err) == -1)
		return -1;
	log_warn("folder %lld: UIDVALIDITY changed from %lld to %u; its cache "
		 "was discarded with %lld unsent flag changes",
	    (long long)id, (long long)old, uidvalidity, (long long)dropped);
	return 1;
}

/* Set a folder's UIDVALIDITY; see store.h. */
int
store_folder_set_uidvalidity(
    struct store *s, int64_t id, uint32_t uidvalidity, char **err)
{
	bool outer;
	int rc;

	if (store_txn_begin(s, &outer, err) == -1)
		return -1;
	rc = store_folder_validity(s, id, uidvalidity, err);
	if (store_txn_end(s, outer, rc == -1 ? -1 : 0, err) == -1)
		return -1;
	return rc;
}

/* Write a folder's state; see store.h. */
int
store_folder_update(struct store *s, const struct store_folder *f, char **err)
{
	sqlite3_stmt *st;
	char delim[2] = { f->delimiter, '\0' };
	bool outer;
	int reset;

	if (store_txn_begin(s, &outer, err) == -1)
		return -1;
	reset = store_folder_validity(s, f->id, f->uidvalidity, err);
	if (reset == -1 || (st = store_stmt(s, SQ_FOLDER_UPDATE, err)) == NULL)
		goto fail;
	store_bind_int(s, st, 1, f->id);
	store_bind_str(s, st, 2, f->delimiter != '\0' ? delim : NULL);
	store_bind_str(s, st, 3, f->special_use);
	store_bind_int(s, st, 4, f->uidvalidity);
	store_bind_int(s, st, 5, f->uidnext);
	store_bind_int(s, st, 6, (int64_t)f->highestmodseq);
	store_bind_int(s, st, 7, f->total);
	store_bind_int(s, st, 8, f->unseen);
	if (store_run(s, st, "updating a folder", err) == -1)
		goto fail;
	if (store_txn_end(s, outer, 0, err) == -1)
		return -1;
	return reset;

fail:
	store_txn_end(s, outer, -1, err);
	return -1;
}

/* Every folder, by name. */
int
store_folder_list(
    struct store *s, struct store_folder **out, size_t *n, char **err)
{
	struct store_folder *arr = NULL;
	size_t len = 0, alloc = 0;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((st = store_stmt(s, SQ_FOLDER_LIST, err)) == NULL)
		return -1;
	while ((rc = store_step(s, st, "listing folders", err)) == SQLITE_ROW) {
		if (len == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			arr = xreallocarray(arr, alloc, sizeof *arr);
		}
		store_row_folder(st, &arr[len++]);
	}
	sqlite3_reset(st);
	if (rc == -1) {
		store_folder_array_free(arr, len);
		return -1;
	}
	*out = arr;
	*n = len;
	return 0;
}

/* Free a folder's strings. */
void
store_folder_clear(struct store_folder *f)
{
	if (f == NULL)
		return;
	free(f->name);
	free(f->special_use);
	memset(f, 0, sizeof *f);
}

/* Free what store_folder_list returned. */
void
store_folder_array_free(struct store_folder *arr, size_t n)
{
	size_t i;

	for (i = 0; i < n && arr != NULL; i++)
		store_folder_clear(&arr[i]);
	free(arr);
}

/* Delete a folder; its rows in every table go with it (foreign keys). */
int
store_folder_delete(struct store *s, int64_t id, char **err)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, SQ_FOLDER_DELETE, err)) == NULL)
		return -1;
	store_bind_int(s, st, 1, id);
	return store_run(s, st, "deleting a folder", err);
}

/* Rename a folder and its inferiors in one transaction. */
int
store_folder_rename(
    struct store *s, int64_t id, const char *new_name, char **err)
{
	struct store_folder f;
	sqlite3_stmt *st;
	char delim[2] = "";
	size_t oldlen;
	bool outer;
	int rc;

	if (new_name == NULL || *new_name == '\0') {
		store_refuse(err, "store: a folder needs a name");
		return -1;
	}
	if (store_txn_begin(s, &outer, err) == -1)
		return -1;
	rc = store_folder_get(s, id, &f, err);
	if (rc == 0)
		store_refuse(
		    err, "store: no folder with id %lld", (long long)id);
	if (rc != 1)
		goto fail;
	delim[0] = f.delimiter;
	oldlen = strlen(f.name);
	if (strcmp(f.name, new_name) == 0) {
		store_folder_clear(&f);
		return store_txn_end(s, outer, 0, err);
	}
	if (f.delimiter != '\0' && strncmp(new_name, f.name, oldlen) == 0 &&
	    new_name[oldlen] == f.delimiter) {
		store_refuse(
		    err, "cannot move folder %s inside itself", f.name);
		goto fail;
	}
	if ((st = store_stmt(s, SQ_FOLDER_RENAME, err)) == NULL)
		goto fail;
	store_bind_int(s, st, 1, id);
	store_bind_str(s, st, 2, new_name);
	if (store_step(s, st, "renaming a folder", NULL) == -1) {
		if ((s->last_rc & 0xff) == SQLITE_CONSTRAINT)
			store_refuse(
			    err, "a folder named %s exists already", new_name);
		else
			store_fail(s, s->last_rc, err, "renaming a folder");
		goto fail;
	}
	sqlite3_reset(st);
	if (f.delimiter != '\0') {
		if ((st = store_stmt(s, SQ_FOLDER_RENAME_INFERIORS, err)) ==
		    NULL)
			goto fail;
		store_bind_str(s, st, 1, new_name);
		store_bind_str(s, st, 2, f.name);
		store_bind_str(s, st, 3, delim);
		if (store_step(s, st, "renaming subfolders", NULL) == -1) {
			if ((s->last_rc & 0xff) == SQLITE_CONSTRAINT)
				store_refuse(err,
				    "renaming %s: a subfolder's new name "
				    "exists already",
				    f.name);
			else
				store_fail(
				    s, s->last_rc, err, "renaming subfolders");
			goto fail;
		}
		sqlite3_reset(st);
	}
	store_folder_clear(&f);
	return store_txn_end(s, outer, 0, err);

fail:
	store_folder_clear(&f);
	store_txn_end(s, outer, -1, err);
	return -1;
}

/* ---------------------------------------------------------- summaries */

/* Fill m from a row of STORE_SUMMARY_COLS. */
static void
store_row_summary(sqlite3_stmt *st, struct summary *m)
{
	m->uid = (uint32_t)sqlite3_column_int64(st, 0);
	m->modseq = (uint64_t)sqlite3_column_int64(st, 1);
	m->flags = (uint32_t)sqlite3_column_int64(st, 2);
	m->date = sqlite3_column_int64(st, 3);
	m->arrival = sqlite3_column_int64(st, 4);
	m->size = (uint64_t)sqlite3_column_int64(st, 5);
	m->from = store_col_str(st, 6);
	m->to = store_col_str(st, 7);
	m->cc = store_col_str(st, 8);
	m->subject = store_col_str(st, 9);
	m->message_id = store_col_str(st, 10);
	m->in_reply_to = store_col_str(st, 11);
	m->references = store_col_str(st, 12);
	m->has_attachment = sqlite3_column_int64(st, 13) != 0;
	m->key = store_col_str(st, 14);
}

/* Write one summary, and index it if the index has never seen it. */
static int
store_put_one(struct store *s, sqlite3_stmt *put, sqlite3_stmt *doc,
    sqlite3_stmt *fts, int64_t folder_id, const struct summary *m, char **err)
{
	store_bind_msg(s, put, folder_id, m->uid);
	store_bind_int(s, put, 3, (int64_t)m->modseq);
	store_bind_int(s, put, 4, m->flags);
	store_bind_int(s, put, 5, m->date);
	store_bind_int(s, put, 6, m->arrival);
	store_bind_int(s, put, 7, (int64_t)m->size);
	store_bind_str(s, put, 8, m->from);
	store_bind_str(s, put, 9, m->to);
	store_bind_str(s, put, 10, m->cc);
	store_bind_str(s, put, 11, m->subject);
	store_bind_str(s, put, 12, m->message_id);
	store_bind_str(s, put, 13, m->in_reply_to);
	store_bind_str(s, put, 14, m->references);
	store_bind_int(s, put, 15, m->has_attachment ? 1 : 0);
	store_bind_str(s, put, 16, m->key);
	if (store_run(s, put, "saving summaries", err) == -1)
		return -1;

	/*
	 * A UID names the same message for as long as UIDVALIDITY holds,
	 * so a summary written again (new flags) needs no new index row.
	 */
	store_bind_msg(s, doc, folder_id, m->uid);
	if (store_run(s, doc, "indexing summaries", err) == -1)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	store_bind_int(s, fts, 1, sqlite3_last_insert_rowid(s->db));
	store_bind_str(s, fts, 2, m->subject);
	store_bind_str(s, fts, 3, m->from);
	store_bind_str(s, fts, 4, m->to);
	store_bind_str(s, fts, 5, m->cc);
	return store_run(s, fts, "indexing summaries", err);
}

/* Write n summaries in one transaction; see store.h. */
int
store_put_summaries(struct store *s, int64_t folder_id,
    const struct summary *arr, size_t n, char **err)
{
	sqlite3_stmt *put, *doc, *fts;
	bool outer;
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		if (arr[i].uid == 0) {
			store_refuse(err, "store: UID 0 is not a message");
			return -1;
		}
	}
	if (n == 0)
		return 0;
	if (store_txn_begin(s, &outer, err) == -1)
		return -1;
	if ((put = store_stmt(s, SQ_SUM_PUT, err)) == NULL ||
	    (doc = store_stmt(s, SQ_FTS_DOC_NEW, err)) == NULL ||
	    (fts = store_stmt(s, SQ_FTS_PUT_HEAD, err)) == NULL)
		rc = -1;
	for (i = 0; i < n && rc == 0; i++)
		rc = store_put_one(s, put, doc, fts, folder_id, &arr[i], err);
	return store_txn_end(s, outer, rc, err);
}

/* Hand a folder's summaries to cb in batches; see store.h. */
int
store_load_summaries(struct store *s, int64_t folder_id, uint32_t below_uid,
    size_t batch, store_summaries_cb cb, void *ctx, char **err)
{
	struct summary *arr;
	int64_t limit = below_uid != 0 ? below_uid : STORE_UID_END;
	sqlite3_stmt *st;
	size_t n, i;
	int rc, ret;

	if (batch == 0)
		batch = 1;
	arr = xcalloc(batch, sizeof *arr);
	for (;;) {
		if ((st = store_stmt(s, SQ_SUM_LOAD, err)) == NULL) {
			ret = -1;
			break;
		}
		store_bind_int(s, st, 1, folder_id);
		store_bind_int(s, st, 2, limit);
		store_bind_int(s, st, 3, (int64_t)batch);
		n = 0;
		while ((rc = store_step(s, st, "loading summaries", err)) ==
		    SQLITE_ROW)
			store_row_summary(st, &arr[n++]);
		sqlite3_reset(st);
		if (rc == -1) {
			for (i = 0; i < n; i++)
				summary_clear(&arr[i]);
			ret = -1;
			break;
		}
		if (n == 0) {
			ret = 0;
			break;
		}
		limit = arr[n - 1].uid;
		ret = cb(arr, n, ctx) != 0;
		for (i = 0; i < n; i++)
			summary_clear(&arr[i]);
		if (ret != 0 || n < batch)
			break;
	}
	free(arr);
	return ret;
}

/* One summary: 1 with *out filled, 0 if not stored, -1. */
int
store_get_summary(struct store *s, int64_t folder_id, uint32_t uid,
    struct summary *out, char **err)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	if ((st = store_stmt(s, SQ_SUM_GET, err)) == NULL)
		return -1;
	store_bind_msg(s, st, folder_id, uid);
	rc = store_step(s, st, "reading a summary", err);
	if (rc == -1)
		return -1;
	if (rc == SQLITE_ROW)
		store_row_summary(st, out);
	sqlite3_reset(st);
	return rc == SQLITE_ROW;
}

/* Set one message's flags: 1 if it is stored, 0 if not, -1. */
int
store_set_flags(struct store *s, int64_t folder_id, uint32_t uid,
    uint32_t flags, uint64_t modseq, char **err)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, SQ_SUM_SET_FLAGS, err)) == NULL)
		return -1;
	store_bind_msg(s, st, folder_id, uid);
	store_bind_int(s, st, 3, flags);
	store_bind_int(s, st, 4, (int64_t)modseq);
	if (store_run(s, st, "setting flags", err) == -1)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

/* Forget expunged messages and all that hangs on them. */
int
store_remove_uids(struct store *s, int64_t folder_id, const uint32_t *uids,
    size_t n, char **err)
{
	static const enum store_sq each[] = { SQ_SUM_REMOVE, SQ_FTS_DOC_REMOVE,
		SQ_BODY_DROP, SQ_PENDING_DROP, SQ_MD_REMOVE_UID };
	sqlite3_stmt *st[G_N_ELEMENTS(each)];
	size_t i, j;
	bool outer;
	int rc = 0;

	if (n == 0)
		return 0;
	if (store_txn_begin(s, &outer, err) == -1)
		return -1;
	for (j = 0; j < G_N_ELEMENTS(each) && rc == 0; j++)
		if ((st[j] = store_stmt(s, each[j], err)) == NULL)
			rc = -1;
	for (i = 0; i < n && rc == 0; i++) {
		for (j = 0; j < G_N_ELEMENTS(each) && rc == 0; j++) {
			store_bind_msg(s, st[j], folder_id, uids[i]);
			rc = store_run(s, st[j], "removing messages", err);
		}
	}
	return store_txn_end(s, outer, rc, err);
}

/* The highest UID stored for a folder (0 if none). */
int
store_max_uid(struct store *s, int64_t folder_id, uint32_t *uid, char **err)
{
	sqlite3_stmt *st;
	int64_t v = 0;

	if ((st = store_stmt(s, SQ_SUM_MAX, err)) == NULL)
		return -1;
	store_bind_int(s, st, 1, folder_id);
	if (store_query_int(s, st, &v, "reading the highest UID", err) == -1)
		return -1;
	*uid = (uint32_t)v;
	return 0;
}

/* Every UID stored for a folder, ascending. */
int
store_summary_uids(
    struct store *s, int64_t folder_id, uint32_t **uids, size_t *n, char **err)
{
	uint32_t *arr = NULL;
	size_t len = 0, alloc = 0;
	sqlite3_stmt *st;
	int rc;

	*uids = NULL;
	*n = 0;
	if ((st = store_stmt(s, SQ_SUM_UIDS, err)) == NULL)
		return -1;
	store_bind_int(s, st, 1, folder_id);
	while ((rc = store_step(s, st, "listing UIDs", err)) == SQLITE_ROW) {
		if (len == alloc) {
			alloc = alloc ? alloc * 2 : 1024;
			arr = xreallocarray(arr, alloc, sizeof *arr);
		}
		arr[len++] = (uint32_t)sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc == -1) {
		free(arr);
		return -1;
	}
	*uids = arr;
	*n = len;
	return 0;
}

/* Count a folder's summaries and its unseen ones. */
int
store_summary_counts(struct store *s, int64_t folder_id, uint32_t *total,
    uint32_t *unseen, char **err)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = store_stmt(s, SQ_SUM_COUNTS, err)) == NULL)
		return -1;
	store_bind_int(s, st, 1, folder_id);
	store_bind_int(s, st, 2, MSG_SEEN);
	rc = store_step(s, st, "counting messages", err);
	if (rc == -1)
		return -1;
	*total = (uint32_t)sqlite3_column_int64(st, 0);
	*unseen = (uint32_t)sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return 0;
}

/* ------------------------------------------------------------ pending */

/* Queue a flag change, coalescing with one already queued. */
int
store_pending_add(struct store *s, int64_t folder_id, uint32_t uid,
    uint32_t add, uint32_t remove, char **err)
{
	sqlite3_stmt *st;
	int64_t queued = time(NULL), old_id = 0;
	uint32_t old_add = 0, old_remove = 0;
	bool outer;
	int rc;

	if (((add | remove) & ~MSG_ALL_FLAGS) != 0 ||
	    ((add | remove) & MSG_RECENT) != 0) {
		store_refuse(err, "store: flags 0x%x cannot be changed",
		    (add | remove) & (~MSG_ALL_FLAGS | MSG_RECENT));
		return -1;
	}
	if ((add & remove) != 0) {
		store_refuse(err,
		    "store: a flag cannot be both added and "
		    "removed");
		return -1;
	}
	if (add == 0 && remove == 0)
		return 0;
	if (store_txn_begin(s, &outer, err) == -1)
		return -1;
	if ((st = store_stmt(s, SQ_PENDING_FIND, err)) == NULL)
		goto fail;
	store_bind_msg(s, st, folder_id, uid);
	rc = store_step(s, st, "queueing a flag change", err);
	if (rc == -1)
		goto fail;
	if (rc == SQLITE_ROW) {
		old_id = sqlite3_column_int64(st, 0);
		old_add = (uint32_t)sqlite3_column_int64(st, 1);
		old_remove = (uint32_t)sqlite3_column_int64(st, 2);
		queued = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);

	/* Per flag, the latest wish wins; the row is replaced, not updated,
	 * so that it gets a new seq (AUTOINCREMENT never reuses one). */
	if (old_id != 0) {
		add |= old_add & ~remove;
		remove |= old_remove & ~add;
		if ((st = store_stmt(s, SQ_PENDING_DELETE_ID, err)) == NULL)
			goto fail;
		store_bind_int(s, st, 1, old_id);
		if (store_run(s, st, "queueing a flag change", err) == -1)
			goto fail;
	}
	if ((st = store_stmt(s, SQ_PENDING_INSERT, err)) == NULL)
		goto fail;
	store_bind_msg(s, st, folder_id, uid);
	store_bind_int(s, st, 3, add);
	store_bind_int(s, st, 4, remove);
	store_bind_int(s, st, 5, queued);
	if (store_run(s, st, "queueing a flag change", err) == -1)
		goto fail;
	if ((st = store_stmt(s, SQ_SUM_APPLY, err)) == NULL)
		goto fail;
	store_bind_msg(s, st, folder_id, uid);
	store_bind_int(s, st, 3, add);
	store_bind_int(s, st, 4, remove);
	if (store_run(s, st, "changing flags", err) == -1)
		goto fail;
	return store_txn_end(s, outer, 0, err);

fail:
	store_txn_end(s, outer, -1, err);
	return -1;
}

/* Hand queued changes to cb, in the order they were last changed. */
int
store_pending_list(struct store *s, int64_t folder_id, store_pending_cb cb,
    void *ctx, char **err)
{
	struct store_pending *arr = NULL;
	size_t len = 0, alloc = 0, i;
	sqlite3_stmt *st;
	int rc;

	if ((st = store_stmt(s, SQ_PENDING_LIST, err)) == NULL)
		return -1;
	store_bind_int(s, st, 1, folder_id);
	while ((rc = store_step(s, st, "listing flag changes", err)) ==
	    SQLITE_ROW) {
		if (len == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			arr = xreallocarray(arr, alloc, sizeof *arr);
		}
		arr[len].folder_id = sqlite3_column_int64(st, 0);
		arr[len].uid = (uint32_t)sqlite3_column_int64(st, 1);
		arr[len].add = (uint32_t)sqlite3_column_int64(st, 2);
		arr[len].remove = (uint32_t)sqlite3_column_int64(st, 3);
		arr[len].queued = sqlite3_column_int64(st, 4);
		arr[len].seq = sqlite3_column_int64(st, 5);
		len++;
	}
	sqlite3_reset(st);
	rc = rc == -1 ? -1 : 0;
	for (i = 0; i < len && rc == 0; i++)
		rc = cb(&arr[i], ctx) != 0;
	free(arr);
	return rc;
}

/* The server applied change seq: 1 if it was dropped, 0 if superseded. */
int
store_pending_ack(
    struct store *s, int64_t folder_id, uint32_t uid, int64_t seq, char **err)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, SQ_PENDING_ACK, err)) == NULL)
		return -1;
	store_bind_msg(s, st, folder_id, uid);
	store_bind_int(s, st, 3, seq);
	if (store_run(s, st, "acknowledging a flag change", err) == -1)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

/* Drop what is queued for a message: 1 if there was something. */
int
store_pending_drop(struct store *s, int64_t folder_id, uint32_t uid, char **err)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, SQ_PENDING_DROP, err)) == NULL)
		return -1;
	store_bind_msg(s, st, folder_id, uid);
	if (store_run(s, st, "dropping a flag change", err) == -1)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

/* --------------------------------------------------------------- POP3 */

/* Run a one-string statement; with changes, 1 if a row changed. */
static int
store_run_str(struct store *s, enum store_sq id, const char *v,
    const char *what, bool changes, char **err)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, id, err)) == NULL)
		return -1;
	store_bind_str(s, st, 1, v);
	if (store_run(s, st, what, err) == -1)
		return -1;
	return changes ? sqlite3_changes(s->db) > 0 : 0;
}

/* Was this UIDL downloaded already: 1, 0, or -1. */
int
store_uidl_has(struct store *s, const char *uidl, char **err)
{
	sqlite3_stmt *st;
	int64_t one;

	if ((st = store_stmt(s, SQ_UIDL_HAS, err)) == NULL)
		return -1;
	store_bind_str(s, st, 1, uidl);
	return store_query_int(s, st, &one, "looking up a UIDL", err);
}

/* Record a download: uidl was stored as Maildir file name file. */
int
store_uidl_add(struct store *s, const char *uidl, const char *file,
    int64_t downloaded, char **err)
{
	sqlite3_stmt *st;

	if (uidl == NULL || *uidl == '\0' || file == NULL || *file == '\0') {
		store_refuse(err, "store: a UIDL and a file name are needed");
		return -1;
	}
	if ((st = store_stmt(s, SQ_UIDL_ADD, err)) == NULL)
		return -1;
	store_bind_str(s, st, 1, uidl);
	store_bind_str(s, st, 2, file);
	store_bind_int(s, st, 3, downloaded);
	return store_run(s, st, "recording a download", err);
}

/* One UIDL row, owned, while the list is handed out. */
struct store_uidl_row {
	char *uidl;
	char *file;
	int64_t downloaded;
	bool deleted;
};

/* Hand every downloaded UIDL to cb, oldest download first. */
int
store_uidl_list(struct store *s, store_uidl_cb cb, void *ctx, char **err)
{
	struct store_uidl_row *arr = NULL;
	struct store_uidl u;
	size_t len = 0, alloc = 0, i;
	sqlite3_stmt *st;
	int rc;

	if ((st = store_stmt(s, SQ_UIDL_LIST, err)) == NULL)
		return -1;
	while ((rc = store_step(s, st, "listing UIDLs", err)) == SQLITE_ROW) {
		if (len == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			arr = xreallocarray(arr, alloc, sizeof *arr);
		}
		arr[len].uidl = store_col_str(st, 0);
		arr[len].file = store_col_str(st, 1);
		arr[len].downloaded = sqlite3_column_int64(st, 2);
		arr[len].deleted = sqlite3_column_int64(st, 3) != 0;
		len++;
	}
	sqlite3_reset(st);
	rc = rc == -1 ? -1 : 0;
	for (i = 0; i < len && rc == 0; i++) {
		u.uidl = arr[i].uidl;
		u.file = arr[i].file;
		u.downloaded = arr[i].downloaded;
		u.deleted = arr[i].deleted;
		rc = cb(&u, ctx) != 0;
	}
	for (i = 0; i < len; i++) {
		free(arr[i].uidl);
		free(arr[i].file);
	}
	free(arr);
	return rc;
}

/* The server deleted the message: 1 if the UIDL was known. */
int
store_uidl_mark_deleted(struct store *s, const char *uidl, char **err)
{
	return store_run_str(
	    s, SQ_UIDL_DELETED, uidl, "marking a UIDL deleted", true, err);
}

/* Forget a UIDL (gone from the server's list): 1 if it was known. */
int
store_uidl_forget(struct store *s, const char *uidl, char **err)
{
	return store_run_str(
	    s, SQ_UIDL_FORGET, uidl, "forgetting a UIDL", true, err);
}

/* --------------------------------------------------------- body cache */

/* True if path stays inside the cache directory. */
static bool
store_cache_path_ok(const char *path)
{
	const char *p, *slash;
	size_t len;

	if (path == NULL || *path == '\0' || *path == '/')
		return false;
	for (p = path;; p = slash + 1) {
		slash = strchr(p, '/');
		len = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return false;
		if (slash == NULL)
			return true;
	}
}

/* Record that a message's body is cached at path. */
int
store_body_put(struct store *s, int64_t folder_id, uint32_t uid,
    const char *path, uint64_t size, char **err)
{
	sqlite3_stmt *st;

	if (!store_cache_path_ok(path)) {
		store_refuse(err,
		    "store: cache path %s is not inside the cache directory",
		    path != NULL ? path : "(none)");
		return -1;
	}
	if ((st = store_stmt(s, SQ_BODY_PUT, err)) == NULL)
		return -1;
	store_bind_msg(s, st, folder_id, uid);
	store_bind_str(s, st, 3, path);
	store_bind_int(s, st, 4, (int64_t)size);
	store_bind_int(s, st, 5, time(NULL));
	return store_run(s, st, "recording a cached body", err);
}

/* Where a message's body is cached: 1 with *out, 0 if not cached, -1. */
int
store_body_get(struct store *s, int64_t folder_id, uint32_t uid,
    struct store_body *out, char **err)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	if ((st = store_stmt(s, SQ_BODY_GET, err)) == NULL)
		return -1;
	store_bind_msg(s, st, folder_id, uid);
	rc = store_step(s, st, "looking up a cached body", err);
	if (rc == -1)
		return -1;
	if (rc == SQLITE_ROW) {
		out->path = store_col_str(st, 0);
		out->size = (uint64_t)sqlite3_column_int64(st, 1);
		out->cached = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW;
}

/* Free a store_body's path. */
void
store_body_clear(struct store_body *b)
{
	if (b == NULL)
		return;
	free(b->path);
	memset(b, 0, sizeof *b);
}

/* Forget a cached body (its file becomes an orphan): 1 if it was there. */
int
store_body_drop(struct store *s, int64_t folder_id, uint32_t uid, char **err)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, SQ_BODY_DROP, err)) == NULL)
		return -1;
	store_bind_msg(s, st, folder_id, uid);
	if (store_run(s, st, "dropping a cached body", err) == -1)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

/* Hand each orphaned cache file to cb; forget those it deleted. */
int
store_body_orphans(struct store *s, store_path_cb cb, void *ctx, char **err)
{
	char **paths = NULL;
	size_t len = 0, alloc = 0, i;
	sqlite3_stmt *st;
	int rc;

	if ((st = store_stmt(s, SQ_ORPHANS, err)) == NULL)
		return -1;
	while ((rc = store_step(s, st, "listing orphaned cache files", err)) ==
	    SQLITE_ROW) {
		if (len == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			paths = xreallocarray(paths, alloc, sizeof *paths);
		}
		paths[len++] = store_col_str(st, 0);
	}
	sqlite3_reset(st);
	rc = rc == -1 ? -1 : 0;
	for (i = 0; i < len && rc == 0; i++) {
		if (cb(paths[i], ctx) != 0)
			continue;
		if (store_run_str(s, SQ_ORPHAN_FORGET, paths[i],
			"forgetting an orphaned cache file", false, err) == -1)
			rc = -1;
	}
	for (i = 0; i < len; i++)
		free(paths[i]);
	free(paths);
	return rc;
}

/* ----------------------------------------------------- full-text index */

/* Set a message's whole document in the full-text index. */
int
store_fts_index(struct store *s, int64_t folder_id, uint32_t uid,
    const char *subject, const char *addresses, const char *body_text,
    char **err)
{
	sqlite3_stmt *st;
	int64_t doc = 0;
	bool outer;

	if (store_txn_begin(s, &outer, err) == -1)
		return -1;
	if ((st = store_stmt(s, SQ_FTS_DOC_NEW, err)) == NULL)
		goto fail;
	store_bind_msg(s, st, folder_id, uid);
	if (store_run(s, st, "indexing a message", err) == -1)
		goto fail;
	if ((st = store_stmt(s, SQ_FTS_DOC_ID, err)) == NULL)
		goto fail;
	store_bind_msg(s, st, folder_id, uid);
	if (store_query_int(s, st, &doc, "indexing a message", err) != 1)
		goto fail;
	if ((st = store_stmt(s, SQ_FTS_DELETE, err)) == NULL)
		goto fail;
	store_bind_int(s, st, 1, doc);
	if (store_run(s, st, "indexing a message", err) == -1)
		goto fail;
	if ((st = store_stmt(s, SQ_FTS_PUT, err)) == NULL)
		goto fail;
	store_bind_int(s, st, 1, doc);
	store_bind_str(s, st, 2, subject);
	store_bind_str(s, st, 3, addresses);
	store_bind_str(s, st, 4, body_text);
	if (store_run(s, st, "indexing a message", err) == -1)
		goto fail;
	return store_txn_end(s, outer, 0, err);

fail:
	if (err != NULL && *err == NULL)
		store_refuse(err, "store: indexing a message failed");
	store_txn_end(s, outer, -1, err);
	return -1;
}

/*
 * Turn what the user typed into an FTS5 query that can only mean "all
 * these words": each whitespace-separated word becomes a string with its
 * double quotes doubled, which FTS5 reads as a phrase and never as an
 * operator, a column filter, a prefix or a parenthesis.  NULL (without
 * *err) when there is no word at all.
 */
static char *
store_fts_query(const char *text, char **err)
{
	GString *q;
	const char *p = text;
	size_t terms = 0;

	if (strlen(text) > STORE_SEARCH_MAX_BYTES) {
		store_refuse(err, "search text longer than %d bytes",
		    STORE_SEARCH_MAX_BYTES);
		return NULL;
	}
	q = g_string_new(NULL);
	for (;;) {
		while (*p != '\0' && g_ascii_isspace(*p))
			p++;
		if (*p == '\0')
			break;
		if (++terms > STORE_SEARCH_MAX_TERMS) {
			store_refuse(err, "search has more than %d words",
			    STORE_SEARCH_MAX_TERMS);
			g_string_free(q, TRUE);
			return NULL;
		}
		if (q->len > 0)
			g_string_append_c(q, ' ');
		g_string_append_c(q, '"');
		for (; *p != '\0' && !g_ascii_isspace(*p); p++) {
			if (*p == '"')
				g_string_append_c(q, '"');
			g_string_append_c(q, *p);
		}
		g_string_append_c(q, '"');
	}
	if (terms == 0) {
		g_string_free(q, TRUE);
		return NULL;
	}
	return g_string_free(q, FALSE);
}

/* A search hit, kept while the results are handed out. */
struct store_hit {
	int64_t folder_id;
	uint32_t uid;
};

/* Search the full-text index; see store.h. */
int
store_fts_search(struct store *s, int64_t folder_id, const char *query,
    store_hit_cb cb, void *ctx, char **err)
{
	struct store_hit *hits = NULL;
	size_t len = 0, alloc = 0, i;
	sqlite3_stmt *st;
	char *q, *local_err = NULL;
	int rc;

	q = store_fts_query(query != NULL ? query : "", &local_err);
	if (q == NULL) {
		if (local_err == NULL)
			return 0;
		if (err != NULL)
			*err = local_err;
		else
			free(local_err);
		return -1;
	}
	st = store_stmt(s, SQ_FTS_SEARCH, err);
	if (st == NULL) {
		g_free(q);
		return -1;
	}
	store_bind_str(s, st, 1, q);
	store_bind_int(s, st, 2, folder_id);
	while ((rc = store_step(s, st, "searching", err)) == SQLITE_ROW) {
		if (len == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			hits = xreallocarray(hits, alloc, sizeof *hits);
		}
		hits[len].folder_id = sqlite3_column_int64(st, 0);
		hits[len].uid = (uint32_t)sqlite3_column_int64(st, 1);
		len++;
	}
	sqlite3_reset(st);
	g_free(q);
	rc = rc == -1 ? -1 : 0;
	for (i = 0; i < len && rc == 0; i++)
		rc = cb(hits[i].folder_id, hits[i].uid, ctx) != 0;
	free(hits);
	return rc;
}

/* ------------------------------------------------------- Maildir UIDs */

/* A Maildir key's UID without assigning: 1 with *uid, 0, -1. */
static int
store_maildir_find(struct store *s, int64_t folder_id, const char *key,
    uint32_t *uid, char **err)
{
	sqlite3_stmt *st;
	int64_t v;
	int rc;

	if ((st = store_stmt(s, SQ_MD_FIND, err)) == NULL)
		return -1;
	store_bind_int(s, st, 1, folder_id);
	store_bind_str(s, st, 2, key);
	rc = store_query_int(s, st, &v, "looking up a Maildir UID", err);
	if (rc == 1)
		*uid = (uint32_t)v;
	return rc;
}

/* Inside a transaction: the next UID to give, and the UIDVALIDITY. */
static int
store_maildir_next(struct store *s, int64_t folder_id, int64_t *next,
    int64_t *validity, bool *dirty, char **err)
{
	sqlite3_stmt *st;
	int64_t max = 0;
	int rc;

	if ((st = store_stmt(s, SQ_FOLDER_UIDS, err)) == NULL)
		return -1;
	store_bind_int(s, st, 1, folder_id);
	rc = store_step(s, st, "reading a folder", err);
	if (rc == -1)
		return -1;
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		store_refuse(
		    err, "store: no folder with id %lld", (long long)folder_id);
		return -1;
	}
	*validity = sqlite3_column_int64(st, 0);
	*next = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	if ((st = store_stmt(s, SQ_MD_MAX, err)) == NULL)
		return -1;
	store_bind_int(s, st, 1, folder_id);
	if (store_query_int(s, st, &max, "reading a folder", err) == -1)
		return -1;
	/* Never hand out a UID again, whatever UIDNEXT was set to. */
	*dirty = false;
	if (*next < max + 1)
		*next = max + 1;
	if (*next < STORE_FIRST_UID)
		*next = STORE_FIRST_UID;
	if (*validity == 0) {
		*dirty = true;
		*validity = (int64_t)(uint32_t)time(NULL);
		if (*validity == 0)
			*validity = 1;
	}
	return 0;
}

/* Look up or assign the UIDs of n Maildir keys; see store.h. */
int
store_maildir_assign(struct store *s, int64_t folder_id,
    const char *const *keys, size_t n, uint32_t *uids, char **err)
{
	sqlite3_stmt *st;
	int64_t next, validity;
	size_t i;
	bool outer, dirty;
	int rc;

	for (i = 0; i < n; i++) {
		if (keys[i] == NULL || *keys[i] == '\0') {
			store_refuse(err, "store: empty Maildir file name");
			return -1;
		}
	}
	if (n == 0)
		return 0;
	if (store_txn_begin(s, &outer, err) == -1)
		return -1;
	if (store_maildir_next(s, folder_id, &next, &validity, &dirty, err) ==
	    -1)
		goto fail;
	for (i = 0; i < n; i++) {
		rc = store_maildir_find(s, folder_id, keys[i], &uids[i], err);
		if (rc == -1)
			goto fail;
		if (rc == 1)
			continue;
		if (next > UINT32_MAX) {
			store_refuse(err,
			    "store: folder %lld has run out of "
			    "UIDs",
			    (long long)folder_id);
			goto fail;
		}
		if ((st = store_stmt(s, SQ_MD_INSERT, err)) == NULL)
			goto fail;
		store_bind_int(s, st, 1, folder_id);
		store_bind_str(s, st, 2, keys[i]);
		store_bind_int(s, st, 3, next);
		if (store_run(s, st, "assigning a Maildir UID", err) == -1)
			goto fail;
		uids[i] = (uint32_t)next++;
		dirty = true;
	}
	if (dirty) {
		if ((st = store_stmt(s, SQ_FOLDER_SET_UIDS, err)) == NULL)
			goto fail;
		store_bind_int(s, st, 1, folder_id);
		store_bind_int(s, st, 2, validity);
		store_bind_int(s, st, 3, next);
		if (store_run(s, st, "assigning a Maildir UID", err) == -1)
			goto fail;
	}
	return store_txn_end(s, outer, 0, err);

fail:
	store_txn_end(s, outer, -1, err);
	return -1;
}

/* A Maildir key's UID, assigning the next one if asked: 1, 0, -1. */
int
store_maildir_uid(struct store *s, int64_t folder_id, const char *key,
    bool assign, uint32_t *uid, char **err)
{
	if (key == NULL || *key == '\0') {
		store_refuse(err, "store: empty Maildir file name");
		return -1;
	}
	if (!assign)
		return store_maildir_find(s, folder_id, key, uid, err);
	return store_maildir_assign(s, folder_id, &key, 1, uid, err) == 0 ? 1
									  : -1;
}

/* The Maildir key of a UID: 1 with *key (owned), 0 if none, -1. */
int
store_maildir_key(
    struct store *s, int64_t folder_id, uint32_t uid, char **key, char **err)
{
	sqlite3_stmt *st;
	int rc;

	*key = NULL;
	if ((st = store_stmt(s, SQ_MD_KEY, err)) == NULL)
		return -1;
	store_bind_msg(s, st, folder_id, uid);
	rc = store_step(s, st, "looking up a Maildir file", err);
	if (rc == -1)
		return -1;
	if (rc == SQLITE_ROW)
		*key = store_col_str(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW;
}

/* Forget a Maildir key (its UID is never given again): 1 if known. */
int
store_maildir_remove(
    struct store *s, int64_t folder_id, const char *key, char **err)
{
	sqlite3_stmt *st;

	if ((st = store_stmt(s, SQ_MD_REMOVE, err)) == NULL)
		return -1;
	store_bind_int(s, st, 1, folder_id);
	store_bind_str(s, st, 2, key);
	if (store_run(s, st, "forgetting a Maildir file", err) == -1)
		return -1;
	return sqlite3_changes(s->db) > 0;
}
