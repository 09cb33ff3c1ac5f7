/*
 * test_store.c - the local store (src/store.c).
 *
 * Each test gets its own temporary directory.  Damaged and old stores
 * are built with raw SQL and file writes, then opened the way tern opens
 * them; what is checked is what a user would notice: data kept across
 * restarts and upgrades, a clear refusal or warning, searches that never
 * fail on odd input.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "store/store.h"
#include "model/summary.h"

/* A temporary directory and the store path inside it. */
struct fixture {
	char *dir;
	char *path;
};

/* Make a fresh directory for one test. */
static void
fixture_init(struct fixture *fx)
{
	GError *gerr = NULL;

	fx->dir = g_dir_make_tmp("tern-store-XXXXXX", &gerr);
	g_assert_no_error(gerr);
	fx->path = g_build_filename(fx->dir, "account.db", NULL);
}

/* Remove the directory and everything in it. */
static void
fixture_done(struct fixture *fx)
{
	const char *name;
	char *file;
	GDir *d;

	d = g_dir_open(fx->dir, 0, NULL);
	g_assert_nonnull(d);
	while ((name = g_dir_read_name(d)) != NULL) {
		file = g_build_filename(fx->dir, name, NULL);
		g_assert_cmpint(g_unlink(file), ==, 0);
		g_free(file);
	}
	g_dir_close(d);
	g_assert_cmpint(g_rmdir(fx->dir), ==, 0);
	g_free(fx->dir);
	g_free(fx->path);
}

/* Open a store that must open cleanly, without a warning. */
static struct store *
open_ok(const char *path)
{
	struct store *s;
	char *warning, *err;

	s = store_open(path, &warning, &err);
	if (s == NULL)
		g_error("store_open(%s): %s", path, err);
	g_assert_null(err);
	g_assert_null(warning);
	return s;
}

/* Run SQL on a database file directly, as another program would. */
static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;

	g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		g_error("raw SQL failed: %s", msg);
	sqlite3_close(db);
}

/* One integer read directly from a database file. */
static int64_t
raw_int(const char *path, const char *sql)
{
	sqlite3_stmt *st;
	sqlite3 *db;
	int64_t v;

	g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
	g_assert_cmpint(
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* How many names in dir start with prefix. */
static int
count_files(const char *dir, const char *prefix)
{
	const char *name;
	GDir *d;
	int n = 0;

	d = g_dir_open(dir, 0, NULL);
	g_assert_nonnull(d);
	while ((name = g_dir_read_name(d)) != NULL)
		if (g_str_has_prefix(name, prefix))
			n++;
	g_dir_close(d);
	return n;
}

/* A folder id, created if needed. */
static int64_t
folder(struct store *s, const char *name)
{
	int64_t id = 0;
	char *err = NULL;

	g_assert_cmpint(store_folder_get_or_create(s, name, &id, &err), ==, 0);
	g_assert_null(err);
	g_assert_cmpint(id, >, 0);
	return id;
}

/* A plain summary with a subject. */
static struct summary
simple(uint32_t uid, char *subject)
{
	struct summary m;

	memset(&m, 0, sizeof m);
	m.uid = uid;
	m.subject = subject;
	m.from = "Alice <alice@example.org>";
	m.date = 1700000000 + uid;
	return m;
}

/* Store summaries, which must work. */
static void
put(struct store *s, int64_t fid, const struct summary *arr, size_t n)
{
	char *err = NULL;

	g_assert_cmpint(store_put_summaries(s, fid, arr, n, &err), ==, 0);
	g_assert_null(err);
}

/* True if the folder has a summary for uid. */
static bool
has_summary(struct store *s, int64_t fid, uint32_t uid)
{
	struct summary m;
	char *err = NULL;
	int rc;

	rc = store_get_summary(s, fid, uid, &m, &err);
	g_assert_cmpint(rc, !=, -1);
	summary_clear(&m);
	return rc == 1;
}

/* Collects search hits. */
struct hits {
	int64_t folder[64];
	uint32_t uid[64];
	size_t n;
};

static int
hit_cb(int64_t folder_id, uint32_t uid, void *ctx)
{
	struct hits *h = ctx;

	g_assert_cmpuint(h->n, <, G_N_ELEMENTS(h->uid));
	h->folder[h->n] = folder_id;
	h->uid[h->n] = uid;
	h->n++;
	return 0;
}

/* Search, which must not fail; returns how many hits. */
static size_t
search(struct store *s, int64_t fid, const char *q, struct hits *h)
{
	char *err = NULL;
	int rc;

	memset(h, 0, sizeof *h);
	rc = store_fts_search(s, fid, q, hit_cb, h, &err);
	if (rc != 0)
		g_error("search [%s] failed: %s", q, err);
	g_assert_null(err);
	return h->n;
}

/* Collects pending changes. */
struct pendings {
	struct store_pending p[32];
	size_t n;
};

static int
pending_cb(const struct store_pending *p, void *ctx)
{
	struct pendings *ps = ctx;

	g_assert_cmpuint(ps->n, <, G_N_ELEMENTS(ps->p));
	ps->p[ps->n++] = *p;
	return 0;
}

/* The pending changes of a folder (0: all). */
static void
pending_list(struct store *s, int64_t fid, struct pendings *ps)
{
	char *err = NULL;

	memset(ps, 0, sizeof *ps);
	g_assert_cmpint(
	    store_pending_list(s, fid, pending_cb, ps, &err), ==, 0);
	g_assert_null(err);
}

/* Collects orphaned cache paths; deletes them unless told to fail. */
struct orphans {
	char *path[16];
	size_t n;
	bool refuse;
};

static int
orphan_cb(const char *path, void *ctx)
{
	struct orphans *o = ctx;

	g_assert_cmpuint(o->n, <, G_N_ELEMENTS(o->path));
	o->path[o->n++] = g_strdup(path);
	return o->refuse ? 1 : 0;
}

/* Free collected orphan paths. */
static void
orphans_clear(struct orphans *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		g_free(o->path[i]);
	o->n = 0;
}

static void
test_open_reopen(void)
{
	struct fixture fx;
	struct store *s;
	struct store_folder *list;
	struct stat sb;
	char *warning, *err, *bad;
	int64_t id, id2;
	size_t n;

	store_close(NULL);
	fixture_init(&fx);

	/* A directory that does not exist: an error, no crash. */
	bad = g_build_filename(fx.dir, "missing", "x.db", NULL);
	s = store_open(bad, &warning, &err);
	g_assert_null(s);
	g_assert_null(warning);
	g_assert_nonnull(err);
	g_assert_nonnull(strstr(err, bad));
	free(err);
	g_free(bad);

	s = open_ok(fx.path);
	g_assert_cmpstr(store_path(s), ==, fx.path);
	id = folder(s, "INBOX");
	store_close(s);

	/* Only the owner may read the mail's metadata. */
	g_assert_cmpint(stat(fx.path, &sb), ==, 0);
	g_assert_cmpint(sb.st_mode & 0777, ==, 0600);
	g_assert_cmpint(
	    raw_int(fx.path, "PRAGMA user_version"), ==, STORE_VERSION);
	g_assert_cmpint(raw_int(fx.path, "PRAGMA application_id"), ==,
	    STORE_APPLICATION_ID);

	s = open_ok(fx.path);
	id2 = folder(s, "INBOX");
	g_assert_cmpint(id, ==, id2);
	err = NULL;
	g_assert_cmpint(store_folder_list(s, &list, &n, &err), ==, 0);
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpstr(list[0].name, ==, "INBOX");
	store_folder_array_free(list, n);
	store_close(s);

	/* The mode the store asked for is the one the file has. */
	g_assert_cmpint(raw_int(fx.path,
			    "SELECT journal_mode = 'wal' FROM "
			    "pragma_journal_mode"),
	    ==, 1);
	fixture_done(&fx);
}

/* Version 1 exactly as it shipped, frozen here as the migration input. */
static const char v1_schema[] =
    "CREATE TABLE folders (id INTEGER PRIMARY KEY, name TEXT NOT NULL "
    "UNIQUE, delimiter TEXT, special_use TEXT, uidvalidity INTEGER NOT "
    "NULL DEFAULT 0, uidnext INTEGER NOT NULL DEFAULT 0, highestmodseq "
    "INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0, unseen "
    "INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE summaries (folder_id INTEGER NOT NULL REFERENCES "
    "folders(id) ON DELETE CASCADE, uid INTEGER NOT NULL, modseq INTEGER "
    "NOT NULL DEFAULT 0, flags INTEGER NOT NULL DEFAULT 0, date INTEGER "
    "NOT NULL DEFAULT 0, arrival INTEGER NOT NULL DEFAULT 0, size INTEGER "
    "NOT NULL DEFAULT 0, from_addr TEXT, to_addr TEXT, cc_addr TEXT, "
    "subject TEXT, message_id TEXT, in_reply_to TEXT, refs TEXT, "
    "has_attachment INTEGER NOT NULL DEFAULT 0, key TEXT, PRIMARY KEY "
    "(folder_id, uid));"
    "CREATE TABLE pending (id INTEGER PRIMARY KEY AUTOINCREMENT, folder_id "
    "INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE, uid "
    "INTEGER NOT NULL, add_flags INTEGER NOT NULL, remove_flags INTEGER "
    "NOT NULL, queued INTEGER NOT NULL, UNIQUE (folder_id, uid));"
    "CREATE TABLE pop3_uidls (uidl TEXT PRIMARY KEY, file TEXT NOT NULL, "
    "downloaded INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE maildir_uids (folder_id INTEGER NOT NULL REFERENCES "
    "folders(id) ON DELETE CASCADE, key TEXT NOT NULL, uid INTEGER NOT "
    "NULL, PRIMARY KEY (folder_id, key), UNIQUE (folder_id, uid));"
    "PRAGMA user_version = 1;"
    "PRAGMA application_id = 1952805486;"; /* "tern" */

static void
test_migrate_v1(void)
{
	struct fixture fx;
	struct store *s;
	struct store_folder f;
	struct summary m;
	struct pendings ps;
	struct store_body b;
	struct hits h;
	uint32_t uid;
	char *err = NULL;

	g_assert_cmpint(STORE_APPLICATION_ID, ==, 1952805486);
	fixture_init(&fx);
	raw_exec(fx.path, v1_schema);
	raw_exec(fx.path,
	    "INSERT INTO folders VALUES (1, 'INBOX', '/', NULL, 777, 12, 99, "
	    "2, 1);"
	    "INSERT INTO folders VALUES (2, 'Archiv/Grüße', '/', '\\Archive', "
	    "5, 2, 0, 1, 0);"
	    "INSERT INTO summaries VALUES (1, 10, 42, 1, 1600000000, "
	    "1600000100, 2048, 'Zoë <zoe@example.org>', 'me@example.org', "
	    "NULL, 'Quarterly zucchini report', 'id10@x', NULL, NULL, 1, "
	    "NULL);"
	    "INSERT INTO summaries VALUES (1, 11, 43, 0, 1600000200, "
	    "1600000300, 100, 'bob@example.org', NULL, NULL, 'Lunch?', "
	    "'id11@x', 'id10@x', 'id10@x', 0, NULL);"
	    "INSERT INTO summaries VALUES (2, 1, 0, 1, 1500000000, 1500000000, "
	    "10, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, "
	    "'1500000000.M1P1.host');"
	    "INSERT INTO pending(folder_id, uid, add_flags, remove_flags, "
	    "queued) VALUES (1, 11, 4, 0, 1600000400);"
	    "INSERT INTO pop3_uidls VALUES ('uidl-1', '1500000000.M1P1.host', "
	    "1500000001, 0);"
	    "INSERT INTO maildir_uids VALUES (2, '1500000000.M1P1.host', 1);");

	s = open_ok(fx.path);

	/* Everything version 1 held is still there. */
	g_assert_cmpint(store_folder_get(s, 1, &f, &err), ==, 1);
	g_assert_cmpstr(f.name, ==, "INBOX");
	g_assert_cmpint(f.delimiter, ==, '/');
	g_assert_cmpuint(f.uidvalidity, ==, 777);
	g_assert_cmpuint(f.uidnext, ==, 12);
	g_assert_cmpuint(f.highestmodseq, ==, 99);
	store_folder_clear(&f);
	g_assert_cmpint(store_folder_get(s, 2, &f, &err), ==, 1);
	g_assert_cmpstr(f.name, ==, "Archiv/Grüße");
	g_assert_cmpstr(f.special_use, ==, "\\Archive");
	store_folder_clear(&f);
	g_assert_cmpint(store_get_summary(s, 1, 10, &m, &err), ==, 1);
	g_assert_cmpstr(m.from, ==, "Zoë <zoe@example.org>");
	g_assert_cmpstr(m.subject, ==, "Quarterly zucchini report");
	g_assert_cmpuint(m.size, ==, 2048);
	g_assert_true(m.has_attachment);
	g_assert_null(m.cc);
	summary_clear(&m);
	pending_list(s, 0, &ps);
	g_assert_cmpuint(ps.n, ==, 1);
	g_assert_cmpuint(ps.p[0].uid, ==, 11);
	g_assert_cmpuint(ps.p[0].add, ==, MSG_FLAGGED);
	g_assert_cmpint(store_uidl_has(s, "uidl-1", &err), ==, 1);
	g_assert_cmpint(
	    store_maildir_uid(s, 2, "1500000000.M1P1.host", false, &uid, &err),
	    ==, 1);
	g_assert_cmpuint(uid, ==, 1);

	/* What version 2 added works, on old data too. */
	g_assert_cmpuint(search(s, 0, "zucchini", &h), ==, 1);
	g_assert_cmpint(h.folder[0], ==, 1);
	g_assert_cmpuint(h.uid[0], ==, 10);
	g_assert_cmpuint(search(s, 1, "zoe", &h), ==, 1);
	g_assert_cmpuint(search(s, 1, "bob", &h), ==, 1);
	g_assert_cmpuint(h.uid[0], ==, 11);
	g_assert_cmpint(
	    store_body_put(s, 1, 10, "1/10.eml", 2048, &err), ==, 0);
	g_assert_cmpint(store_body_get(s, 1, 10, &b, &err), ==, 1);
	g_assert_cmpstr(b.path, ==, "1/10.eml");
	store_body_clear(&b);
	g_assert_cmpint(store_fts_index(s, 1, 11, "Lunch?", "bob@example.org",
			    "see you at the noodle place", &err),
	    ==, 0);
	g_assert_cmpuint(search(s, 1, "noodle", &h), ==, 1);
	g_assert_null(err);
	store_close(s);

	g_assert_cmpint(raw_int(fx.path, "PRAGMA user_version"), ==, 2);
	/* Opening again does not migrate again (it would fail if it did). */
	s = open_ok(fx.path);
	g_assert_cmpuint(search(s, 0, "zucchini", &h), ==, 1);
	store_close(s);
	fixture_done(&fx);
}

static void
test_refuse_newer(void)
{
	struct fixture fx;
	struct store *s;
	char *warning, *err, *sql;

	fixture_init(&fx);
	s = open_ok(fx.path);
	folder(s, "INBOX");
	store_close(s);
	sql = g_strdup_printf("PRAGMA user_version = %d", STORE_VERSION + 1);
	raw_exec(fx.path, sql);
	g_free(sql);

	s = store_open(fx.path, &warning, &err);
	g_assert_null(s);
	g_assert_null(warning);
	g_assert_nonnull(err);
	g_assert_nonnull(strstr(err, "newer tern"));
	free(err);
	/* Left exactly where and as it was: not moved, not downgraded. */
	g_assert_cmpint(count_files(fx.dir, "account.db.corrupt"), ==, 0);
	g_assert_cmpint(
	    raw_int(fx.path, "PRAGMA user_version"), ==, STORE_VERSION + 1);
	g_assert_cmpint(
	    raw_int(fx.path, "SELECT count(*) FROM folders"), ==, 1);
	fixture_done(&fx);
}

static void
test_refuse_foreign(void)
{
	static const char *const sqls[] = {
		"CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('x')",
		"CREATE TABLE notes (t TEXT); PRAGMA user_version = 1",
	};
	struct fixture fx;
	struct store *s;
	char *warning, *err;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(sqls); i++) {
		fixture_init(&fx);
		raw_exec(fx.path, sqls[i]);
		s = store_open(fx.path, &warning, &err);
		g_assert_null(s);
		g_assert_nonnull(err);
		g_assert_nonnull(strstr(err, "not a tern store"));
		free(err);
		g_assert_cmpint(
		    count_files(fx.dir, "account.db.corrupt"), ==, 0);
		g_assert_cmpint(
		    raw_int(fx.path, "SELECT count(*) FROM notes"), >=, 0);
		fixture_done(&fx);
	}
}

/* Ways a store file gets damaged. */
enum damage { DAMAGE_HEADER, DAMAGE_TRUNCATE, DAMAGE_PAGES, DAMAGE_FREELIST };

/* Damage the file at path. */
static void
damage_file(const char *path, enum damage how)
{
	char junk[4096];
	struct stat sb;
	size_t i;
	FILE *f;

	g_assert_cmpint(stat(path, &sb), ==, 0);
	g_assert_cmpint(sb.st_size, >, 16 * 4096);
	for (i = 0; i < sizeof junk; i++)
		junk[i] = (char)(i * 7 + 13);
	switch (how) {
	case DAMAGE_HEADER:
		f = fopen(path, "r+b");
		g_assert_nonnull(f);
		g_assert_cmpuint(fwrite(junk, 1, 100, f), ==, 100);
		fclose(f);
		break;
	case DAMAGE_TRUNCATE:
		g_assert_cmpint(truncate(path, sb.st_size / 2), ==, 0);
		break;
	case DAMAGE_PAGES:
		/* Every b-tree page after the schema's gets garbage. */
		f = fopen(path, "r+b");
		g_assert_nonnull(f);
		g_assert_cmpint(fseek(f, 4096, SEEK_SET), ==, 0);
		for (i = 1; i < (size_t)sb.st_size / 4096; i++)
			g_assert_cmpuint(
			    fwrite(junk, 1, sizeof junk, f), ==, sizeof junk);
		fclose(f);
		break;
	case DAMAGE_FREELIST:
		/* Subtle: SQLite opens it, only quick_check sees the lie. */
		f = fopen(path, "r+b");
		g_assert_nonnull(f);
		g_assert_cmpint(fseek(f, 36, SEEK_SET), ==, 0);
		g_assert_cmpuint(fwrite("\0\0\0\5", 1, 4, f), ==, 4);
		fclose(f);
		break;
	}
}

static void
test_corrupt(void)
{
	static const enum damage cases[] = { DAMAGE_HEADER, DAMAGE_TRUNCATE,
		DAMAGE_PAGES, DAMAGE_FREELIST };
	struct summary arr[500];
	struct store_folder *list;
	struct fixture fx;
	struct store *s;
	char *warning, *err, subject[64];
	struct stat sb;
	int64_t fid;
	size_t i, j, n;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		fixture_init(&fx);
		s = open_ok(fx.path);
		fid = folder(s, "INBOX");
		for (j = 0; j < G_N_ELEMENTS(arr); j++) {
			g_snprintf(subject, sizeof subject,
			    "message number %zu with some padding text", j);
			arr[j] = simple((uint32_t)j + 1, g_strdup(subject));
		}
		put(s, fid, arr, G_N_ELEMENTS(arr));
		for (j = 0; j < G_N_ELEMENTS(arr); j++) {
			g_free(arr[j].subject);
			arr[j].subject = NULL;
		}
		store_close(s);
		damage_file(fx.path, cases[i]);

		s = store_open(fx.path, &warning, &err);
		g_assert_null(err);
		g_assert_nonnull(s);
		/* The user is told, with where the old file went. */
		g_assert_nonnull(warning);
		g_assert_nonnull(strstr(warning, "damaged"));
		g_assert_nonnull(strstr(warning, ".corrupt-"));
		g_assert_null(strchr(warning, '\n'));
		g_test_message("%s", warning);
		free(warning);
		g_assert_cmpint(
		    count_files(fx.dir, "account.db.corrupt-"), ==, 1);

		/* The fresh store is empty and works, across a restart. */
		g_assert_cmpint(store_folder_list(s, &list, &n, &err), ==, 0);
		g_assert_cmpuint(n, ==, 0);
		store_folder_array_free(list, n);
		fid = folder(s, "INBOX");
		put(s, fid, arr, 1);
		store_close(s);
		s = open_ok(fx.path);
		g_assert_true(has_summary(s, fid, 1));
		store_close(s);
		g_assert_cmpint(stat(fx.path, &sb), ==, 0);
		g_assert_cmpint(sb.st_mode & 0777, ==, 0600);
		fixture_done(&fx);
	}
}

/* Every field of two summaries is equal (NULL only equals NULL). */
static void
assert_summary_eq(const struct summary *a, const struct summary *b)
{
	g_assert_cmpuint(a->uid, ==, b->uid);
	g_assert_cmpuint(a->flags, ==, b->flags);
	g_assert_cmpuint(a->modseq, ==, b->modseq);
	g_assert_cmpint(a->date, ==, b->date);
	g_assert_cmpint(a->arrival, ==, b->arrival);
	g_assert_cmpuint(a->size, ==, b->size);
	g_assert_cmpstr(a->from, ==, b->from);
	g_assert_cmpstr(a->to, ==, b->to);
	g_assert_cmpstr(a->cc, ==, b->cc);
	g_assert_cmpstr(a->subject, ==, b->subject);
	g_assert_cmpstr(a->message_id, ==, b->message_id);
	g_assert_cmpstr(a->in_reply_to, ==, b->in_reply_to);
	g_assert_cmpstr(a->references, ==, b->references);
	g_assert_cmpint(a->has_attachment, ==, b->has_attachment);
	g_assert_cmpstr(a->key, ==, b->key);
}

static void
test_summaries_roundtrip(void)
{
	static const struct summary cases[] = {
		/* Nothing known but the UID. */
		{ .uid = 1 },
		/* Empty strings stay empty, not NULL. */
		{ .uid = 2,
		    .from = "",
		    .to = "",
		    .cc = "",
		    .subject = "",
		    .message_id = "",
		    .in_reply_to = "",
		    .references = "",
		    .key = "" },
		{ .uid = 3,
		    .flags = MSG_ALL_FLAGS,
		    .modseq = UINT64_MAX,
		    .date = -86400,
		    .arrival = INT64_MAX,
		    .size = UINT64_MAX,
		    .from = "Jürgen Groß <jg@bücher.example>",
		    .to = "日本語 <nihongo@example.jp>, \"O'Brien; \\\" x\" "
			  "<ob@example.ie>",
		    .cc = "Ελένη <e@example.gr>",
		    .subject = "Re: ✉ “quotes” 'single' %s %n \\ NULL -- ;",
		    .message_id = "abc@def",
		    .in_reply_to = "ghi@jkl",
		    .references = "a@b c@d ghi@jkl",
		    .has_attachment = true,
		    .key = "1700000000.M1P2.host" },
		{ .uid = UINT32_MAX,
		    .flags = MSG_SEEN,
		    .modseq = 1,
		    .subject = "last possible UID" },
	};
	struct summary m, replaced;
	struct fixture fx;
	struct store *s;
	char *err = NULL;
	int64_t fid;
	size_t i;

	fixture_init(&fx);
	s = open_ok(fx.path);
	fid = folder(s, "INBOX");

	/* UID 0 and an unknown folder are refused, nothing written. */
	m = simple(0, "zero");
	g_assert_cmpint(store_put_summaries(s, fid, &m, 1, &err), ==, -1);
	g_assert_nonnull(err);
	free(err);
	err = NULL;
	m = simple(5, "nowhere");
	g_assert_cmpint(store_put_summaries(s, fid + 100, &m, 1, &err), ==, -1);
	g_assert_nonnull(err);
	free(err);
	err = NULL;
	g_assert_cmpint(store_put_summaries(s, fid, NULL, 0, &err), ==, 0);

	put(s, fid, cases, G_N_ELEMENTS(cases));
	store_close(s);
	s = open_ok(fx.path);
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_assert_cmpint(
		    store_get_summary(s, fid, cases[i].uid, &m, &err), ==, 1);
		assert_summary_eq(&m, &cases[i]);
		summary_clear(&m);
	}
	g_assert_cmpint(store_get_summary(s, fid, 4, &m, &err), ==, 0);
	g_assert_null(m.subject);

	/* Writing a UID again replaces the whole row. */
	replaced = cases[2];
	replaced.subject = NULL;
	replaced.flags = MSG_SEEN;
	put(s, fid, &replaced, 1);
	g_assert_cmpint(store_get_summary(s, fid, 3, &m, &err), ==, 1);
	assert_summary_eq(&m, &replaced);
	summary_clear(&m);
	g_assert_null(err);
	store_close(s);
	fixture_done(&fx);
}

/* Records what store_load_summaries hands out. */
struct loaded {
	uint32_t uids[2000];
	size_t n;
	size_t batches;
	size_t max_batch;
	size_t stop_after; /* batches; 0 = never stop */
	char *kept; /* a subject moved out of the store's array */
};

static int
load_cb(struct summary *arr, size_t n, void *ctx)
{
	struct loaded *l = ctx;
	size_t i;

	l->batches++;
	if (n > l->max_batch)
		l->max_batch = n;
	for (i = 0; i < n; i++) {
		g_assert_cmpuint(l->n, <, G_N_ELEMENTS(l->uids));
		l->uids[l->n++] = arr[i].uid;
	}
	if (l->kept == NULL) {
		l->kept = arr[0].subject;
		arr[0].subject = NULL;
	}
	return l->stop_after != 0 && l->batches >= l->stop_after;
}

static void
test_load_batches(void)
{
	struct summary arr[1000];
	struct loaded l;
	struct fixture fx;
	struct store *s;
	char *err = NULL, subject[32];
	int64_t fid, other;
	uint32_t uid, last;
	size_t i, j, total;

	fixture_init(&fx);
	s = open_ok(fx.path);
	fid = folder(s, "INBOX");
	other = folder(s, "Other");

	/* An empty folder calls nothing and is not an error. */
	memset(&l, 0, sizeof l);
	g_assert_cmpint(
	    store_load_summaries(s, fid, 0, 10, load_cb, &l, &err), ==, 0);
	g_assert_cmpuint(l.batches, ==, 0);

	/* UIDs 1..1000, written out of order, in three chunks. */
	for (i = 0; i < G_N_ELEMENTS(arr); i++) {
		uid = (uint32_t)((i * 379) % 1000) + 1;
		g_snprintf(subject, sizeof subject, "subject %u", uid);
		arr[i] = simple(uid, g_strdup(subject));
	}
	put(s, fid, arr, 300);
	put(s, fid, arr + 300, 300);
	put(s, fid, arr + 600, 400);
	put(s, other, arr, 10);
	for (i = 0; i < G_N_ELEMENTS(arr); i++)
		g_free(arr[i].subject);

	memset(&l, 0, sizeof l);
	g_assert_cmpint(
	    store_load_summaries(s, fid, 0, 64, load_cb, &l, &err), ==, 0);
	g_assert_null(err);
	g_assert_cmpuint(l.n, ==, 1000);
	g_assert_cmpuint(l.batches, ==, 16);
	g_assert_cmpuint(l.max_batch, ==, 64);
	for (i = 0; i < l.n; i++)
		g_assert_cmpuint(l.uids[i], ==, 1000 - i);
	g_assert_cmpstr(l.kept, ==, "subject 1000");
	g_free(l.kept);

	/* Stop after two batches, then resume below the last UID seen. */
	memset(&l, 0, sizeof l);
	l.stop_after = 2;
	g_assert_cmpint(
	    store_load_summaries(s, fid, 0, 100, load_cb, &l, &err), ==, 1);
	g_assert_cmpuint(l.n, ==, 200);
	last = l.uids[l.n - 1];
	g_assert_cmpuint(last, ==, 801);
	g_free(l.kept);
	total = l.n;
	memset(&l, 0, sizeof l);
	g_assert_cmpint(
	    store_load_summaries(s, fid, last, 100, load_cb, &l, &err), ==, 0);
	total += l.n;
	g_assert_cmpuint(total, ==, 1000);
	for (j = 0; j < l.n; j++)
		g_assert_cmpuint(l.uids[j], ==, 800 - j);
	g_free(l.kept);

	/* The other folder holds only its own ten. */
	memset(&l, 0, sizeof l);
	g_assert_cmpint(
	    store_load_summaries(s, other, 0, 0, load_cb, &l, &err), ==, 0);
	g_assert_cmpuint(l.n, ==, 10);
	g_free(l.kept);
	store_close(s);
	fixture_done(&fx);
}

static void
test_flags_and_removal(void)
{
	struct summary arr[5], m;
	struct store_body b;
	struct fixture fx;
	struct store *s;
	struct hits h;
	struct pendings ps;
	static const char *const mdkeys[] = { "k1", "k2" };
	static const uint32_t gone[] = { 2, 4, 99 };
	uint32_t *uids, maxuid, total, unseen, mduids[2];
	char *err = NULL, *key;
	int64_t fid;
	size_t i, n;

	fixture_init(&fx);
	s = open_ok(fx.path);
	fid = folder(s, "INBOX");
	g_assert_cmpint(store_max_uid(s, fid, &maxuid, &err), ==, 0);
	g_assert_cmpuint(maxuid, ==, 0);
	for (i = 0; i < G_N_ELEMENTS(arr); i++) {
		arr[i] = simple((uint32_t)i + 1, "flamingo");
		arr[i].modseq = 10;
	}
	put(s, fid, arr, G_N_ELEMENTS(arr));

	g_assert_cmpint(
	    store_set_flags(s, fid, 1, MSG_SEEN | MSG_FLAGGED, 0, &err), ==, 1);
	g_assert_cmpint(store_set_flags(s, fid, 3, MSG_SEEN, 20, &err), ==, 1);
	g_assert_cmpint(store_set_flags(s, fid, 77, MSG_SEEN, 0, &err), ==, 0);
	g_assert_cmpint(store_get_summary(s, fid, 1, &m, &err), ==, 1);
	g_assert_cmpuint(m.flags, ==, MSG_SEEN | MSG_FLAGGED);
	g_assert_cmpuint(m.modseq, ==, 10);
	summary_clear(&m);
	g_assert_cmpint(store_get_summary(s, fid, 3, &m, &err), ==, 1);
	g_assert_cmpuint(m.modseq, ==, 20);
	summary_clear(&m);
	g_assert_cmpint(
	    store_summary_counts(s, fid, &total, &unseen, &err), ==, 0);
	g_assert_cmpuint(total, ==, 5);
	g_assert_cmpuint(unseen, ==, 3);

	/* What hangs on UID 2 goes with it when it is expunged. */
	g_assert_cmpint(store_body_put(s, fid, 2, "b/2", 10, &err), ==, 0);
	g_assert_cmpint(store_pending_add(s, fid, 2, MSG_SEEN, 0, &err), ==, 0);
	g_assert_cmpint(
	    store_maildir_assign(s, fid, mdkeys, 2, mduids, &err), ==, 0);
	g_assert_cmpuint(mduids[1], ==, 2);
	g_assert_cmpint(store_remove_uids(s, fid, gone, 3, &err), ==, 0);
	g_assert_null(err);
	g_assert_false(has_summary(s, fid, 2));
	g_assert_false(has_summary(s, fid, 4));
	g_assert_true(has_summary(s, fid, 5));
	g_assert_cmpint(store_body_get(s, fid, 2, &b, &err), ==, 0);
	g_assert_cmpint(store_maildir_key(s, fid, 2, &key, &err), ==, 0);
	g_assert_cmpint(store_maildir_key(s, fid, 1, &key, &err), ==, 1);
	g_assert_cmpstr(key, ==, "k1");
	free(key);
	pending_list(s, fid, &ps);
	g_assert_cmpuint(ps.n, ==, 0);
	g_assert_cmpuint(search(s, fid, "flamingo", &h), ==, 3);
	g_assert_cmpuint(h.uid[0], ==, 5);
	g_assert_cmpuint(h.uid[1], ==, 3);
	g_assert_cmpuint(h.uid[2], ==, 1);

	g_assert_cmpint(store_summary_uids(s, fid, &uids, &n, &err), ==, 0);
	g_assert_cmpuint(n, ==, 3);
	g_assert_cmpuint(uids[0], ==, 1);
	g_assert_cmpuint(uids[1], ==, 3);
	g_assert_cmpuint(uids[2], ==, 5);
	free(uids);
	g_assert_cmpint(store_max_uid(s, fid, &maxuid, &err), ==, 0);
	g_assert_cmpuint(maxuid, ==, 5);
	g_assert_cmpint(store_remove_uids(s, fid, NULL, 0, &err), ==, 0);
	g_assert_null(err);
	store_close(s);
	fixture_done(&fx);
}

/* Put a cached body, an index row, a pending change and a Maildir UID. */
static void
fill_folder(struct store *s, int64_t fid, const char *word)
{
	struct summary arr[3];
	char *err = NULL, *path;
	uint32_t uid;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(arr); i++)
		arr[i] = simple((uint32_t)i + 1, (char *)word);
	put(s, fid, arr, G_N_ELEMENTS(arr));
	path = g_strdup_printf("%lld/1", (long long)fid);
	g_assert_cmpint(store_body_put(s, fid, 1, path, 5, &err), ==, 0);
	g_free(path);
	g_assert_cmpint(store_pending_add(s, fid, 2, MSG_SEEN, 0, &err), ==, 0);
	g_assert_cmpint(
	    store_maildir_uid(s, fid, "key-a", true, &uid, &err), ==, 1);
	g_assert_null(err);
}

static void
test_uidvalidity_reset(void)
{
	struct store_folder f;
	struct store_body b;
	struct orphans o;
	struct fixture fx;
	struct store *s;
	struct pendings ps;
	struct hits h;
	char *err = NULL;
	int64_t a, other;
	uint32_t uid;

	fixture_init(&fx);
	s = open_ok(fx.path);
	a = folder(s, "INBOX");
	other = folder(s, "Sent");

	/* First time known: nothing to discard. */
	g_assert_cmpint(store_folder_set_uidvalidity(s, a, 100, &err), ==, 0);
	fill_folder(s, a, "walrus");
	fill_folder(s, other, "walrus");
	g_assert_cmpint(store_folder_get(s, a, &f, &err), ==, 1);
	f.uidnext = 50;
	f.highestmodseq = 9000;
	f.total = 3;
	g_assert_cmpint(store_folder_update(s, &f, &err), ==, 0);
	g_assert_cmpint(store_folder_set_uidvalidity(s, a, 100, &err), ==, 0);
	g_assert_true(has_summary(s, a, 1));

	/* The server changed UIDVALIDITY. */
	f.uidvalidity = 200;
	f.uidnext = 7;
	g_assert_cmpint(store_folder_update(s, &f, &err), ==, 1);
	g_assert_null(err);
	store_folder_clear(&f);
	g_assert_cmpint(store_folder_get(s, a, &f, &err), ==, 1);
	g_assert_cmpuint(f.uidvalidity, ==, 200);
	g_assert_cmpuint(f.uidnext, ==, 7);
	store_folder_clear(&f);

	g_assert_false(has_summary(s, a, 1));
	g_assert_cmpint(store_body_get(s, a, 1, &b, &err), ==, 0);
	pending_list(s, a, &ps);
	g_assert_cmpuint(ps.n, ==, 0);
	g_assert_cmpuint(search(s, a, "walrus", &h), ==, 0);
	g_assert_cmpint(
	    store_maildir_uid(s, a, "key-a", false, &uid, &err), ==, 0);
	/* The orphaned body file is handed over for deletion. */
	memset(&o, 0, sizeof o);
	g_assert_cmpint(store_body_orphans(s, orphan_cb, &o, &err), ==, 0);
	g_assert_cmpuint(o.n, ==, 1);
	g_assert_cmpstr(o.path[0], ==, "1/1");
	orphans_clear(&o);

	/* The other folder kept everything. */
	g_assert_true(has_summary(s, other, 1));
	g_assert_cmpint(store_body_get(s, other, 1, &b, &err), ==, 1);
	store_body_clear(&b);
	pending_list(s, 0, &ps);
	g_assert_cmpuint(ps.n, ==, 1);
	g_assert_cmpint(ps.p[0].folder_id, ==, other);
	g_assert_cmpuint(search(s, 0, "walrus", &h), ==, 3);
	g_assert_cmpint(h.folder[0], ==, other);
	g_assert_cmpint(
	    store_maildir_uid(s, other, "key-a", false, &uid, &err), ==, 1);

	/* The direct call resets too, counters included. */
	fill_folder(s, a, "narwhal");
	g_assert_cmpint(store_folder_set_uidvalidity(s, a, 300, &err), ==, 1);
	g_assert_false(has_summary(s, a, 2));
	g_assert_cmpint(store_folder_get(s, a, &f, &err), ==, 1);
	g_assert_cmpuint(f.uidvalidity, ==, 300);
	g_assert_cmpuint(f.uidnext, ==, 0);
	g_assert_cmpuint(f.highestmodseq, ==, 0);
	store_folder_clear(&f);
	g_assert_cmpint(store_folder_set_uidvalidity(s, 999, 1, &err), ==, -1);
	g_assert_nonnull(err);
	free(err);
	store_close(s);
	fixture_done(&fx);
}

static void
test_pending(void)
{
	/* A sequence of changes to one message and what must be queued. */
	static const struct {
		uint32_t change[3][2]; /* add, remove; {0, 0} ends */
		uint32_t add, remove;
	} cases[] = {
		{ { { MSG_SEEN, 0 } }, MSG_SEEN, 0 },
		{ { { MSG_SEEN, 0 }, { MSG_SEEN, 0 } }, MSG_SEEN, 0 },
		{ { { MSG_SEEN, 0 }, { 0, MSG_SEEN } }, 0, MSG_SEEN },
		{ { { 0, MSG_SEEN }, { MSG_SEEN, 0 } }, MSG_SEEN, 0 },
		{ { { MSG_SEEN, 0 }, { MSG_FLAGGED, 0 } },
		    MSG_SEEN | MSG_FLAGGED, 0 },
		{ { { MSG_SEEN | MSG_FLAGGED, 0 }, { 0, MSG_FLAGGED } },
		    MSG_SEEN, MSG_FLAGGED },
		{ { { MSG_DELETED, MSG_ANSWERED }, { MSG_ANSWERED, 0 },
		      { 0, MSG_DELETED } },
		    MSG_ANSWERED, MSG_DELETED },
	};
	struct summary arr[G_N_ELEMENTS(cases)], m;
	struct pendings ps;
	struct fixture fx;
	struct store *s;
	char *err = NULL;
	int64_t fid, other, before, seq;
	size_t i, j;

	fixture_init(&fx);
	s = open_ok(fx.path);
	fid = folder(s, "INBOX");
	other = folder(s, "Trash");
	for (i = 0; i < G_N_ELEMENTS(arr); i++) {
		arr[i] = simple((uint32_t)i + 1, "x");
		arr[i].flags = MSG_ANSWERED;
	}
	put(s, fid, arr, G_N_ELEMENTS(arr));

	/* Refused: nonsense flags, \Recent, the same flag both ways. */
	g_assert_cmpint(store_pending_add(s, fid, 1, 0x1000, 0, &err), ==, -1);
	free(err);
	err = NULL;
	g_assert_cmpint(
	    store_pending_add(s, fid, 1, MSG_RECENT, 0, &err), ==, -1);
	free(err);
	err = NULL;
	g_assert_cmpint(
	    store_pending_add(s, fid, 1, MSG_SEEN, MSG_SEEN, &err), ==, -1);
	free(err);
	err = NULL;
	g_assert_cmpint(store_pending_add(s, fid, 1, 0, 0, &err), ==, 0);
	pending_list(s, 0, &ps);
	g_assert_cmpuint(ps.n, ==, 0);

	before = time(NULL);
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		for (j = 0; j < 3 &&
		     (cases[i].change[j][0] | cases[i].change[j][1]) != 0;
		     j++)
			g_assert_cmpint(
			    store_pending_add(s, fid, (uint32_t)i + 1,
				cases[i].change[j][0], cases[i].change[j][1],
				&err),
			    ==, 0);
	}
	g_assert_cmpint(
	    store_pending_add(s, other, 5, MSG_DELETED, 0, &err), ==, 0);
	g_assert_null(err);
	store_close(s);

	/* Survives a restart, one row per message, coalesced. */
	s = open_ok(fx.path);
	pending_list(s, fid, &ps);
	g_assert_cmpuint(ps.n, ==, G_N_ELEMENTS(cases));
	for (j = 0; j < ps.n; j++) {
		i = ps.p[j].uid - 1;
		g_assert_cmpuint(i, <, G_N_ELEMENTS(cases));
		g_assert_cmpint(ps.p[j].folder_id, ==, fid);
		g_assert_cmpuint(ps.p[j].add, ==, cases[i].add);
		g_assert_cmpuint(ps.p[j].remove, ==, cases[i].remove);
		g_assert_cmpint(ps.p[j].queued, >=, before);
		g_assert_cmpint(ps.p[j].queued, <=, time(NULL));
		/* The local copy shows the change already. */
		g_assert_cmpint(
		    store_get_summary(s, fid, ps.p[j].uid, &m, &err), ==, 1);
		g_assert_cmpuint(m.flags, ==,
		    (MSG_ANSWERED | cases[i].add) & ~cases[i].remove);
		summary_clear(&m);
	}
	pending_list(s, 0, &ps);
	g_assert_cmpuint(ps.n, ==, G_N_ELEMENTS(cases) + 1);
	pending_list(s, other, &ps);
	g_assert_cmpuint(ps.n, ==, 1);

	/* An acknowledgement of a change that was since replaced. */
	pending_list(s, fid, &ps);
	for (j = 0; ps.p[j].uid != 1; j++)
		;
	seq = ps.p[j].seq;
	g_assert_cmpint(
	    store_pending_add(s, fid, 1, MSG_FLAGGED, 0, &err), ==, 0);
	g_assert_cmpint(store_pending_ack(s, fid, 1, seq, &err), ==, 0);
	pending_list(s, fid, &ps);
	for (j = 0; ps.p[j].uid != 1; j++)
		;
	g_assert_cmpuint(ps.p[j].add, ==, MSG_SEEN | MSG_FLAGGED);
	g_assert_cmpint(ps.p[j].seq, >, seq);
	g_assert_cmpint(store_pending_ack(s, fid, 1, ps.p[j].seq, &err), ==, 1);
	g_assert_cmpint(store_pending_drop(s, fid, 2, &err), ==, 1);
	g_assert_cmpint(store_pending_drop(s, fid, 2, &err), ==, 0);
	pending_list(s, fid, &ps);
	g_assert_cmpuint(ps.n, ==, G_N_ELEMENTS(cases) - 2);
	g_assert_null(err);
	store_close(s);
	fixture_done(&fx);
}

/* Collects UIDLs. */
struct uidls {
	char *uidl[8];
	char *file[8];
	int64_t downloaded[8];
	bool deleted[8];
	size_t n;
};

static int
uidl_cb(const struct store_uidl *u, void *ctx)
{
	struct uidls *l = ctx;

	g_assert_cmpuint(l->n, <, G_N_ELEMENTS(l->uidl));
	l->uidl[l->n] = g_strdup(u->uidl);
	l->file[l->n] = g_strdup(u->file);
	l->downloaded[l->n] = u->downloaded;
	l->deleted[l->n] = u->deleted;
	l->n++;
	return 0;
}

/* Free collected UIDLs. */
static void
uidls_clear(struct uidls *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		g_free(l->uidl[i]);
		g_free(l->file[i]);
	}
	memset(l, 0, sizeof *l);
}

static void
test_uidl(void)
{
	static const char hostile[] = "'); DROP TABLE pop3_uidls; --\"%s";
	struct fixture fx;
	struct store *s;
	struct uidls l;
	char *err = NULL;

	fixture_init(&fx);
	s = open_ok(fx.path);
	g_assert_cmpint(store_uidl_has(s, "", &err), ==, 0);
	g_assert_cmpint(store_uidl_has(s, "abc", &err), ==, 0);
	g_assert_cmpint(store_uidl_add(s, "", "f", 1, &err), ==, -1);
	g_assert_nonnull(err);
	free(err);
	err = NULL;
	g_assert_cmpint(store_uidl_add(s, "abc", "1.M1.h", 200, &err), ==, 0);
	g_assert_cmpint(store_uidl_add(s, hostile, "0.M0.h", 100, &err), ==, 0);
	g_assert_cmpint(store_uidl_has(s, "abc", &err), ==, 1);
	g_assert_cmpint(store_uidl_has(s, "ABC", &err), ==, 0);
	g_assert_cmpint(store_uidl_mark_deleted(s, "abc", &err), ==, 1);
	g_assert_cmpint(store_uidl_mark_deleted(s, "nope", &err), ==, 0);
	store_close(s);

	s = open_ok(fx.path);
	memset(&l, 0, sizeof l);
	g_assert_cmpint(store_uidl_list(s, uidl_cb, &l, &err), ==, 0);
	g_assert_cmpuint(l.n, ==, 2);
	g_assert_cmpstr(l.uidl[0], ==, hostile);
	g_assert_cmpstr(l.file[0], ==, "0.M0.h");
	g_assert_cmpint(l.downloaded[0], ==, 100);
	g_assert_false(l.deleted[0]);
	g_assert_cmpstr(l.uidl[1], ==, "abc");
	g_assert_cmpstr(l.file[1], ==, "1.M1.h");
	g_assert_true(l.deleted[1]);
	uidls_clear(&l);

	g_assert_cmpint(store_uidl_forget(s, "abc", &err), ==, 1);
	g_assert_cmpint(store_uidl_forget(s, "abc", &err), ==, 0);
	g_assert_cmpint(store_uidl_has(s, "abc", &err), ==, 0);
	g_assert_cmpint(store_uidl_has(s, hostile, &err), ==, 1);
	g_assert_null(err);
	store_close(s);
	fixture_done(&fx);
}

static void
test_body_cache(void)
{
	static const char *const bad[] = { "", "/etc/passwd", "..", "../x",
		"a/../../x", "a/..", "a/../b" };
	static const char *const fine[] = { "..x", "a/..b", "x..", "a/b/c" };
	struct store_body b;
	struct orphans o;
	struct fixture fx;
	struct store *s;
	char *err = NULL;
	int64_t fid, other;
	size_t i;

	fixture_init(&fx);
	s = open_ok(fx.path);
	fid = folder(s, "INBOX");
	other = folder(s, "Old");
	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_cmpint(
		    store_body_put(s, fid, 1, bad[i], 1, &err), ==, -1);
		g_assert_nonnull(err);
		free(err);
		err = NULL;
	}
	g_assert_cmpint(store_body_put(s, fid, 1, NULL, 1, &err), ==, -1);
	free(err);
	err = NULL;
	for (i = 0; i < G_N_ELEMENTS(fine); i++)
		g_assert_cmpint(
		    store_body_put(s, fid, 100 + (uint32_t)i, fine[i], 1, &err),
		    ==, 0);

	g_assert_cmpint(store_body_get(s, fid, 1, &b, &err), ==, 0);
	g_assert_null(b.path);
	g_assert_cmpint(
	    store_body_put(s, fid, 1, "inbox/1.eml", 1234, &err), ==, 0);
	g_assert_cmpint(store_body_get(s, fid, 1, &b, &err), ==, 1);
	g_assert_cmpstr(b.path, ==, "inbox/1.eml");
	g_assert_cmpuint(b.size, ==, 1234);
	g_assert_cmpint(b.cached, >, 0);
	store_body_clear(&b);
	store_body_clear(NULL);

	/* Same path again: not an orphan.  New path: the old one is. */
	g_assert_cmpint(
	    store_body_put(s, fid, 1, "inbox/1.eml", 1300, &err), ==, 0);
	memset(&o, 0, sizeof o);
	g_assert_cmpint(store_body_orphans(s, orphan_cb, &o, &err), ==, 0);
	g_assert_cmpuint(o.n, ==, 0);
	g_assert_cmpint(
	    store_body_put(s, fid, 1, "inbox/1b.eml", 1300, &err), ==, 0);
	g_assert_cmpint(
	    store_body_put(s, other, 7, "old/7.eml", 10, &err), ==, 0);
	g_assert_cmpint(store_body_drop(s, fid, 100, &err), ==, 1);
	g_assert_cmpint(store_body_drop(s, fid, 100, &err), ==, 0);
	g_assert_cmpint(store_folder_delete(s, other, &err), ==, 0);
	store_close(s);

	/* Orphans survive a restart until the caller has deleted them. */
	s = open_ok(fx.path);
	o.refuse = true;
	g_assert_cmpint(store_body_orphans(s, orphan_cb, &o, &err), ==, 0);
	g_assert_cmpuint(o.n, ==, 3);
	g_assert_cmpstr(o.path[0], ==, "..x");
	g_assert_cmpstr(o.path[1], ==, "inbox/1.eml");
	g_assert_cmpstr(o.path[2], ==, "old/7.eml");
	orphans_clear(&o);
	o.refuse = false;
	g_assert_cmpint(store_body_orphans(s, orphan_cb, &o, &err), ==, 0);
	g_assert_cmpuint(o.n, ==, 3);
	orphans_clear(&o);
	g_assert_cmpint(store_body_orphans(s, orphan_cb, &o, &err), ==, 0);
	g_assert_cmpuint(o.n, ==, 0);
	/* A path that was orphaned and is used again is no orphan. */
	g_assert_cmpint(store_body_put(s, fid, 2, "p", 1, &err), ==, 0);
	g_assert_cmpint(store_body_drop(s, fid, 2, &err), ==, 1);
	g_assert_cmpint(store_body_put(s, fid, 3, "p", 1, &err), ==, 0);
	g_assert_cmpint(store_body_orphans(s, orphan_cb, &o, &err), ==, 0);
	g_assert_cmpuint(o.n, ==, 0);
	g_assert_null(err);
	store_close(s);
	fixture_done(&fx);
}

static void
test_fts(void)
{
	/* User input that would be FTS5 syntax if pasted into a query. */
	static const char *const hostile[] = { "\"", "\"\"", "\"unbalanced",
		"(", ")", "(()", "NEAR(", "NEAR(a b, 2)", "*", "a*", "^", "AND",
		"OR", "NOT", "AND OR", "OR AND NOT", "subject:", "subject:kiwi",
		"{subject body}: kiwi", "-kiwi", "+", ":", "kiwi\"",
		"'; DROP TABLE fts; --", "\xff\xfe", "\x01\x02\x1b[", "\\",
		"kiwi AND", "NEAR", "%_", "\t\n" };
	static const struct {
		const char *query;
		size_t hits;
	} cases[] = {
		{ "", 0 },
		{ "   ", 0 },
		{ "kiwi", 2 },
		{ "KIWI", 2 },
		{ "kiwi mango", 1 },
		{ "mango kiwi", 1 },
		{ "cafe", 1 }, /* "Café" without its accent */
		{ "straße", 1 },
		{ "東京", 1 },
		{ "\"kiwi\"", 2 },
		{ "(kiwi)", 2 },
		{ "and or", 1 }, /* plain words in a body */
		{ "AND OR", 1 },
		{ "NEAR(kiwi", 0 }, /* "near kiwi" appears nowhere */
		{ "kiwi*", 2 },
		{ "kiw", 0 }, /* whole words only */
		{ "carol", 1 }, /* an address */
		{ "papaya", 0 },
	};
	struct summary arr[3];
	struct fixture fx;
	struct store *s;
	struct hits h;
	char *err = NULL, *longq;
	int64_t fid, other;
	size_t i;

	fixture_init(&fx);
	s = open_ok(fx.path);
	fid = folder(s, "INBOX");
	other = folder(s, "Archive");
	arr[0] = simple(1, "Kiwi and mango");
	arr[1] = simple(2, "Café in Straße");
	arr[1].to = "Carol <carol@example.org>";
	arr[2] = simple(3, "Weekly kiwi");
	put(s, fid, arr, 3);
	g_assert_cmpint(store_fts_index(s, fid, 3, "Weekly kiwi", NULL,
			    "this and or that, 東京 too", &err),
	    ==, 0);
	g_assert_cmpint(
	    store_fts_index(s, other, 9, "papaya", NULL, NULL, &err), ==, 0);
	g_assert_cmpint(
	    store_fts_index(s, other, 9, NULL, NULL, NULL, &err), ==, 0);
	g_assert_null(err);

	g_assert_cmpuint(search(s, 0, "papaya", &h), ==, 0);
	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		if (search(s, fid, cases[i].query, &h) != cases[i].hits)
			g_error("search [%s]: %zu hits, expected %zu",
			    cases[i].query, h.n, cases[i].hits);
	}
	g_assert_cmpuint(search(s, fid, "kiwi", &h), ==, 2);
	g_assert_cmpuint(h.uid[0], ==, 3);
	g_assert_cmpuint(h.uid[1], ==, 1);
	for (i = 0; i < G_N_ELEMENTS(hostile); i++)
		search(s, 0, hostile[i], &h);

	/* Every folder, and one folder. */
	g_assert_cmpint(
	    store_fts_index(s, other, 9, "kiwi again", NULL, NULL, &err), ==,
	    0);
	g_assert_cmpuint(search(s, 0, "kiwi", &h), ==, 3);
	g_assert_cmpuint(search(s, other, "kiwi", &h), ==, 1);
	g_assert_cmpint(h.folder[0], ==, other);
	g_assert_cmpuint(h.uid[0], ==, 9);

	/* Too much text is refused with a message, not run. */
	longq = g_strnfill(STORE_SEARCH_MAX_BYTES + 1, 'a');
	g_assert_cmpint(
	    store_fts_search(s, 0, longq, hit_cb, &h, &err), ==, -1);
	g_assert_nonnull(err);
	free(err);
	err = NULL;
	g_free(longq);
	longq = g_strnfill(2 * STORE_SEARCH_MAX_TERMS + 2, ' ');
	for (i = 0; i < STORE_SEARCH_MAX_TERMS + 1; i++)
		longq[2 * i] = 'x';
	g_assert_cmpint(
	    store_fts_search(s, 0, longq, hit_cb, &h, &err), ==, -1);
	g_assert_nonnull(err);
	free(err);
	err = NULL;
	g_free(longq);

	/* A deleted folder leaves nothing in the index. */
	g_assert_cmpint(store_folder_delete(s, other, &err), ==, 0);
	g_assert_cmpuint(search(s, 0, "kiwi", &h), ==, 2);
	store_close(s);
	g_assert_cmpint(raw_int(fx.path, "SELECT count(*) FROM fts"), ==, 3);
	fixture_done(&fx);
}

static void
test_maildir_uids(void)
{
	static const char *const first[] = { "1.M1.h", "2.M2.h", "3.M3.h" };
	static const char *const second[] = { "3.M3.h", "5.M5.h", "1.M1.h",
		"6.M6.h" };
	struct store_folder f;
	struct fixture fx;
	struct store *s;
	uint32_t uids[4], uid, validity;
	char *err = NULL, *key;
	const char *empty = "";
	int64_t fid, other;

	fixture_init(&fx);
	s = open_ok(fx.path);
	fid = folder(s, "local");
	other = folder(s, "local/sub");
	g_assert_cmpint(
	    store_maildir_uid(s, fid, "1.M1.h", false, &uid, &err), ==, 0);
	g_assert_cmpint(
	    store_maildir_uid(s, fid, "", true, &uid, &err), ==, -1);
	free(err);
	err = NULL;
	g_assert_cmpint(
	    store_maildir_assign(s, fid, &empty, 1, uids, &err), ==, -1);
	free(err);
	err = NULL;

	g_assert_cmpint(
	    store_maildir_assign(s, fid, first, 3, uids, &err), ==, 0);
	g_assert_cmpuint(uids[0], ==, 1);
	g_assert_cmpuint(uids[1], ==, 2);
	g_assert_cmpuint(uids[2], ==, 3);
	g_assert_cmpint(store_folder_get(s, fid, &f, &err), ==, 1);
	g_assert_cmpuint(f.uidvalidity, !=, 0);
	g_assert_cmpuint(f.uidnext, ==, 4);
	validity = f.uidvalidity;
	store_folder_clear(&f);

	/* A removed file's UID is never handed out again. */
	g_assert_cmpint(store_maildir_remove(s, fid, "2.M2.h", &err), ==, 1);
	g_assert_cmpint(store_maildir_remove(s, fid, "2.M2.h", &err), ==, 0);
	g_assert_cmpint(
	    store_maildir_assign(s, fid, second, 4, uids, &err), ==, 0);
	g_assert_cmpuint(uids[0], ==, 3);
	g_assert_cmpuint(uids[1], ==, 4);
	g_assert_cmpuint(uids[2], ==, 1);
	g_assert_cmpuint(uids[3], ==, 5);
	g_assert_cmpint(
	    store_maildir_uid(s, fid, "7.M7.h", true, &uid, &err), ==, 1);
	g_assert_cmpuint(uid, ==, 6);
	g_assert_cmpint(
	    store_maildir_uid(s, other, "7.M7.h", true, &uid, &err), ==, 1);
	g_assert_cmpuint(uid, ==, 1);
	store_close(s);

	/* Stable across a restart, with the same UIDVALIDITY. */
	s = open_ok(fx.path);
	g_assert_cmpint(
	    store_maildir_uid(s, fid, "5.M5.h", true, &uid, &err), ==, 1);
	g_assert_cmpuint(uid, ==, 4);
	g_assert_cmpint(store_maildir_key(s, fid, 6, &key, &err), ==, 1);
	g_assert_cmpstr(key, ==, "7.M7.h");
	free(key);
	g_assert_cmpint(store_maildir_key(s, fid, 2, &key, &err), ==, 0);
	g_assert_null(key);
	g_assert_cmpint(store_folder_get(s, fid, &f, &err), ==, 1);
	g_assert_cmpuint(f.uidvalidity, ==, validity);
	g_assert_cmpuint(f.uidnext, ==, 7);
	store_folder_clear(&f);

	/* UIDNEXT set too low by mistake cannot make a UID repeat. */
	g_assert_cmpint(store_folder_get(s, fid, &f, &err), ==, 1);
	f.uidnext = 2;
	g_assert_cmpint(store_folder_update(s, &f, &err), ==, 0);
	store_folder_clear(&f);
	g_assert_cmpint(
	    store_maildir_uid(s, fid, "8.M8.h", true, &uid, &err), ==, 1);
	g_assert_cmpuint(uid, ==, 7);

	/* A new UIDVALIDITY starts the numbering over. */
	g_assert_cmpint(
	    store_folder_set_uidvalidity(s, fid, validity + 1, &err), ==, 1);
	g_assert_cmpint(
	    store_maildir_uid(s, fid, "8.M8.h", true, &uid, &err), ==, 1);
	g_assert_cmpuint(uid, ==, 1);
	g_assert_null(err);
	store_close(s);
	fixture_done(&fx);
}

static void
test_folders(void)
{
	static const char *const names[] = { "a", "a/b", "a/b/c", "ab",
		"it's 100%_done", "Ünïcödé" };
	struct store_folder f, *list;
	struct fixture fx;
	struct store *s;
	char *err = NULL;
	int64_t ids[G_N_ELEMENTS(names)], id;
	size_t i, n;

	fixture_init(&fx);
	s = open_ok(fx.path);
	g_assert_cmpint(store_folder_get_or_create(s, "", &id, &err), ==, -1);
	g_assert_nonnull(err);
	free(err);
	err = NULL;
	g_assert_cmpint(store_folder_find(s, "a", &id, &err), ==, 0);
	g_assert_cmpint(store_folder_get(s, 12345, &f, &err), ==, 0);
	g_assert_null(f.name);
	for (i = 0; i < G_N_ELEMENTS(names); i++)
		ids[i] = folder(s, names[i]);
	g_assert_cmpint(
	    store_folder_find(s, "it's 100%_done", &id, &err), ==, 1);
	g_assert_cmpint(id, ==, ids[4]);

	/* Every field written is read back, '\0' delimiter and NULLs too. */
	g_assert_cmpint(store_folder_get(s, ids[0], &f, &err), ==, 1);
	g_assert_cmpint(f.delimiter, ==, '\0');
	g_assert_null(f.special_use);
	f.delimiter = '/';
	f.special_use = g_strdup("\\Sent");
	f.uidvalidity = UINT32_MAX;
	f.uidnext = 12;
	f.highestmodseq = (1ULL << 63) + 5;
	f.total = 40;
	f.unseen = 3;
	g_assert_cmpint(store_folder_update(s, &f, &err), ==, 0);
	g_free(f.special_use);
	f.special_use = NULL;
	store_folder_clear(&f);
	g_assert_cmpint(store_folder_get(s, ids[0], &f, &err), ==, 1);
	g_assert_cmpstr(f.name, ==, "a");
	g_assert_cmpint(f.delimiter, ==, '/');
	g_assert_cmpstr(f.special_use, ==, "\\Sent");
	g_assert_cmpuint(f.uidvalidity, ==, UINT32_MAX);
	g_assert_cmpuint(f.uidnext, ==, 12);
	g_assert_cmpuint(f.highestmodseq, ==, (1ULL << 63) + 5);
	g_assert_cmpuint(f.total, ==, 40);
	g_assert_cmpuint(f.unseen, ==, 3);
	store_folder_clear(&f);
	store_folder_clear(NULL);

	/* Renames carry inferiors along and refuse what IMAP refuses. */
	g_assert_cmpint(store_folder_rename(s, ids[0], "ab", &err), ==, -1);
	g_assert_nonnull(strstr(err, "exists already"));
	free(err);
	err = NULL;
	g_assert_cmpint(store_folder_rename(s, ids[0], "a/x", &err), ==, -1);
	g_assert_nonnull(strstr(err, "inside itself"));
	free(err);
	err = NULL;
	g_assert_cmpint(store_folder_rename(s, ids[0], "", &err), ==, -1);
	free(err);
	err = NULL;
	g_assert_cmpint(store_folder_rename(s, ids[0], "a", &err), ==, 0);
	g_assert_cmpint(store_folder_rename(s, ids[0], "zz", &err), ==, 0);
	g_assert_cmpint(store_folder_list(s, &list, &n, &err), ==, 0);
	g_assert_cmpuint(n, ==, G_N_ELEMENTS(names));
	g_assert_cmpstr(list[0].name, ==, "ab");
	g_assert_cmpstr(list[1].name, ==, "it's 100%_done");
	g_assert_cmpstr(list[2].name, ==, "zz");
	g_assert_cmpstr(list[3].name, ==, "zz/b");
	g_assert_cmpstr(list[4].name, ==, "zz/b/c");
	g_assert_cmpstr(list[5].name, ==, "Ünïcödé");
	g_assert_cmpint(list[3].id, ==, ids[1]);
	store_folder_array_free(list, n);

	/* Deleting takes the folder's messages with it, and only those. */
	fill_folder(s, ids[1], "ocelot");
	fill_folder(s, ids[2], "ocelot");
	g_assert_cmpint(store_folder_delete(s, ids[1], &err), ==, 0);
	g_assert_false(has_summary(s, ids[1], 1));
	g_assert_true(has_summary(s, ids[2], 1));
	g_assert_cmpint(store_folder_get(s, ids[1], &f, &err), ==, 0);
	g_assert_null(err);
	store_close(s);
	g_assert_cmpint(
	    raw_int(fx.path, "SELECT count(*) FROM pending"), ==, 1);
	g_assert_cmpint(
	    raw_int(fx.path, "SELECT count(*) FROM maildir_uids"), ==, 1);
	fixture_done(&fx);
}

static void
test_transaction(void)
{
	struct summary m = simple(1, "x");
	struct fixture fx;
	struct store *s;
	char *err = NULL;
	int64_t fid;

	fixture_init(&fx);
	s = open_ok(fx.path);
	fid = folder(s, "INBOX");
	g_assert_cmpint(store_begin(s, &err), ==, 0);
	g_assert_cmpint(store_begin(s, &err), ==, -1);
	g_assert_nonnull(err);
	free(err);
	err = NULL;
	put(s, fid, &m, 1);
	g_assert_cmpint(store_uidl_add(s, "u1", "f1", 1, &err), ==, 0);
	store_rollback(s);
	g_assert_false(has_summary(s, fid, 1));
	g_assert_cmpint(store_uidl_has(s, "u1", &err), ==, 0);

	/* An inner failure undoes only its own part. */
	g_assert_cmpint(store_begin(s, &err), ==, 0);
	put(s, fid, &m, 1);
	g_assert_cmpint(store_put_summaries(s, fid + 50, &m, 1, &err), ==, -1);
	free(err);
	err = NULL;
	g_assert_cmpint(store_uidl_add(s, "u1", "f1", 1, &err), ==, 0);
	g_assert_cmpint(store_commit(s, &err), ==, 0);
	store_close(s);
	s = open_ok(fx.path);
	g_assert_true(has_summary(s, fid, 1));
	g_assert_cmpint(store_uidl_has(s, "u1", &err), ==, 1);
	store_rollback(s);
	g_assert_null(err);
	store_close(s);
	fixture_done(&fx);
}

/* Counts what a load hands out. */
static int
count_cb(struct summary *arr, size_t n, void *ctx)
{
	size_t *count = ctx;

	*count += n;
	return 0;
}

/*
 * 100,000 summaries in chunks of 5,000, the way a big folder arrives.
 * The time is reported (g_test_message, visible with --verbose) and
 * bounded loosely, as a regression guard that a sanitizer build passes.
 */
static void
test_bulk(void)
{
	enum { TOTAL = 100000, CHUNK = 5000 };
	struct summary *arr;
	struct fixture fx;
	struct store *s;
	GTimer *timer;
	char *err = NULL;
	double put_s, load_s, open_s;
	int64_t fid;
	uint32_t maxuid, total, unseen;
	size_t i, count = 0;

	fixture_init(&fx);
	s = open_ok(fx.path);
	fid = folder(s, "INBOX");
	arr = g_new0(struct summary, TOTAL);
	for (i = 0; i < TOTAL; i++) {
		arr[i].uid = (uint32_t)i + 1;
		arr[i].flags = i % 3 ? MSG_SEEN : 0;
		arr[i].modseq = i + 100;
		arr[i].date = 1600000000 + (int64_t)i * 60;
		arr[i].arrival = arr[i].date + 5;
		arr[i].size = 1000 + i;
		arr[i].from = g_strdup_printf(
		    "Sender %zu <s%zu@example.org>", i % 500, i % 500);
		arr[i].to = g_strdup("Me <me@example.org>");
		arr[i].subject = g_strdup_printf(
		    "Re: thread %zu about topic %zu", i / 7, i % 113);
		arr[i].message_id = g_strdup_printf("%zu.msg@example.org", i);
		arr[i].in_reply_to = i % 7
		    ? g_strdup_printf("%zu.msg@example.org", i - 1)
		    : NULL;
	}
	timer = g_timer_new();
	for (i = 0; i < TOTAL; i += CHUNK)
		put(s, fid, arr + i, CHUNK);
	put_s = g_timer_elapsed(timer, NULL);
	g_timer_start(timer);
	g_assert_cmpint(
	    store_load_summaries(s, fid, 0, 5000, count_cb, &count, &err), ==,
	    0);
	load_s = g_timer_elapsed(timer, NULL);
	g_assert_cmpuint(count, ==, TOTAL);
	g_assert_cmpint(store_max_uid(s, fid, &maxuid, &err), ==, 0);
	g_assert_cmpuint(maxuid, ==, TOTAL);
	g_assert_cmpint(
	    store_summary_counts(s, fid, &total, &unseen, &err), ==, 0);
	g_assert_cmpuint(total, ==, TOTAL);
	g_assert_cmpuint(unseen, ==, (TOTAL + 2) / 3);
	store_close(s);
	g_timer_start(timer);
	s = open_ok(fx.path);
	open_s = g_timer_elapsed(timer, NULL);
	g_test_message("100000 summaries: put %.2f s (chunks of 5000), "
		       "load %.2f s, reopen with quick_check %.2f s",
	    put_s, load_s, open_s);
	g_assert_cmpfloat(put_s, <, 60.0);
	store_close(s);
	g_timer_destroy(timer);
	for (i = 0; i < TOTAL; i++)
		summary_clear(&arr[i]);
	g_free(arr);
	fixture_done(&fx);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/store/open-reopen", test_open_reopen);
	g_test_add_func("/store/migrate-v1", test_migrate_v1);
	g_test_add_func("/store/refuse-newer", test_refuse_newer);
	g_test_add_func("/store/refuse-foreign", test_refuse_foreign);
	g_test_add_func("/store/corrupt", test_corrupt);
	g_test_add_func("/store/summaries-roundtrip", test_summaries_roundtrip);
	g_test_add_func("/store/load-batches", test_load_batches);
	g_test_add_func("/store/flags-and-removal", test_flags_and_removal);
	g_test_add_func("/store/uidvalidity-reset", test_uidvalidity_reset);
	g_test_add_func("/store/pending", test_pending);
	g_test_add_func("/store/uidl", test_uidl);
	g_test_add_func("/store/body-cache", test_body_cache);
	g_test_add_func("/store/fts", test_fts);
	g_test_add_func("/store/maildir-uids", test_maildir_uids);
	g_test_add_func("/store/folders", test_folders);
	g_test_add_func("/store/transaction", test_transaction);
	g_test_add_func("/store/bulk", test_bulk);
	return g_test_run();
}
